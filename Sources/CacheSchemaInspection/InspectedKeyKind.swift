/// What a concrete key under the inspected namespace is: a key of the schema, one of the runtime's own keys (their
/// reserved `~` segment, see `CacheRuntime`'s key layout), or neither.
public enum InspectedKeyKind: Sendable, Hashable {
    /// A key that the schema key of this name produces (`"user"`), encoded exactly as generated code encodes it.
    case schemaKey(String)
    /// The index set of an instance of this entity: `<ns>:~idx:<entity>:{<hash tag>}`.
    case index(entity: String)
    /// The generation marker of an instance of this entity: `<ns>:~gen:<entity>:{<hash tag>}`.
    case generation(entity: String)
    /// The generation marker of a key that no entity instance owns: `<ns>:~kgen:<key without the namespace>`. `key`
    /// is the schema key that key belongs to, or `nil` when it is not a key of the schema (one a past schema declared).
    case keyGeneration(key: String?)
    /// The fill lease of a key: `<ns>:~lease:<key without the namespace>`. `key` is the schema key it belongs to, or
    /// `nil` when it is not a key of the schema.
    case lease(key: String?)
    /// A pattern marker of one Redis Cluster slot: `<ns>:~pgen:{<slot tag>}`; without a namespace
    /// `<first segment of a key>:~pgen:{<slot tag>}` or `~pgen:{<slot tag>}`.
    case patternMarker
    /// Under the namespace, but no declared pattern (nor the runtime) produces it: a key formatted by hand, left over
    /// from an older schema, or written by someone else.
    case unmatched
}
