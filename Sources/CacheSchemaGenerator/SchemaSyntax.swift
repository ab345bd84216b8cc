import Yams

/// The load stage's value: the schema as written, each known field picked out of its mapping as its YAML node (so
/// with its location), before any value is checked.
///
/// The load stage has reported bad YAML, unknown fields, duplicates and values of the wrong shape where the
/// document's structure needs a mapping or a list; the validate stage reads every value from here. An entry whose
/// name ``SchemaNameRule`` refuses has no body: nothing inside it was read.
struct SchemaSyntax {
    /// The schema file's path as given.
    var file: String
    /// The root mapping, where a missing top-level field is reported.
    var root: Node
    /// The comments of the file, which the YAML node tree does not keep.
    var comments: CommentExtractor
    var version: Node?
    var namespace: Node?
    /// `defaults.ttl`.
    var defaultTTL: Node?
    /// `swift.access`.
    var access: Node?
    /// The entries of `ttl:`.
    var ttlClasses: [TTLClassSyntax]
    /// `entities:`, absent when not written.
    var entities: Field<[EntitySyntax]>?

    /// A field whose value the structure needs in one shape: its node, and what it holds, or `nil` when it has
    /// another shape (an error the load stage has reported).
    struct Field<Content> {
        var node: Node
        var content: Content?
    }
}

/// An entity as written.
struct EntitySyntax {
    var name: Node
    /// What is inside, unless the name is refused or the value is not a mapping.
    var body: Body?

    struct Body {
        /// The `id` parameters (none when `id` is absent, null or not a mapping).
        var identity: [ParameterSyntax]
        /// `keys:`, absent when not written.
        var keys: SchemaSyntax.Field<[KeySyntax]>?
        /// `related:`, absent when not written; a single string is a list of one.
        var related: SchemaSyntax.Field<[Node]>?
    }
}

/// A key as written.
struct KeySyntax {
    var name: Node
    /// What is inside, unless the name is refused or the value is not a mapping.
    var body: Body?

    struct Body {
        var pattern: Node?
        /// The `params` (none when absent, null or not a mapping).
        var parameters: [ParameterSyntax]
        var ttl: Node?
        var value: Node?
        var freshness: FreshnessSyntax
        /// `near`, absent when not written.
        var nearCache: NearCacheSyntax?
    }
}

/// A TTL class as written: `name: 5m`, or `name: { duration: 30m, early: 1, stale: 5m, jitter: 10% }`.
struct TTLClassSyntax {
    var name: Node
    /// What is inside, unless the name is refused.
    var body: Body?

    struct Body {
        /// The value after the name: the duration, or the mapping holding it.
        var value: Node
        /// The duration, `nil` when a mapping gives none.
        var duration: Node?
        var freshness: FreshnessSyntax
        /// `near`, absent when not written (always, for a plain duration).
        var nearCache: NearCacheSyntax?
    }
}

/// The freshness fields of a TTL class's mapping or of a key, as written: each absent when not written.
struct FreshnessSyntax {
    /// The field names, the same on a TTL class's mapping and on a key.
    static let fieldNames = ["early", "stale", "jitter"]

    var early: Node?
    var stale: Node?
    var jitter: Node?

    /// The fields a mapping's known fields hold.
    init(fields: [String: Node]) {
        early = fields["early"]
        stale = fields["stale"]
        jitter = fields["jitter"]
    }

    /// No field written (a TTL class given as a plain duration).
    static var none: FreshnessSyntax { FreshnessSyntax(fields: [:]) }
}

/// The `near` field of a TTL class's mapping or of a key, as written: `off`, or `{ ttl: 1m, capacity: 1000 }`.
struct NearCacheSyntax {
    /// The field's name, the same on a TTL class's mapping and on a key.
    static let fieldName = "near"
    /// The fields of its mapping form, both required.
    static let mappingFields = ["ttl", "capacity"]

    /// The value after `near:`.
    var value: Node
    /// What its mapping holds; `nil` when the value is not a mapping (`off`, or a value the validate stage refuses).
    var fields: Fields?

    struct Fields {
        var ttl: Node?
        var capacity: Node?
    }
}

/// A parameter as written: `name: Type` or `name: { type: Type, default: value }`.
struct ParameterSyntax {
    var name: Node
    /// What is inside, unless the name is refused.
    var body: Body?

    struct Body {
        /// The value after the name: the type, or the mapping holding it.
        var value: Node
        /// The type, `nil` when a mapping gives none.
        var type: Node?
        var defaultValue: Node?
    }
}
