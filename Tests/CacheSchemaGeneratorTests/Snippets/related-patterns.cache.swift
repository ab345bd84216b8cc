// Generated from related-patterns.cache.yaml by cache-schema; do not edit.
// Change the schema instead: the CacheSchemaPlugin regenerates this file on every build that needs it,
// and `cache-schema generate` writes it by hand.

import CacheSchemaCore
import Foundation

/// The named TTL classes of `related-patterns.cache.yaml`.
internal enum CacheTTL {
    /// The TTL of keys that name none: `5m`.
    internal static let schemaDefault: Duration = .seconds(300)
}

/// Every cache key of `related-patterns.cache.yaml`. Code never formats a key by hand: it calls these functions, which escape
/// every parameter value (see `CacheKeyEncoding`).
///
/// Each key's layout shows a parameter's encoded value as `<name>`, and its Redis Cluster hash tag in braces: an
/// instance's keys share that tag, and so a slot (see `CacheKeyLayout`).
internal enum CacheKeys {
    /// Key `shop:user:{<user_id>}` from pattern `user:{user_id}`, TTL 5m (schema default), entity `user`.
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

    /// Key `shop:user:{<user_id>}:settings:<section>` from pattern `user:{user_id}:settings:{section}`, TTL 5m (schema default), entity `user`.
    /// Removed by `invalidateUser` (its own key, and related "user:{user_id}:*").
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func userSettings<Value>(userID: UUID, section: String, as _: Value.Type = Value.self) -> CacheKey<Value> {
        let _userID = CacheKeyEncoding.encode(userID)
        let _section = CacheKeyEncoding.encode(section)
        return CacheKey(
            descriptor: CacheKeyDescriptors.userSettings,
            rawValue: "shop:user:" + CacheKeyEncoding.hashTag(_userID) + ":settings:" + _section,
            owners: [
                CacheEntityInstance(entity: "user", identity: _userID, hashTag: _userID),
            ]
        )
    }

    /// Key `shop:avatar:{<user_id>}:size:<size>` from pattern `avatar:{user_id}:size:{size}`, TTL 5m (schema default), entity `avatar`.
    /// Removed by `invalidateAvatar`, `invalidateUser` (related "avatar:{user_id}:size:?").
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func avatar<Value>(userID: UUID, size: Int, as _: Value.Type = Value.self) -> CacheKey<Value> {
        let _userID = CacheKeyEncoding.encode(userID)
        let _size = CacheKeyEncoding.encode(size)
        return CacheKey(
            descriptor: CacheKeyDescriptors.avatar,
            rawValue: "shop:avatar:" + CacheKeyEncoding.hashTag(_userID) + ":size:" + _size,
            owners: [
                CacheEntityInstance(entity: "avatar", identity: _userID, hashTag: _userID),
                CacheEntityInstance(entity: "user", identity: _userID, hashTag: _userID),
            ]
        )
    }
}

/// What the schema declares about each key of `related-patterns.cache.yaml`.
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

    /// Key `userSettings`: `shop:user:{<user_id>}:settings:<section>` (pattern `user:{user_id}:settings:{section}`).
    internal static let userSettings = CacheKeyDescriptor(
        name: "userSettings",
        entity: "user",
        pattern: "user:{user_id}:settings:{section}",
        namespace: "shop",
        parameters: [
            CacheParameterDescriptor(name: "user_id", label: "userID", type: .uuid),
            CacheParameterDescriptor(name: "section", label: "section", type: .string),
        ],
        ttl: .seconds(300),
        ttlClass: nil,
        valueType: nil,
        invalidatedBy: ["user"]
    )

    /// Key `avatar`: `shop:avatar:{<user_id>}:size:<size>` (pattern `avatar:{user_id}:size:{size}`).
    internal static let avatar = CacheKeyDescriptor(
        name: "avatar",
        entity: "avatar",
        pattern: "avatar:{user_id}:size:{size}",
        namespace: "shop",
        parameters: [
            CacheParameterDescriptor(name: "user_id", label: "userID", type: .uuid),
            CacheParameterDescriptor(name: "size", label: "size", type: .int),
        ],
        ttl: .seconds(300),
        ttlClass: nil,
        valueType: nil,
        invalidatedBy: ["avatar", "user"]
    )
}

/// Exactly what invalidating each entity of `related-patterns.cache.yaml` removes, as values: the cache runtime carries them
/// out, tests and tools read them.
internal enum CacheInvalidations {
    /// Invalidation of entity `user`: key `user`, every `userSettings` of the instance, keys matching `shop:user:{<user_id>}:*`, keys matching `shop:avatar:{<user_id>}:size:?`.
    internal static func user(userID: UUID) -> CacheInvalidation {
        let _userID = CacheKeyEncoding.encode(userID)
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "user", identity: _userID, hashTag: _userID),
            namespace: "shop",
            keys: [
                CacheInvalidation.Key(name: "user", rawValue: "shop:user:" + CacheKeyEncoding.hashTag(_userID)),
            ],
            patterns: [
                CacheInvalidation.Pattern(origin: .key("userSettings"), glob: "shop:user:" + CacheKeyEncoding.hashTag(_userID) + ":settings:*"),
                CacheInvalidation.Pattern(origin: .related("user:{user_id}:*"), glob: "shop:user:" + CacheKeyEncoding.hashTag(_userID) + ":*", indexed: true),
                CacheInvalidation.Pattern(origin: .related("avatar:{user_id}:size:?"), glob: "shop:avatar:" + CacheKeyEncoding.hashTag(_userID) + ":size:?", indexed: true),
            ]
        )
    }

    /// Invalidation of entity `avatar`: every `avatar` of the instance.
    internal static func avatar(userID: UUID) -> CacheInvalidation {
        let _userID = CacheKeyEncoding.encode(userID)
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "avatar", identity: _userID, hashTag: _userID),
            namespace: "shop",
            keys: [],
            patterns: [
                CacheInvalidation.Pattern(origin: .key("avatar"), glob: "shop:avatar:" + CacheKeyEncoding.hashTag(_userID) + ":size:*"),
            ]
        )
    }
}

/// Invalidates the entities of `related-patterns.cache.yaml`: one method per entity, plus a generic path.
///
/// It hands each `CacheInvalidation` to its target, normally the cache runtime over Redis.
internal struct CacheInvalidator: Sendable {
    /// What carries out the invalidations.
    internal let target: any CacheInvalidating

    /// Creates an invalidator that hands its invalidations to `target`.
    internal init(_ target: any CacheInvalidating) {
        self.target = target
    }

    /// Invalidates entity `user`: key `user`, every `userSettings` of the instance, keys matching `shop:user:{<user_id>}:*`, keys matching `shop:avatar:{<user_id>}:size:?`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    internal func invalidateUser(userID: UUID) async throws {
        try await self.target.invalidate(CacheInvalidations.user(userID: userID))
    }

    /// Invalidates entity `avatar`: every `avatar` of the instance.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    internal func invalidateAvatar(userID: UUID) async throws {
        try await self.target.invalidate(CacheInvalidations.avatar(userID: userID))
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
    /// The whole schema `related-patterns.cache.yaml` as data, for the runtime and for tools.
    internal static let schema = CacheSchemaDescription(
        source: "related-patterns.cache.yaml",
        namespace: "shop",
        fingerprint: "1713ce96e4ccd3af",
        ttlClasses: [],
        entities: [
            .init(
                name: "user",
                identity: [
                    CacheParameterDescriptor(name: "user_id", label: "userID", type: .uuid),
                ],
                keys: ["user", "userSettings"],
                related: ["user:{user_id}:*", "avatar:{user_id}:size:?"],
                indexedRelated: ["user:{user_id}:*", "avatar:{user_id}:size:?"]
            ),
            .init(
                name: "avatar",
                identity: [
                    CacheParameterDescriptor(name: "user_id", label: "userID", type: .uuid),
                ],
                keys: ["avatar"],
                related: [],
                indexedRelated: []
            ),
        ],
        keys: [
            CacheKeyDescriptors.user,
            CacheKeyDescriptors.userSettings,
            CacheKeyDescriptors.avatar,
        ]
    )
}
