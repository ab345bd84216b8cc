import CacheSchemaCore

/// What reaches a key when entities are invalidated.
public struct Reach: Sendable, Hashable, Codable {
    /// How an invalidation reaches a key.
    public enum Route: Sendable, Hashable, Codable {
        /// The entity's own key, deleted by its concrete name (every parameter is part of the identity).
        case exactKey
        /// The entity's own key with parameters beyond the identity, deleted by a glob over them (every page).
        case keyGlob
        /// One of the entity's related patterns matches the key.
        case related(String)
    }

    /// The invalidated entity.
    public var entity: String
    /// How it reaches the key.
    public var route: Route
}

/// The analyse stage's value: every decision about the whole schema that generated code and `explain` show, made
/// once, so that the renderer only writes them out.
public struct SchemaAnalysis: Sendable {
    /// What was decided about each key, by key name (key names are unique in a checked schema).
    public var keys: [String: KeyAnalysis]
    /// What was decided about each related pattern.
    public var related: [RelatedPattern: RelatedAnalysis]
    /// What the hash tag of each entity's instances wraps, by entity name.
    public var instanceTags: [String: CacheInstanceTag]

    /// What the hash tag of `entity`'s instances wraps.
    public func instanceTag(of entity: Entity) -> CacheInstanceTag {
        instanceTags[entity.name] ?? entity.instanceTag
    }

    /// What was decided about `key`. Every key of the analysed schema has an entry; another key gets its own
    /// parameters, no route and no reach.
    public subscript(key: Key) -> KeyAnalysis {
        keys[key.name] ?? KeyAnalysis(
            arguments: key.parameters, route: .unreachable(missing: []), layout: CacheKeyLayout(key.pattern.parsed, entity: key.entity, identity: []),
            reach: [], owners: [])
    }

    /// What was decided about a related pattern of `entity` (for a pattern the schema does not declare: reaches
    /// nothing, not indexed).
    public subscript(related pattern: SchemaPattern, of entity: Entity) -> RelatedAnalysis {
        related[RelatedPattern(entity: entity.name, pattern: pattern.text)]
            ?? RelatedAnalysis(reaches: [], isIndexed: false, layout: entity.layout(of: pattern))
    }
}

/// What the analyse stage decided about one key.
public struct KeyAnalysis: Sendable, Hashable {
    /// The parameters its `CacheKeys` function takes: the identity parameters its pattern uses, then its own.
    public var arguments: [Parameter]
    /// How invalidating an instance of its own entity reaches it.
    public var route: CacheInvalidationRoute
    /// Where its hash tag sits, by its own entity's rule (never by other entities that reach it, so that editing
    /// another entity's related patterns never changes this key's text).
    public var layout: CacheKeyLayout
    /// Every invalidation that reaches it.
    public var reach: [Reach]
    /// The entity instances that index it: entities that reach it and whose whole identity it carries, with the
    /// identity parameters in the entity's order.
    public var owners: [Owner]

    /// An entity whose instances index a key.
    public struct Owner: Sendable, Hashable {
        /// The entity.
        public var entity: String
        /// Its identity parameters, which the key's arguments carry.
        public var identity: [String]
        /// What its instances' hash tag wraps, filled from the key's arguments.
        public var tag: CacheInstanceTag
    }
}

/// A related pattern of an entity.
public struct RelatedPattern: Sendable, Hashable {
    /// The entity.
    public var entity: String
    /// The pattern as written.
    public var pattern: String
}

/// What the analyse stage decided about one related pattern.
public struct RelatedAnalysis: Sendable, Hashable {
    /// The declared keys it reaches, in file order.
    public var reaches: [String]
    /// Whether every key it reaches is indexed under its entity, so that the runtime can invalidate through the index
    /// instead of scanning. A pattern that reaches no declared key is not: only a scan finds what it matches.
    public var isIndexed: Bool
    /// Where the hash tag sits in its glob.
    public var layout: CacheKeyLayout
}
