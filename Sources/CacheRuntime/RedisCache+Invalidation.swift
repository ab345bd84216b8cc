import RedisClient

extension RedisCache {
    /// Removes what an invalidation names: the instance's indexed keys, its exact keys and its index in one atomic
    /// step (a Lua script, cost proportional to the instance's keys), then, with SCAN and UNLINK, the keys matching
    /// patterns that no index covers. Generated `CacheInvalidator` methods call this.
    ///
    /// - Throws: ``CacheError``; the cache may then still hold stale keys of the instance. The invalidation is retried
    ///   as soon as Redis allows, and until it succeeds this process does not read the instance's keys from the cache.
    public func invalidate(_ invalidation: CacheInvalidation) async throws {
        _ = try await invalidateCounting(invalidation)
    }

    /// Like ``invalidate(_:)``, returning how many keys were removed.
    @discardableResult
    public func invalidateCounting(_ invalidation: CacheInvalidation) async throws -> Int {
        supersedeFlights(of: invalidation)
        let entity = invalidation.instance.entity
        let instruments = metrics.forEntity(entity)
        instruments.invalidations.increment()
        do {
            let removed = try await runInvalidation(invalidation)
            instruments.keysRemoved.increment(by: Int64(removed))
            logger.debug("invalidated", metadata: ["entity": "\(entity)", "removed": "\(removed)"])
            return removed
        } catch {
            instruments.errors.increment()
            let cacheError = CacheError.wrapping(error, name: entity, doing: "invalidation")
            logger.warning("cache invalidation failed; retrying it until Redis takes it", metadata: ["entity": "\(entity)", "error": "\(cacheError.message)"])
            recordRepair(.invalidate(invalidation))
            throw CacheError(.invalidation, name: entity, cacheError.message, redis: cacheError.redis)
        }
    }

    /// The invalidation itself, without metrics or repair: the instance's indexed and exact keys, its index and its
    /// generation in one script, then SCAN + UNLINK for the patterns no index covers.
    func runInvalidation(_ invalidation: CacheInvalidation) async throws -> Int {
        let indexKey = CacheIndexKeys.index(invalidation.instance, namespace: invalidation.namespace)
        let generationKey = CacheIndexKeys.generation(invalidation.instance, namespace: invalidation.namespace)
        let reply = try await client.run(
            CacheScripts.invalidate,
            keys: [indexKey, generationKey] + invalidation.keys.map(\.rawValue),
            arguments: [String(Self.milliseconds(Self.generationLifetime))],
            timeout: writeTimeout)
        var removed = Int(try reply.integer())
        for pattern in invalidation.patterns where !pattern.indexed {
            removed += try await scanAndUnlink(pattern.glob, batchSize: 1000)
        }
        return removed
    }
}
