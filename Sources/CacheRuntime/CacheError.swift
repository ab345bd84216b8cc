import CacheSchemaRedis

/// Why a cache operation failed. It names the schema key, never the concrete key or the value.
public struct CacheError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public enum Kind: Sendable, Hashable {
        /// Redis could not be reached or answered with an error (see ``CacheError/redis``).
        case redis
        /// The value could not be encoded with the codec.
        case encoding
        /// An invalidation pattern could not be carried out completely; the cache may hold stale keys.
        case invalidation
        /// An earlier write, delete or invalidation of this key failed and is being retried; until it succeeds the
        /// key is not read from the cache (its value may be older than the source).
        case repairPending
    }

    /// What kind of failure.
    public let kind: Kind
    /// The schema key name (`"user"`), or the entity for invalidations.
    public let name: String
    /// A one-line explanation.
    public let message: String
    /// The underlying Redis error, when there is one.
    public let redis: RedisError?

    init(_ kind: Kind, name: String, _ message: String, redis: RedisError? = nil) {
        self.kind = kind
        self.name = name
        self.message = message
        self.redis = redis
    }

    static func wrapping(_ error: any Error, name: String, doing action: String) -> CacheError {
        if let cacheError = error as? CacheError { return cacheError }
        if let redisError = error as? RedisError {
            return CacheError(.redis, name: name, "\(action) failed: \(redisError.description)", redis: redisError)
        }
        return CacheError(.redis, name: name, "\(action) failed: \(error)")
    }

    public var description: String { "cache '\(name)': \(message)" }
}

/// What a cache read found.
public enum CacheLookup<Value: Sendable>: Sendable {
    /// The value was cached.
    case hit(Value)
    /// Nothing usable was cached (absent, expired, or stored by another value type).
    case miss
    /// Redis could not be read; treat it as a miss, and know why.
    case missWithError(CacheError)

    /// The value on a hit.
    public var value: Value? {
        if case .hit(let value) = self { value } else { nil }
    }
}
