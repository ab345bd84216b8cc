/// A concrete cache key produced by generated code, typed by the value stored under it.
///
/// Code never formats a key by hand: a `CacheKey` comes from a generated `CacheKeys` function, which escapes every
/// parameter value (see ``CacheKeyEncoding``) and attaches what the schema says about the key.
///
/// ```swift
/// let key = CacheKeys.user(userID: id)   // CacheKey<UserDTO>
/// String(describing: key)                // "shop:user:{7c9e6679-7425-40de-944b-e07fc1f90ae7}"
/// key.name                               // "user", the label logs and metrics use
/// key.ttl                                // .seconds(300)
/// ```
///
/// Every concrete key carries one Redis Cluster hash tag, `{…}`, around its owning instance's identity (see
/// `CacheKeyLayout`), so that an instance's keys share a slot.
///
/// `Value` is the type stored under the key. It is a phantom type: the key holds no value.
public struct CacheKey<Value>: Sendable, Hashable, CustomStringConvertible {
    /// What the schema declares about this key: name, pattern, TTL, entity and parameters.
    public let descriptor: CacheKeyDescriptor

    /// The concrete Redis key, namespace and hash tag included.
    public let rawValue: String

    /// The entity instances whose invalidation removes this key, used by the runtime to index the key under each of
    /// them when it writes it.
    public let owners: [CacheEntityInstance]

    /// Creates a key. Generated code calls this; application code uses the generated `CacheKeys` functions.
    ///
    /// - Parameters:
    ///   - descriptor: The schema's description of the key.
    ///   - rawValue: The concrete Redis key, already encoded.
    ///   - owners: The entity instances whose invalidation reaches this key.
    public init(descriptor: CacheKeyDescriptor, rawValue: String, owners: [CacheEntityInstance] = []) {
        self.descriptor = descriptor
        self.rawValue = rawValue
        self.owners = owners
    }

    /// The key's schema name (`"user"`): the label for logs and metrics, never the concrete key.
    public var name: String { descriptor.name }

    /// The key's time to live, from the schema.
    public var ttl: Duration { descriptor.ttl }

    /// The concrete Redis key.
    public var description: String { rawValue }

    /// The same key with another value type, for keys whose schema declares no `value:`.
    public func withValueType<Other>(_ type: Other.Type = Other.self) -> CacheKey<Other> {
        CacheKey<Other>(descriptor: descriptor, rawValue: rawValue, owners: owners)
    }
}
