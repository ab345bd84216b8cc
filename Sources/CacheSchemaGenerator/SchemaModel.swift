import CacheSchemaCore

/// A schema as loaded from YAML: names, types, patterns and TTLs with their source locations, before analysis.
public struct Schema: Sendable, Hashable {
    /// The schema file's path as given.
    public var file: String
    /// The format version (always 1 today).
    public var version: Int
    /// The namespace every concrete key is prefixed with, or `nil`.
    public var namespace: String?
    /// The TTL keys get when they name none.
    public var defaultTTL: Milliseconds
    /// Named TTL classes, in file order.
    public var ttlClasses: [TTLClass]
    /// Entities, in file order.
    public var entities: [Entity]
    /// The access level of generated declarations.
    public var access: AccessLevel
    /// The schema's own documentation: the comment lines at the top of the file.
    public var documentation: [String]

    /// Every key of every entity, in file order.
    public var keys: [Key] { entities.flatMap(\.keys) }
}

/// A duration in whole milliseconds, the unit Redis' `PX` takes.
public typealias Milliseconds = Int64

/// The access level of generated declarations.
public enum AccessLevel: String, Sendable, Hashable, CaseIterable, Codable {
    /// `public`: for a library that exposes the keys to its clients.
    case `public`
    /// `package`: visible to the other targets of the same package.
    case package
    /// `internal`: the default; visible in the consuming target only.
    case `internal`
}

/// A named TTL (`user: 5m`).
public struct TTLClass: Sendable, Hashable {
    /// The name in the schema.
    public var name: String
    /// The Swift identifier (`CacheTTL.<swiftName>`).
    public var swiftName: String
    /// The duration.
    public var duration: Milliseconds
    /// The duration as written (`"5m"`).
    public var written: String
    /// Where the name is.
    public var location: SourceLocation
    /// Comment lines attached to it.
    public var documentation: [String]
    /// Early refresh, stale window and jitter its keys inherit (``Freshness/none`` when it is a plain duration).
    public var freshness: Freshness = .none
    /// The near cache its keys inherit, or `nil` for none.
    public var nearCache: NearCache?
}

/// A unit of invalidation: identity parameters, keys and related patterns.
public struct Entity: Sendable, Hashable {
    /// The name in the schema (`"userOrders"`).
    public var name: String
    /// The identifier used in `invalidate<SwiftTypeName>` (`"UserOrders"`).
    public var swiftTypeName: String
    /// The identifier of its `CacheInvalidations` function (`"userOrders"`).
    public var swiftName: String
    /// The identity parameters, in file order.
    public var identity: [Parameter]
    /// The keys, in file order.
    public var keys: [Key]
    /// Extra glob patterns invalidated with the entity.
    public var related: [SchemaPattern]
    /// Where the name is.
    public var location: SourceLocation
    /// Comment lines attached to it.
    public var documentation: [String]
}

extension Entity {
    /// How invalidating an instance of this entity reaches one of its own keys: the rule `CacheSchemaCore` states for
    /// generated code and the runtime alike.
    public func invalidationRoute(of key: Key) -> CacheInvalidationRoute {
        CacheInvalidationRoute(keyPattern: key.pattern.parsed, identity: identity.map(\.name))
    }

    /// Where the hash tag sits in the concrete keys (or globs) of one of this entity's key or related patterns: the
    /// rule `CacheSchemaCore` states for generated code and the runtime alike.
    public func layout(of pattern: SchemaPattern) -> CacheKeyLayout {
        CacheKeyLayout(pattern.parsed, entity: name, identity: identity.map(\.name))
    }

    /// What the hash tag of this entity's instances wraps (`CacheInstanceTag`, from `CacheSchemaCore`).
    public var instanceTag: CacheInstanceTag {
        CacheInstanceTag(entity: name, identity: identity.map(\.name), patterns: keys.map(\.pattern.parsed) + related.map(\.parsed))
    }
}

/// One declared cache key.
public struct Key: Sendable, Hashable {
    /// The name in the schema (`"userByEmail"`).
    public var name: String
    /// The Swift identifier of its `CacheKeys` function.
    public var swiftName: String
    /// The entity it belongs to.
    public var entity: String
    /// The pattern, without namespace.
    public var pattern: SchemaPattern
    /// The key's own parameters (beyond the entity identity), in file order.
    public var parameters: [Parameter]
    /// Its TTL.
    public var ttl: TTLReference
    /// The Swift type of the value, or `nil` when the call site chooses.
    public var valueType: String?
    /// Early refresh, stale window and jitter: the key's own fields over its TTL class's.
    public var freshness: Freshness = .none
    /// Its near cache (the key's own `near` in place of its TTL class's), or `nil` for none.
    public var nearCache: NearCache?
    /// Where the name is.
    public var location: SourceLocation
    /// Comment lines attached to it.
    public var documentation: [String]
}

/// Where a key's TTL comes from.
public enum TTLReference: Sendable, Hashable {
    /// A named class.
    case named(String, Milliseconds)
    /// A duration written on the key.
    case literal(String, Milliseconds)
    /// The schema default.
    case schemaDefault(Milliseconds)

    /// The duration in milliseconds.
    public var milliseconds: Milliseconds {
        switch self {
        case .named(_, let ms), .literal(_, let ms), .schemaDefault(let ms): ms
        }
    }

    /// The class name when named.
    public var className: String? {
        if case .named(let name, _) = self { name } else { nil }
    }
}

/// A parameter of a key or an entity identity.
public struct Parameter: Sendable, Hashable {
    /// The name in the schema (`"user_id"`).
    public var name: String
    /// The Swift argument label (`"userID"`).
    public var swiftName: String
    /// The type.
    public var type: CacheParameterType
    /// The default value, if any.
    public var defaultValue: DefaultValue?
    /// Where the name is.
    public var location: SourceLocation
}

/// A parameter's default value, already checked against its type.
public enum DefaultValue: Sendable, Hashable {
    /// A string default.
    case string(String)
    /// An integer default.
    case int(Int)
    /// A UUID default in canonical lower-case form.
    case uuid(String)
    /// A Boolean default.
    case bool(Bool)
}

/// A key pattern or a related glob as written in the schema file: the pattern as `CachePattern` (module
/// `CacheSchemaCore`) parses it, and where its text starts, so that diagnostics can point into it. It reads like the
/// `CachePattern` it holds (`pattern.text`, `pattern.placeholders`).
@dynamicMemberLookup
public struct SchemaPattern: Sendable, Hashable {
    /// The parsed pattern.
    public var parsed: CachePattern
    /// Where the pattern's text starts.
    public var location: SourceLocation

    /// Creates a located pattern.
    public init(_ parsed: CachePattern, at location: SourceLocation) {
        self.parsed = parsed
        self.location = location
    }

    /// A property of the parsed pattern.
    public subscript<Value>(dynamicMember keyPath: KeyPath<CachePattern, Value>) -> Value {
        parsed[keyPath: keyPath]
    }

    /// The location of the character `offset` Unicode scalars into the pattern (an offset from `CachePattern`).
    public func location(atOffset offset: Int) -> SourceLocation {
        location.advanced(by: offset)
    }
}
