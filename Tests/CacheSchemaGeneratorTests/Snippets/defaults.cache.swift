// Generated from defaults.cache.yaml by cache-schema; do not edit.
// Change the schema instead: the CacheSchemaPlugin regenerates this file on every build that needs it,
// and `cache-schema generate` writes it by hand.

import CacheSchemaCore
import Foundation

/// The named TTL classes of `defaults.cache.yaml`.
internal enum CacheTTL {
    /// `90s`.
    internal static let feed: Duration = .seconds(90)

    /// The TTL of keys that name none: `10m`.
    internal static let schemaDefault: Duration = .seconds(600)
}

/// Every cache key of `defaults.cache.yaml`. Code never formats a key by hand: it calls these functions, which escape
/// every parameter value (see `CacheKeyEncoding`).
///
/// Each key's layout shows a parameter's encoded value as `<name>`, and its Redis Cluster hash tag in braces: an
/// instance's keys share that tag, and so a slot (see `CacheKeyLayout`).
internal enum CacheKeys {
    /// Key `feed:{<user_id>}:page:<page>:unread:<unread_only>` from pattern `feed:{user_id}:page:{page}:unread:{unread_only}`, TTL `feed` (1m30s), entity `feed`.
    /// Removed by `invalidateFeed`.
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func feed<Value>(userID: UUID, page: Int = 1, unreadOnly: Bool = false, as _: Value.Type = Value.self) -> CacheKey<Value> {
        let _userID = CacheKeyEncoding.encode(userID)
        let _page = CacheKeyEncoding.encode(page)
        let _unreadOnly = CacheKeyEncoding.encode(unreadOnly)
        return CacheKey(
            descriptor: CacheKeyDescriptors.feed,
            rawValue: "feed:" + CacheKeyEncoding.hashTag(_userID) + ":page:" + _page + ":unread:" + _unreadOnly,
            owners: [
                CacheEntityInstance(entity: "feed", identity: _userID, hashTag: _userID),
            ]
        )
    }

    /// Key `feed:{<user_id>}:count` from pattern `feed:{user_id}:count`, TTL 10m (schema default), entity `feed`.
    /// Removed by `invalidateFeed`.
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func feedCount<Value>(userID: UUID, as _: Value.Type = Value.self) -> CacheKey<Value> {
        let _userID = CacheKeyEncoding.encode(userID)
        return CacheKey(
            descriptor: CacheKeyDescriptors.feedCount,
            rawValue: "feed:" + CacheKeyEncoding.hashTag(_userID) + ":count",
            owners: [
                CacheEntityInstance(entity: "feed", identity: _userID, hashTag: _userID),
            ]
        )
    }
}

/// What the schema declares about each key of `defaults.cache.yaml`.
internal enum CacheKeyDescriptors {
    /// Key `feed`: `feed:{<user_id>}:page:<page>:unread:<unread_only>` (pattern `feed:{user_id}:page:{page}:unread:{unread_only}`).
    internal static let feed = CacheKeyDescriptor(
        name: "feed",
        entity: "feed",
        pattern: "feed:{user_id}:page:{page}:unread:{unread_only}",
        namespace: nil,
        parameters: [
            CacheParameterDescriptor(name: "user_id", label: "userID", type: .uuid),
            CacheParameterDescriptor(name: "page", label: "page", type: .int),
            CacheParameterDescriptor(name: "unread_only", label: "unreadOnly", type: .bool),
        ],
        ttl: .seconds(90),
        ttlClass: "feed",
        valueType: nil,
        invalidatedBy: ["feed"]
    )

    /// Key `feedCount`: `feed:{<user_id>}:count` (pattern `feed:{user_id}:count`).
    internal static let feedCount = CacheKeyDescriptor(
        name: "feedCount",
        entity: "feed",
        pattern: "feed:{user_id}:count",
        namespace: nil,
        parameters: [
            CacheParameterDescriptor(name: "user_id", label: "userID", type: .uuid),
        ],
        ttl: .seconds(600),
        ttlClass: nil,
        valueType: nil,
        invalidatedBy: ["feed"]
    )
}

/// Exactly what invalidating each entity of `defaults.cache.yaml` removes, as values: the cache runtime carries them
/// out, tests and tools read them.
internal enum CacheInvalidations {
    /// Invalidation of entity `feed`: every `feed` of the instance, key `feedCount`.
    internal static func feed(userID: UUID) -> CacheInvalidation {
        let _userID = CacheKeyEncoding.encode(userID)
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "feed", identity: _userID, hashTag: _userID),
            namespace: nil,
            keys: [
                CacheInvalidation.Key(name: "feedCount", rawValue: "feed:" + CacheKeyEncoding.hashTag(_userID) + ":count"),
            ],
            patterns: [
                CacheInvalidation.Pattern(origin: .key("feed"), glob: "feed:" + CacheKeyEncoding.hashTag(_userID) + ":page:*:unread:*"),
            ]
        )
    }
}

/// Invalidates the entities of `defaults.cache.yaml`: one method per entity, plus a generic path.
///
/// It hands each `CacheInvalidation` to its target, normally the cache runtime over Redis.
internal struct CacheInvalidator: Sendable {
    /// What carries out the invalidations.
    internal let target: any CacheInvalidating

    /// Creates an invalidator that hands its invalidations to `target`.
    internal init(_ target: any CacheInvalidating) {
        self.target = target
    }

    /// Invalidates entity `feed`: every `feed` of the instance, key `feedCount`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    internal func invalidateFeed(userID: UUID) async throws {
        try await self.target.invalidate(CacheInvalidations.feed(userID: userID))
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
    /// The whole schema `defaults.cache.yaml` as data, for the runtime and for tools.
    internal static let schema = CacheSchemaDescription(
        source: "defaults.cache.yaml",
        namespace: nil,
        fingerprint: "06f202321ba2a9b5",
        ttlClasses: [
            .init(name: "feed", ttl: .seconds(90)),
        ],
        entities: [
            .init(
                name: "feed",
                identity: [
                    CacheParameterDescriptor(name: "user_id", label: "userID", type: .uuid),
                ],
                keys: ["feed", "feedCount"],
                related: [],
                indexedRelated: []
            ),
        ],
        keys: [
            CacheKeyDescriptors.feed,
            CacheKeyDescriptors.feedCount,
        ]
    )
}
