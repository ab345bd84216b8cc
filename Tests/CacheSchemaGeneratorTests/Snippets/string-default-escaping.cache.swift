// Generated from string-default-escaping.cache.yaml by cache-schema; do not edit.
// Change the schema instead: the CacheSchemaPlugin regenerates this file on every build that needs it,
// and `cache-schema generate` writes it by hand.

import CacheSchemaCore
import Foundation

/// The named TTL classes of `string-default-escaping.cache.yaml`.
internal enum CacheTTL {
    /// The TTL of keys that name none: `5m`.
    internal static let schemaDefault: Duration = .seconds(300)
}

/// Every cache key of `string-default-escaping.cache.yaml`. Code never formats a key by hand: it calls these functions, which escape
/// every parameter value (see `CacheKeyEncoding`).
///
/// Each key's layout shows a parameter's encoded value as `<name>`, and its Redis Cluster hash tag in braces: an
/// instance's keys share that tag, and so a slot (see `CacheKeyLayout`).
internal enum CacheKeys {
    /// Key `search:{<tenant>}:<query>:<note>:<owner>` from pattern `search:{tenant}:{query}:{note}:{owner}`, TTL 5m (schema default), entity `search`.
    /// Removed by `invalidateSearch`.
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func search<Value>(tenant: String, query: String = "say \"hi\" \\ now\n\tand é \u{7}", note: String = "\\(interpolation) and \"quotes\" and # not a comment", owner: UUID = UUID(uuidString: "0e4a7c57-1b3f-4d2a-9c6b-5e8f7a6d1c2b")!, as _: Value.Type = Value.self) -> CacheKey<Value> {
        let _tenant = CacheKeyEncoding.encode(tenant)
        let _query = CacheKeyEncoding.encode(query)
        let _note = CacheKeyEncoding.encode(note)
        let _owner = CacheKeyEncoding.encode(owner)
        return CacheKey(
            descriptor: CacheKeyDescriptors.search,
            rawValue: "search:" + CacheKeyEncoding.hashTag(_tenant) + ":" + _query + ":" + _note + ":" + _owner,
            owners: [
                CacheEntityInstance(entity: "search", identity: _tenant, hashTag: CacheKeyEncoding.hashTagContent(_tenant)),
            ]
        )
    }
}

/// What the schema declares about each key of `string-default-escaping.cache.yaml`.
internal enum CacheKeyDescriptors {
    /// Key `search`: `search:{<tenant>}:<query>:<note>:<owner>` (pattern `search:{tenant}:{query}:{note}:{owner}`).
    internal static let search = CacheKeyDescriptor(
        name: "search",
        entity: "search",
        pattern: "search:{tenant}:{query}:{note}:{owner}",
        namespace: nil,
        parameters: [
            CacheParameterDescriptor(name: "tenant", label: "tenant", type: .string),
            CacheParameterDescriptor(name: "query", label: "query", type: .string),
            CacheParameterDescriptor(name: "note", label: "note", type: .string),
            CacheParameterDescriptor(name: "owner", label: "owner", type: .uuid),
        ],
        ttl: .seconds(300),
        ttlClass: nil,
        valueType: nil,
        invalidatedBy: ["search"]
    )
}

/// Exactly what invalidating each entity of `string-default-escaping.cache.yaml` removes, as values: the cache runtime carries them
/// out, tests and tools read them.
internal enum CacheInvalidations {
    /// Invalidation of entity `search`: every `search` of the instance.
    internal static func search(tenant: String) -> CacheInvalidation {
        let _tenant = CacheKeyEncoding.encode(tenant)
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "search", identity: _tenant, hashTag: CacheKeyEncoding.hashTagContent(_tenant)),
            namespace: nil,
            keys: [],
            patterns: [
                CacheInvalidation.Pattern(origin: .key("search"), glob: "search:" + CacheKeyEncoding.hashTag(_tenant) + ":*:*:*"),
            ]
        )
    }
}

/// Invalidates the entities of `string-default-escaping.cache.yaml`: one method per entity, plus a generic path.
///
/// It hands each `CacheInvalidation` to its target, normally the cache runtime over Redis.
internal struct CacheInvalidator: Sendable {
    /// What carries out the invalidations.
    internal let target: any CacheInvalidating

    /// Creates an invalidator that hands its invalidations to `target`.
    internal init(_ target: any CacheInvalidating) {
        self.target = target
    }

    /// Invalidates entity `search`: every `search` of the instance.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    internal func invalidateSearch(tenant: String) async throws {
        try await self.target.invalidate(CacheInvalidations.search(tenant: tenant))
    }

    /// Carries out an invalidation built by `CacheInvalidations`.
    internal func invalidate(_ invalidation: CacheInvalidation) async throws {
        try await target.invalidate(invalidation)
    }

    /// Invalidates an entity named at run time, with identity values as text (`["user_id": "…"]`).
    ///
    /// - Throws: `CacheSchemaDescriptionError` for an unknown entity or a bad value, or the target's error.
    internal func invalidate(entity: String, identity: [String: String]) async throws {
        try await target.invalidate(CacheKeys.schema.invalidation(entity: entity, identity: identity))
    }
}

extension CacheKeys {
    /// The whole schema `string-default-escaping.cache.yaml` as data, for the runtime and for tools.
    internal static let schema = CacheSchemaDescription(
        source: "string-default-escaping.cache.yaml",
        namespace: nil,
        fingerprint: "0faeea7b7e5d3ebf",
        ttlClasses: [],
        entities: [
            .init(
                name: "search",
                identity: [
                    CacheParameterDescriptor(name: "tenant", label: "tenant", type: .string),
                ],
                keys: ["search"],
                related: [],
                indexedRelated: []
            ),
        ],
        keys: [
            CacheKeyDescriptors.search,
        ]
    )
}
