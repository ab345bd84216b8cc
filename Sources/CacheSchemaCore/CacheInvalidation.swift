/// One instance of a schema entity: the entity's name, its encoded identity, and the hash tag its keys carry.
///
/// The identity is the entity's `id` values, each encoded with ``CacheKeyEncoding``, as its keys write them: for one
/// id parameter its value; for several, the identity span of its patterns filled in (`acme:user:42` for
/// `tenant:{tenant_id}:user:{user_id}`, see ``CacheInstanceTag``), which is unambiguous because no encoded value
/// contains `:`; empty for an entity without `id` (a singleton).
///
/// ``hashTag`` is exactly the text between the braces of the Redis Cluster hash tag the instance's keys carry, so that
/// the runtime can place the instance's index set and generation marker in their slot
/// (`<ns>:~idx:<entity>:{<hashTag>}`). It equals ``identity`` except in two cases: a singleton's is the entity's
/// name, and an empty identity value's is `%` (``CacheKeyEncoding/hashTag(_:)`` never writes `{}`). It is never
/// empty.
public struct CacheEntityInstance: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The entity's schema name (`"user"`).
    public let entity: String
    /// The encoded identity (`"7c9e6679-7425-40de-944b-e07fc1f90ae7"`); empty for an entity without `id`.
    public let identity: String
    /// The text between the braces of the hash tag the instance's keys carry (`"7c9e6679-…"`, `"config"` for a
    /// singleton, `"%"` for an empty value); never empty.
    public let hashTag: String

    /// Creates an instance reference with its hash tag. Generated code calls this.
    ///
    /// - Parameters:
    ///   - entity: The entity's schema name.
    ///   - identity: The encoded identity.
    ///   - hashTag: The text between the braces of its keys' hash tag (`CacheKeyEncoding.hashTagContent(_:)` of the
    ///     identity, or the entity's name for a singleton).
    public init(entity: String, identity: String, hashTag: String) {
        self.entity = entity
        self.identity = identity
        self.hashTag = hashTag
    }

    /// Creates an instance reference whose hash tag is derived: the identity when it is not empty, otherwise the
    /// entity's name (the singleton's tag).
    ///
    /// That is the generated tag in every case but one: an entity whose one id parameter is a `String` given the
    /// empty value has the tag `%`, which only ``init(entity:identity:hashTag:)`` can express (generated code and
    /// ``CacheSchemaDescription`` always pass the tag).
    public init(entity: String, identity: String) {
        self.init(entity: entity, identity: identity, hashTag: identity.isEmpty ? entity : identity)
    }

    private enum CodingKeys: String, CodingKey {
        case entity, identity, hashTag
    }

    /// Decodes an instance; one encoded before instances carried a hash tag gets the derived one
    /// (``init(entity:identity:)``).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let entity = try container.decode(String.self, forKey: .entity)
        let identity = try container.decode(String.self, forKey: .identity)
        let hashTag = try container.decodeIfPresent(String.self, forKey: .hashTag)
        self.init(entity: entity, identity: identity, hashTag: hashTag ?? (identity.isEmpty ? entity : identity))
    }

    /// `entity(identity)`, for messages.
    public var description: String { "\(entity)(\(identity))" }
}

/// Exactly what invalidating one entity instance removes.
///
/// Generated `CacheInvalidations` functions build these from the schema; a ``CacheInvalidating`` carries them out.
/// Every concrete key and glob here is built from encoded parameter values, so a hostile value can neither name another
/// entity's key nor widen a glob.
public struct CacheInvalidation: Sendable, Hashable, Codable {
    /// The entity instance being invalidated.
    public let instance: CacheEntityInstance
    /// The namespace of the schema, or `nil`.
    public let namespace: String?
    /// Concrete keys to delete: the entity's keys whose every parameter is part of its identity.
    public let keys: [Key]
    /// Glob patterns whose matching keys are deleted: the entity's keys that have parameters beyond its identity, and
    /// its `related` patterns.
    public let patterns: [Pattern]

    /// A concrete key and the schema key it comes from.
    public struct Key: Sendable, Hashable, Codable {
        /// The schema key's name (`"user"`).
        public let name: String
        /// The concrete Redis key.
        public let rawValue: String

        /// Creates a key entry.
        public init(name: String, rawValue: String) {
            self.name = name
            self.rawValue = rawValue
        }
    }

    /// A Redis glob and where it comes from.
    public struct Pattern: Sendable, Hashable, Codable {
        /// Where a glob comes from.
        public enum Origin: Sendable, Hashable, Codable {
            /// A key of the entity with parameters beyond the identity (every page of `userOrders`).
            case key(String)
            /// One of the entity's `related` patterns, as written in the schema.
            case related(String)
        }

        /// Where the glob comes from.
        public let origin: Origin
        /// The Redis glob, namespace included, with the hash tag where the keys it deletes have it
        /// (`"shop:orders:user:{7c9e…}:page:*"`). Braces are not glob characters in Redis: they match themselves.
        public let glob: String
        /// Whether every key this glob can match is written under the instance's index, so that the runtime can
        /// delete them through the index instead of scanning the keyspace. True for the entity's own keys; for a
        /// related pattern, true when every declared key it reaches carries the entity's identity.
        public let indexed: Bool

        /// Creates a pattern entry. `indexed` defaults to true for the entity's own keys and false for related
        /// patterns (which then fall back to SCAN).
        public init(origin: Origin, glob: String, indexed: Bool? = nil) {
            self.origin = origin
            self.glob = glob
            if let indexed {
                self.indexed = indexed
            } else if case .key = origin {
                self.indexed = true
            } else {
                self.indexed = false
            }
        }
    }

    /// Creates an invalidation. Generated code calls this.
    public init(instance: CacheEntityInstance, namespace: String?, keys: [Key], patterns: [Pattern]) {
        self.instance = instance
        self.namespace = namespace
        self.keys = keys
        self.patterns = patterns
    }
}

/// Something that can carry out a ``CacheInvalidation``: the cache runtime over Redis, or a test double.
public protocol CacheInvalidating: Sendable {
    /// Removes every key the invalidation names and every key its globs match.
    ///
    /// - Throws: When the removal could not be done; the caller must treat the cache as possibly stale.
    func invalidate(_ invalidation: CacheInvalidation) async throws
}
