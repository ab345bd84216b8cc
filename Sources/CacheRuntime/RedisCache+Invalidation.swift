import CacheSchemaRedis

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
        try await traced("invalidate", entity: invalidation.instance.entity) { span in
            let removed = try await invalidateUntraced(invalidation)
            span?.attributes[CacheSpanAttribute.deleted] = removed
            return removed
        }
    }

    private func invalidateUntraced(_ invalidation: CacheInvalidation) async throws -> Int {
        supersedeFlights(of: invalidation)
        defer { dropNear(invalidation) }
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

    /// The invalidation itself, without metrics or repair: when SCAN deletions follow, the pattern markers of their
    /// globs are bumped first; then one script, in the instance's slot, bumps the instance's generation and deletes
    /// its indexed and exact keys and its index; then SCAN + UNLINK for the patterns no index covers. Those keys may
    /// belong to other entities, whose markers this invalidation does not bump: the pattern markers, bumped before
    /// the scans start, are what stops a fill that read before the invalidation from storing behind the scan.
    func runInvalidation(_ invalidation: CacheInvalidation) async throws -> Int {
        let scanned = invalidation.scannedGlobs
        // The pattern markers first: the scans below must not pass a key that a fill which read before could still
        // store behind them.
        for prefix in Set(scanned.map { CacheIndexKeys.patternMarkerPrefix(forGlob: $0, namespace: invalidation.namespace) }).sorted() {
            try await bumpPatternMarkers(prefix: prefix)
        }
        let indexKey = CacheIndexKeys.index(invalidation.instance, namespace: invalidation.namespace)
        let generationKey = CacheIndexKeys.generation(invalidation.instance, namespace: invalidation.namespace)
        let keys = [indexKey, generationKey] + invalidation.keys.map(\.rawValue)
        let reply = try await runScript(
            CacheScripts.invalidate, keys: keys,
            values: [String(Self.milliseconds(Self.generationLifetime)), "1"],
            timeout: writeTimeout)
        guard case .array(let items) = reply, let count = items.first, case .integer(let local) = count else {
            throw RedisError(.protocolError, "the invalidation script did not answer with a count and the keys of other slots")
        }
        var removed = Int(local)
        // Keys this instance owns in other slots, one script each in the key's slot: its pattern marker there is
        // bumped before it is deleted, so that a fill of it that read before cannot store behind this.
        for item in items.dropFirst() {
            let member = try item.text()
            let deleted = try await deleteAndBump(
                key: member, indexKeys: [], generationKeys: CacheIndexKeys.patternMarkers(ofKey: member, namespace: invalidation.namespace))
            if deleted { removed += 1 }
        }
        for glob in scanned {
            removed += try await scanAndUnlink(glob, batchSize: 1000)
        }
        return removed
    }
}

extension CacheInvalidation {
    /// The globs carried out with SCAN: the ones no index covers.
    var scannedGlobs: [String] { patterns.filter { !$0.indexed }.map(\.glob) }
}
