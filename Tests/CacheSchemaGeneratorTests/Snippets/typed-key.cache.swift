// Generated from typed-key.cache.yaml by cache-schema; do not edit.
// Change the schema instead: the CacheSchemaPlugin regenerates this file on every build that needs it,
// and `cache-schema generate` writes it by hand.

import CacheSchemaCore
import Foundation

/// The named TTL classes of `typed-key.cache.yaml`.
internal enum CacheTTL {
    /// The TTL of keys that name none: `5m`.
    internal static let schemaDefault: Duration = .seconds(300)
}

/// Every cache key of `typed-key.cache.yaml`. Code never formats a key by hand: it calls these functions, which escape
/// every parameter value (see `CacheKeyEncoding`).
///
/// Each key's layout shows a parameter's encoded value as `<name>`, and its Redis Cluster hash tag in braces: an
/// instance's keys share that tag, and so a slot (see `CacheKeyLayout`).
internal enum CacheKeys {
    /// Key `shop:user:{<user_id>}` from pattern `user:{user_id}`, TTL 5m, entity `user`.
    /// Removed by `invalidateUser`.
    internal static func user(userID: UUID) -> CacheKey<UserDTO> {
        let _userID = CacheKeyEncoding.encode(userID)
        return CacheKey(
            descriptor: CacheKeyDescriptors.user,
            rawValue: "shop:user:" + CacheKeyEncoding.hashTag(_userID),
            owners: [
                CacheEntityInstance(entity: "user", identity: _userID, hashTag: _userID),
            ]
        )
    }
}

/// What the schema declares about each key of `typed-key.cache.yaml`.
internal enum CacheKeyDescriptors {
    /// Key `user`: `shop:user:{<user_id>}` (pattern `user:{user_id}`).
    internal static let user = CacheKeyDescriptor(
        name: "user",
        entity: "user",
        pattern: "user:{user_id}",
        namespace: "shop",
        parameters: [
            CacheParameterDescriptor(name: "user_id", label: "userID", type: .uuid),
        ],
        ttl: .seconds(300),
        ttlClass: nil,
        valueType: "UserDTO",
        invalidatedBy: ["user"]
    )
}

/// Exactly what invalidating each entity of `typed-key.cache.yaml` removes, as values: the cache runtime carries them
/// out, tests and tools read them.
internal enum CacheInvalidations {
    /// Invalidation of entity `user`: key `user`.
    internal static func user(userID: UUID) -> CacheInvalidation {
        let _userID = CacheKeyEncoding.encode(userID)
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "user", identity: _userID, hashTag: _userID),
            namespace: "shop",
            keys: [
                CacheInvalidation.Key(name: "user", rawValue: "shop:user:" + CacheKeyEncoding.hashTag(_userID)),
            ],
            patterns: []
        )
    }
}

/// Invalidates the entities of `typed-key.cache.yaml`: one method per entity, plus a generic path.
///
/// It hands each `CacheInvalidation` to its target, normally the cache runtime over Redis.
internal struct CacheInvalidator: Sendable {
    /// What carries out the invalidations.
    internal let target: any CacheInvalidating

    /// Creates an invalidator that hands its invalidations to `target`.
    internal init(_ target: any CacheInvalidating) {
        self.target = target
    }

    /// Invalidates entity `user`: key `user`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    internal func invalidateUser(userID: UUID) async throws {
        try await self.target.invalidate(CacheInvalidations.user(userID: userID))
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
    /// The whole schema `typed-key.cache.yaml` as data, for the runtime and for tools.
    internal static let schema = CacheSchemaDescription(
        source: "typed-key.cache.yaml",
        namespace: "shop",
        fingerprint: "43a660ea45308945",
        ttlClasses: [],
        entities: [
            .init(
                name: "user",
                identity: [
                    CacheParameterDescriptor(name: "user_id", label: "userID", type: .uuid),
                ],
                keys: ["user"],
                related: [],
                indexedRelated: []
            ),
        ],
        keys: [
            CacheKeyDescriptors.user,
        ]
    )
}
