// Generated from untyped-key.cache.yaml by cache-schema; do not edit.
// Change the schema instead: the CacheSchemaPlugin regenerates this file on every build that needs it,
// and `cache-schema generate` writes it by hand.

import CacheSchemaCore

/// The named TTL classes of `untyped-key.cache.yaml`.
internal enum CacheTTL {
    /// The TTL of keys that name none: `5m`.
    internal static let schemaDefault: Duration = .seconds(300)
}

/// Every cache key of `untyped-key.cache.yaml`. Code never formats a key by hand: it calls these functions, which escape
/// every parameter value (see `CacheKeyEncoding`).
///
/// Each key's layout shows a parameter's encoded value as `<name>`, and its Redis Cluster hash tag in braces: an
/// instance's keys share that tag, and so a slot (see `CacheKeyLayout`).
internal enum CacheKeys {
    /// Key `shop:session:{<token>}` from pattern `session:{token}`, TTL 5m (schema default), entity `session`.
    /// Removed by `invalidateSession`.
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func session<Value>(token: String, as _: Value.Type = Value.self) -> CacheKey<Value> {
        let _token = CacheKeyEncoding.encode(token)
        return CacheKey(
            descriptor: CacheKeyDescriptors.session,
            rawValue: "shop:session:" + CacheKeyEncoding.hashTag(_token),
            owners: [
                CacheEntityInstance(entity: "session", identity: _token, hashTag: CacheKeyEncoding.hashTagContent(_token)),
            ]
        )
    }
}

/// What the schema declares about each key of `untyped-key.cache.yaml`.
internal enum CacheKeyDescriptors {
    /// Key `session`: `shop:session:{<token>}` (pattern `session:{token}`).
    internal static let session = CacheKeyDescriptor(
        name: "session",
        entity: "session",
        pattern: "session:{token}",
        namespace: "shop",
        parameters: [
            CacheParameterDescriptor(name: "token", label: "token", type: .string),
        ],
        ttl: .seconds(300),
        ttlClass: nil,
        valueType: nil,
        invalidatedBy: ["session"]
    )
}

/// Exactly what invalidating each entity of `untyped-key.cache.yaml` removes, as values: the cache runtime carries them
/// out, tests and tools read them.
internal enum CacheInvalidations {
    /// Invalidation of entity `session`: key `session`.
    internal static func session(token: String) -> CacheInvalidation {
        let _token = CacheKeyEncoding.encode(token)
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "session", identity: _token, hashTag: CacheKeyEncoding.hashTagContent(_token)),
            namespace: "shop",
            keys: [
                CacheInvalidation.Key(name: "session", rawValue: "shop:session:" + CacheKeyEncoding.hashTag(_token)),
            ],
            patterns: []
        )
    }
}

/// Invalidates the entities of `untyped-key.cache.yaml`: one method per entity, plus a generic path.
///
/// It hands each `CacheInvalidation` to its target, normally the cache runtime over Redis.
internal struct CacheInvalidator: Sendable {
    /// What carries out the invalidations.
    internal let target: any CacheInvalidating

    /// Creates an invalidator that hands its invalidations to `target`.
    internal init(_ target: any CacheInvalidating) {
        self.target = target
    }

    /// Invalidates entity `session`: key `session`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    internal func invalidateSession(token: String) async throws {
        try await self.target.invalidate(CacheInvalidations.session(token: token))
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
    /// The whole schema `untyped-key.cache.yaml` as data, for the runtime and for tools.
    internal static let schema = CacheSchemaDescription(
        source: "untyped-key.cache.yaml",
        namespace: "shop",
        fingerprint: "a157104549dc70a2",
        ttlClasses: [],
        entities: [
            .init(
                name: "session",
                identity: [
                    CacheParameterDescriptor(name: "token", label: "token", type: .string),
                ],
                keys: ["session"],
                related: [],
                indexedRelated: []
            ),
        ],
        keys: [
            CacheKeyDescriptors.session,
        ]
    )
}
