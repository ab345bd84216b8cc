/// What a schema declares about one key: the static half of a ``CacheKey``.
public struct CacheKeyDescriptor: Sendable, Hashable, Codable {
    /// The key's name in the schema (`"userByEmail"`).
    public let name: String
    /// The entity the key belongs to (`"user"`).
    public let entity: String
    /// The key pattern as written in the schema, without the namespace (`"user:email:{email}"`).
    public let pattern: String
    /// The namespace prefix (`"shop"`), or `nil` when the schema has none.
    public let namespace: String?
    /// The parameters of the key, entity identity first, in pattern order.
    public let parameters: [CacheParameterDescriptor]
    /// The key's time to live.
    public let ttl: Duration
    /// The TTL class the key uses (`"user"`), or `nil` when its TTL is a literal duration or the schema default.
    public let ttlClass: String?
    /// The Swift type name the schema declares for the value (`"UserDTO"`), or `nil` when the call site chooses it.
    public let valueType: String?
    /// The entities whose invalidation removes this key.
    public let invalidatedBy: [String]
    /// Early refresh, stale-while-revalidate and TTL jitter, as the schema declares them for the key or its TTL class.
    public let freshness: CacheFreshness
    /// The key's near cache (decoded values in process memory), or `nil` when it has none.
    public let nearCache: CacheNearCachePolicy?

    /// Creates a descriptor. Generated code calls this.
    public init(
        name: String,
        entity: String,
        pattern: String,
        namespace: String?,
        parameters: [CacheParameterDescriptor],
        ttl: Duration,
        ttlClass: String?,
        valueType: String?,
        invalidatedBy: [String],
        freshness: CacheFreshness,
        nearCache: CacheNearCachePolicy?
    ) {
        self.name = name
        self.entity = entity
        self.pattern = pattern
        self.namespace = namespace
        self.parameters = parameters
        self.ttl = ttl
        self.ttlClass = ttlClass
        self.valueType = valueType
        self.invalidatedBy = invalidatedBy
        self.freshness = freshness
        self.nearCache = nearCache
    }

    /// Creates a descriptor of a key without a near cache.
    public init(
        name: String, entity: String, pattern: String, namespace: String?, parameters: [CacheParameterDescriptor], ttl: Duration,
        ttlClass: String?, valueType: String?, invalidatedBy: [String], freshness: CacheFreshness
    ) {
        self.init(
            name: name, entity: entity, pattern: pattern, namespace: namespace, parameters: parameters, ttl: ttl, ttlClass: ttlClass,
            valueType: valueType, invalidatedBy: invalidatedBy, freshness: freshness, nearCache: nil)
    }

    /// Creates a descriptor of a key with plain expiry (``CacheFreshness/none``).
    public init(
        name: String, entity: String, pattern: String, namespace: String?, parameters: [CacheParameterDescriptor], ttl: Duration,
        ttlClass: String?, valueType: String?, invalidatedBy: [String]
    ) {
        self.init(
            name: name, entity: entity, pattern: pattern, namespace: namespace, parameters: parameters, ttl: ttl, ttlClass: ttlClass,
            valueType: valueType, invalidatedBy: invalidatedBy, freshness: .none, nearCache: nil)
    }

    /// The pattern with the namespace in front (`"shop:user:email:{email}"`).
    public var qualifiedPattern: String {
        namespace.map { "\($0):\(pattern)" } ?? pattern
    }
}

/// One parameter of a key or of an entity's identity.
public struct CacheParameterDescriptor: Sendable, Hashable, Codable {
    /// The parameter's name in the schema (`"user_id"`).
    public let name: String
    /// The Swift argument label generated code uses (`"userID"`).
    public let label: String
    /// The parameter's type.
    public let type: CacheParameterType

    /// Creates a parameter descriptor.
    public init(name: String, label: String, type: CacheParameterType) {
        self.name = name
        self.label = label
        self.type = type
    }
}

/// The type of a key parameter, which decides how its values are encoded (see ``CacheKeyEncoding``).
public enum CacheParameterType: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `String`: percent-encoded.
    case string
    /// `Int`: decimal.
    case int
    /// `UUID`: canonical lower-case.
    case uuid
    /// `Bool`: `true` / `false`.
    case bool
    /// A `LosslessStringConvertible` type of the consuming module, encoded like a `String` through its description.
    case custom(String)

    /// The Swift type name.
    public var description: String {
        switch self {
        case .string: "String"
        case .int: "Int"
        case .uuid: "UUID"
        case .bool: "Bool"
        case .custom(let name): name
        }
    }
}
