import CacheSchemaRedis
import Logging

extension RedisCache {
    /// How many failed writes, invalidations and pattern deletions are waiting to be carried out again (see
    /// ``CacheError/Kind``).
    ///
    /// A write, delete, invalidation or pattern deletion that fails after the source of truth changed leaves the cache
    /// possibly stale. Besides throwing, the cache records what must still happen (delete the key, invalidate the
    /// instance, or delete the pattern) and retries it until Redis takes it (with a backoff up to 1 s, cut short when
    /// Redis answers another read); meanwhile this process reads those keys (and any key a pending glob matches) from
    /// their loaders, not from the cache. At most `repairCapacity` repairs are kept; past that the oldest is dropped
    /// and logged as an error.
    public var pendingRepairCount: Int { repairs.count }

    /// Records that `key` must be deleted (its write or delete failed).
    func recordKeyRepair<Value>(_ key: CacheKey<Value>) {
        recordRepair(.delete(
            key: key.rawValue, name: key.name, indexKeys: CacheIndexKeys.indexes(of: key), generationKeys: CacheIndexKeys.generations(of: key),
            foreignGenerationKeys: CacheIndexKeys.foreignGenerations(of: key)))
    }

    func recordRepair(_ action: CacheRepairQueue.Action) {
        let (startLoop, dropped) = repairs.record(action)
        metrics.repairs.pending.record(repairs.count)
        if let dropped {
            metrics.repairs.dropped.increment()
            logger.error(
                "too many pending cache repairs; dropped the oldest: its keys may stay stale until their TTL",
                metadata: ["name": "\(dropped.name)", "capacity": "\(repairs.capacity)"])
        }
        if startLoop {
            Task { await self.runRepairs() }
        }
    }

    /// Carries out pending repairs until none is left, waiting between failed attempts as ``CacheRepairPacer`` says
    /// (a backoff up to 1 s, cut short when Redis answers another command). One loop runs at a time. A failure skips,
    /// for the rest of its round, only the repairs on the same node (``CacheRepairRound``).
    private func runRepairs() async {
        while true {
            let batch = repairs.next()
            if batch.isEmpty { return }
            var round = CacheRepairRound()
            for repair in batch {
                let nodes = nodes(of: repair.action)
                guard round.attempts(nodes) else { continue }
                do {
                    try await perform(repair.action)
                    repairs.complete(repair)
                    repairPacer.succeeded()
                    metrics.repairs.done.increment()
                    metrics.repairs.pending.record(repairs.count)
                    logger.info("cache repair done", metadata: ["name": "\(repair.action.name)"])
                } catch let error as RedisError where error.kind == .shutDown {
                    let dropped = repairs.dropAll()
                    metrics.repairs.dropped.increment(by: Int64(dropped))
                    metrics.repairs.pending.record(0)
                    logger.error("the Redis client was shut down with cache repairs pending; their keys may stay stale until their TTL", metadata: ["count": "\(dropped)"])
                    return
                } catch {
                    round.failed(nodes)
                    metrics.repairs.failedAttempts.increment()
                    logger.debug("cache repair failed; will retry", metadata: ["name": "\(repair.action.name)", "error": "\(error)"])
                }
            }
            if round.hasFailures { await repairPacer.failed() }
        }
    }

    /// The nodes a repair writes to now, or `nil` when it writes to every primary or a node is not known.
    private func nodes(of action: CacheRepairQueue.Action) -> Set<String>? {
        guard let keys = action.routingKeys else { return nil }
        var nodes: Set<String> = []
        for key in keys {
            guard let node = client.nodeName(routing: key) else { return nil }
            nodes.insert(node)
        }
        return nodes
    }

    /// Redis answered one of this cache's reads: repairs waiting out a backoff run now.
    func redisAnswered() {
        if repairs.count > 0 { repairPacer.wake() }
    }

    private func perform(_ action: CacheRepairQueue.Action) async throws {
        switch action {
        case .delete(let key, _, let indexKeys, let generationKeys, let foreignGenerationKeys):
            _ = try await deleteAndBump(key: key, indexKeys: indexKeys, generationKeys: generationKeys, foreignGenerationKeys: foreignGenerationKeys)
        case .invalidate(let invalidation):
            _ = try await runInvalidation(invalidation)
        case .deletePattern(let glob, let namespace):
            try await bumpPatternGeneration(for: glob, namespace: namespace)
            _ = try await scanAndUnlink(glob, batchSize: 1000)
        }
    }
}
