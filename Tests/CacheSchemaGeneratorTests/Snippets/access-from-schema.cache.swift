// Generated from access-from-schema.cache.yaml by cache-schema; do not edit.
// Change the schema instead: the CacheSchemaPlugin regenerates this file on every build that needs it,
// and `cache-schema generate` writes it by hand.

import CacheSchemaCore

/// The named TTL classes of `access-from-schema.cache.yaml`.
package enum CacheTTL {
    /// The TTL of keys that name none: `5m`.
    package static let schemaDefault: Duration = .seconds(300)
}

/// Every cache key of `access-from-schema.cache.yaml`. Code never formats a key by hand: it calls these functions, which escape
/// every parameter value (see `CacheKeyEncoding`).
///
/// Each key's layout shows a parameter's encoded value as `<name>`, and its Redis Cluster hash tag in braces: an
/// instance's keys share that tag, and so a slot (see `CacheKeyLayout`).
package enum CacheKeys {
    /// Key `{flag}:flags` from pattern `flags`, TTL 5m (schema default), entity `flag`.
    /// Removed by `invalidateFlag`.
    package static func flags() -> CacheKey<[String: Bool]> {
        return CacheKey(
            descriptor: CacheKeyDescriptors.flags,
            rawValue: CacheKeyEncoding.hashTag("flag") + ":flags",
            owners: [
                CacheEntityInstance(entity: "flag", identity: "", hashTag: "flag"),
            ]
        )
    }
}

/// What the schema declares about each key of `access-from-schema.cache.yaml`.
package enum CacheKeyDescriptors {
    /// Key `flags`: `{flag}:flags` (pattern `flags`).
    package static let flags = CacheKeyDescriptor(
        name: "flags",
        entity: "flag",
        pattern: "flags",
        namespace: nil,
        parameters: [],
        ttl: .seconds(300),
        ttlClass: nil,
        valueType: "[String: Bool]",
        invalidatedBy: ["flag"]
    )
}

/// Exactly what invalidating each entity of `access-from-schema.cache.yaml` removes, as values: the cache runtime carries them
/// out, tests and tools read them.
package enum CacheInvalidations {
    /// Invalidation of entity `flag`: key `flags`.
    package static func flag() -> CacheInvalidation {
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "flag", identity: "", hashTag: "flag"),
            namespace: nil,
            keys: [
                CacheInvalidation.Key(name: "flags", rawValue: CacheKeyEncoding.hashTag("flag") + ":flags"),
            ],
            patterns: []
        )
    }
}

/// Invalidates the entities of `access-from-schema.cache.yaml`: one method per entity, plus a generic path.
///
/// It hands each `CacheInvalidation` to its target, normally the cache runtime over Redis.
package struct CacheInvalidator: Sendable {
    /// What carries out the invalidations.
    package let target: any CacheInvalidating

    /// Creates an invalidator that hands its invalidations to `target`.
    package init(_ target: any CacheInvalidating) {
        self.target = target
    }

    /// Invalidates entity `flag`: key `flags`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    package func invalidateFlag() async throws {
        try await self.target.invalidate(CacheInvalidations.flag())
    }

    /// Carries out an invalidation built by `CacheInvalidations`.
    package func invalidate(_ invalidation: CacheInvalidation) async throws {
        try await target.invalidate(invalidation)
    }

    /// Invalidates an entity named at run time, with identity values as text (`["user_id": "…"]`).
    ///
    /// - Throws: `CacheSchemaDescriptionError` for an unknown entity or a bad value, or the target's error.
    package func invalidate(entity: String, identity: [String: String]) async throws {
        try await target.invalidate(CacheKeys.schema.invalidation(entity: entity, identity: identity))
    }
}

extension CacheKeys {
    /// The whole schema `access-from-schema.cache.yaml` as data, for the runtime and for tools.
    package static let schema = CacheSchemaDescription(
        source: "access-from-schema.cache.yaml",
        namespace: nil,
        fingerprint: "2a30659255f43b70",
        ttlClasses: [],
        entities: [
            .init(
                name: "flag",
                identity: [],
                keys: ["flags"],
                related: [],
                indexedRelated: []
            ),
        ],
        keys: [
            CacheKeyDescriptors.flags,
        ]
    )
}
