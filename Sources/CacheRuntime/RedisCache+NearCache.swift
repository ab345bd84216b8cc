import CacheSchemaRedis

extension RedisCache {
    /// The near-cache policy of `key` when this cache serves it from process memory: the schema declares one, the
    /// cache was created with `nearCaching` (not `nil`), the client is a ``RedisClient`` or a ``RedisClusterClient``, and its
    /// servers can push invalidations (RESP3). Starts
    /// tracking the key's namespace on first use. With a client of another kind the near cache is off (one warning
    /// per key name an hour).
    func nearPolicy<Value>(_ key: CacheKey<Value>) -> CacheNearCachePolicy? {
        guard nearCaching != nil, let policy = key.descriptor.nearCache else { return nil }
        guard let nearTracker else {
            warnRateLimited(
                "the schema declares a near cache for this key, but the Redis client is neither a RedisClient nor a RedisClusterClient, whose nodes the near cache knows how to track; reading from Redis",
                name: key.name, error: "near cache off with this client", interval: .seconds(3600))
            return nil
        }
        nearTracker.track(prefix: key.descriptor.namespace.map { "\($0):" } ?? "")
        return nearTracker.isDisabled ? nil : policy
    }

    /// When a value read from Redis with `pttl` ms left must leave process memory: at its local TTL, and never after
    /// its soft expiry in Redis (its remaining TTL less any stale window), so that refreshes keep happening there.
    /// `nil` when it must not be kept at all.
    static func nearExpiry(policy: CacheNearCachePolicy, pttl: Int64, freshness: CacheFreshness, now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        let stale = freshness.staleWindow.map { Int64(milliseconds($0)) } ?? 0
        let fresh = pttl - stale
        guard pttl > 0, fresh > 0 else { return nil }
        return now + min(policy.localTTL, .milliseconds(fresh))
    }

    /// Reads a near-cached key from Redis with its remaining TTL, under a ticket taken before the read is sent, and
    /// keeps a value it can serve in process memory (``keepNear(_:_:ticket:pttl:policy:instruments:)``).
    func readKeepingNear<Value: Codable & Sendable>(
        _ key: CacheKey<Value>, policy: CacheNearCachePolicy, instruments: CacheMetrics.Instruments
    ) async throws -> CacheLookup<Value> {
        let ticket = nearCache.ticket(for: key)
        var kept = false
        defer { if !kept { nearCache.release(ticket) } }
        let (buffer, pttl) = try await readWithRemainingTTL(key)
        guard let buffer else {
            instruments.misses.increment()
            return .miss
        }
        let lookup = decode(buffer, for: key, instruments: instruments)
        if case .hit(let value) = lookup { kept = keepNear(key, value, ticket: ticket, pttl: pttl, policy: policy, instruments: instruments) }
        return lookup
    }

    /// Stores a value read from Redis with `pttl` ms left in the near cache, unless it must not be held
    /// (``nearExpiry(policy:pttl:freshness:now:)``); the ticket is spent when it returns `true`.
    func keepNear<Value: Sendable>(
        _ key: CacheKey<Value>, _ value: Value, ticket: CacheNearCache.Ticket, pttl: Int64, policy: CacheNearCachePolicy,
        instruments: CacheMetrics.Instruments
    ) -> Bool {
        guard let expires = Self.nearExpiry(policy: policy, pttl: pttl, freshness: key.descriptor.freshness, now: .now) else { return false }
        let evicted = nearCache.store(key, value, ticket: ticket, expires: expires, policy: policy, hits: instruments.nearHits)
        if evicted > 0 { instruments.nearEvictions.increment(by: Int64(evicted)) }
        return true
    }

    /// Drops the near copies of `keys` and keeps reads in flight from storing them: before and after a write of
    /// this process, so that a read in this process never returns an older value once the write returned.
    func dropNear(_ keys: [String], name: String) {
        let dropped = nearCache.invalidate(keys)
        if dropped > 0 { metrics.forKey(name).nearInvalidations.increment(by: Int64(dropped)) }
    }

    /// The same for an invalidation: its exact keys and every key its instance owns.
    func dropNear(_ invalidation: CacheInvalidation) {
        nearCache.invalidate(invalidation.keys.map(\.rawValue))
        nearCache.invalidate(owner: CacheRepairQueue.instanceIdentity(invalidation.instance, namespace: invalidation.namespace))
    }

    /// The same for a pattern deletion.
    func dropNear(matching glob: CacheGlob) {
        nearCache.invalidate(owner: nil, matching: glob.matches)
    }
}
