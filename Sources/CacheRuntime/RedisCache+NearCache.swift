import CacheSchemaRedis

extension RedisCache {
    /// The near-cache policy of `key` when this cache serves it from process memory: the schema declares one and the
    /// client is a single node (``RedisClient``) whose server can push invalidations (RESP3). Starts tracking the
    /// key's namespace on first use. On a cluster the near cache is off (one warning per key name): tracking there
    /// would need a connection per node, not built yet.
    func nearPolicy<Value>(_ key: CacheKey<Value>) -> CacheNearCachePolicy? {
        guard let policy = key.descriptor.nearCache else { return nil }
        guard let nearTracker else {
            warnRateLimited(
                "the schema declares a near cache for this key, but near caches work on a single Redis node only for now; reading from Redis",
                name: key.name, error: "near cache off on a cluster", interval: .seconds(3600))
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
