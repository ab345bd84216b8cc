/// A key's near cache, as the schema declares it for the key or its TTL class: decoded values kept in process memory
/// for hot keys, kept coherent with Redis by RESP3 client-side caching (see the runtime's `CacheNearCache`).
public struct CacheNearCachePolicy: Sendable, Hashable, Codable {
    /// The longest a value stays in process memory; it also never outlives the value's TTL in Redis (nor its soft
    /// expiry, so that early refresh and stale-while-revalidate still happen in Redis).
    public var localTTL: Duration
    /// The most values of this key name kept at once; past it the least valuable are evicted.
    public var capacity: Int

    /// A near-cache policy; generated code calls this with what the schema declares.
    public init(localTTL: Duration, capacity: Int) {
        self.localTTL = max(localTTL, .milliseconds(1))
        self.capacity = max(capacity, 1)
    }
}
