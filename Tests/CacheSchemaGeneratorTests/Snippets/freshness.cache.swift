// Generated from freshness.cache.yaml by cache-schema; do not edit.
// Change the schema instead: the CacheSchemaPlugin regenerates this file on every build that needs it,
// and `cache-schema generate` writes it by hand.

import CacheSchemaCore
import Foundation

/// The named TTL classes of `freshness.cache.yaml`.
internal enum CacheTTL {
    /// `5m`.
    internal static let user: Duration = .seconds(300)

    /// Menus change rarely and are read on every page: refresh them early, serve them stale briefly.
    ///
    /// `30m`. Its keys get early refresh β 1, stale 5m, jitter 10% unless they say otherwise.
    internal static let menu: Duration = .seconds(1800)

    /// The TTL of keys that name none: `5m`.
    internal static let schemaDefault: Duration = .seconds(300)
}

/// Every cache key of `freshness.cache.yaml`. Code never formats a key by hand: it calls these functions, which escape
/// every parameter value (see `CacheKeyEncoding`).
///
/// Each key's layout shows a parameter's encoded value as `<name>`, and its Redis Cluster hash tag in braces: an
/// instance's keys share that tag, and so a slot (see `CacheKeyLayout`).
internal enum CacheKeys {
    /// Everything from its TTL class.
    ///
    /// Key `shop:restaurant:{<restaurant_id>}:menu` from pattern `restaurant:{restaurant_id}:menu`, TTL `menu` (30m), entity `restaurant`.
    /// Removed by `invalidateRestaurant`.
    /// Freshness: early refresh β 1, stale 5m, jitter 10% (`CacheFreshness`).
    internal static func restaurantMenu(restaurantID: UUID) -> CacheKey<MenuDTO> {
        let _restaurantID = CacheKeyEncoding.encode(restaurantID)
        return CacheKey(
            descriptor: CacheKeyDescriptors.restaurantMenu,
            rawValue: "shop:restaurant:" + CacheKeyEncoding.hashTag(_restaurantID) + ":menu",
            owners: [
                CacheEntityInstance(entity: "restaurant", identity: _restaurantID, hashTag: _restaurantID),
            ]
        )
    }

    /// Its own β and jitter; the class's stale window.
    ///
    /// Key `shop:restaurant:{<restaurant_id>}:menu:hot` from pattern `restaurant:{restaurant_id}:menu:hot`, TTL `menu` (30m), entity `restaurant`.
    /// Removed by `invalidateRestaurant`.
    /// Freshness: early refresh β 2, stale 5m, jitter 2.5% (`CacheFreshness`).
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func restaurantMenuHot<Value>(restaurantID: UUID, as _: Value.Type = Value.self) -> CacheKey<Value> {
        let _restaurantID = CacheKeyEncoding.encode(restaurantID)
        return CacheKey(
            descriptor: CacheKeyDescriptors.restaurantMenuHot,
            rawValue: "shop:restaurant:" + CacheKeyEncoding.hashTag(_restaurantID) + ":menu:hot",
            owners: [
                CacheEntityInstance(entity: "restaurant", identity: _restaurantID, hashTag: _restaurantID),
            ]
        )
    }

    /// The class's early refresh and stale window turned off; the class's jitter.
    ///
    /// Key `shop:restaurant:{<restaurant_id>}:menu:plain` from pattern `restaurant:{restaurant_id}:menu:plain`, TTL `menu` (30m), entity `restaurant`.
    /// Removed by `invalidateRestaurant`.
    /// Freshness: jitter 10% (`CacheFreshness`).
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func restaurantMenuPlain<Value>(restaurantID: UUID, as _: Value.Type = Value.self) -> CacheKey<Value> {
        let _restaurantID = CacheKeyEncoding.encode(restaurantID)
        return CacheKey(
            descriptor: CacheKeyDescriptors.restaurantMenuPlain,
            rawValue: "shop:restaurant:" + CacheKeyEncoding.hashTag(_restaurantID) + ":menu:plain",
            owners: [
                CacheEntityInstance(entity: "restaurant", identity: _restaurantID, hashTag: _restaurantID),
            ]
        )
    }

    /// A literal TTL with fields of its own.
    ///
    /// Key `shop:restaurant:{<restaurant_id>}:stats` from pattern `restaurant:{restaurant_id}:stats`, TTL 1m, entity `restaurant`.
    /// Removed by `invalidateRestaurant`.
    /// Freshness: stale 1s500ms, jitter 5% (`CacheFreshness`).
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func restaurantStats<Value>(restaurantID: UUID, as _: Value.Type = Value.self) -> CacheKey<Value> {
        let _restaurantID = CacheKeyEncoding.encode(restaurantID)
        return CacheKey(
            descriptor: CacheKeyDescriptors.restaurantStats,
            rawValue: "shop:restaurant:" + CacheKeyEncoding.hashTag(_restaurantID) + ":stats",
            owners: [
                CacheEntityInstance(entity: "restaurant", identity: _restaurantID, hashTag: _restaurantID),
            ]
        )
    }

    /// Plain expiry: its descriptor is written as for any schema without freshness fields.
    ///
    /// Key `shop:user:{<user_id>}` from pattern `user:{user_id}`, TTL `user` (5m), entity `user`.
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

    /// The schema default TTL with early refresh only.
    ///
    /// Key `shop:user:{<user_id>}:feed` from pattern `user:{user_id}:feed`, TTL 5m (schema default), entity `user`.
    /// Removed by `invalidateUser`.
    /// Freshness: early refresh β 0.5 (`CacheFreshness`).
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func userFeed<Value>(userID: UUID, as _: Value.Type = Value.self) -> CacheKey<Value> {
        let _userID = CacheKeyEncoding.encode(userID)
        return CacheKey(
            descriptor: CacheKeyDescriptors.userFeed,
            rawValue: "shop:user:" + CacheKeyEncoding.hashTag(_userID) + ":feed",
            owners: [
                CacheEntityInstance(entity: "user", identity: _userID, hashTag: _userID),
            ]
        )
    }
}

/// What the schema declares about each key of `freshness.cache.yaml`.
internal enum CacheKeyDescriptors {
    /// Key `restaurantMenu`: `shop:restaurant:{<restaurant_id>}:menu` (pattern `restaurant:{restaurant_id}:menu`).
    internal static let restaurantMenu = CacheKeyDescriptor(
        name: "restaurantMenu",
        entity: "restaurant",
        pattern: "restaurant:{restaurant_id}:menu",
        namespace: "shop",
        parameters: [
            CacheParameterDescriptor(name: "restaurant_id", label: "restaurantID", type: .uuid),
        ],
        ttl: .seconds(1800),
        ttlClass: "menu",
        valueType: "MenuDTO",
        invalidatedBy: ["restaurant"],
        freshness: CacheFreshness(earlyRefresh: 1.0, staleWindow: .seconds(300), ttlJitter: 0.1)
    )

    /// Key `restaurantMenuHot`: `shop:restaurant:{<restaurant_id>}:menu:hot` (pattern `restaurant:{restaurant_id}:menu:hot`).
    internal static let restaurantMenuHot = CacheKeyDescriptor(
        name: "restaurantMenuHot",
        entity: "restaurant",
        pattern: "restaurant:{restaurant_id}:menu:hot",
        namespace: "shop",
        parameters: [
            CacheParameterDescriptor(name: "restaurant_id", label: "restaurantID", type: .uuid),
        ],
        ttl: .seconds(1800),
        ttlClass: "menu",
        valueType: nil,
        invalidatedBy: ["restaurant"],
        freshness: CacheFreshness(earlyRefresh: 2.0, staleWindow: .seconds(300), ttlJitter: 0.025)
    )

    /// Key `restaurantMenuPlain`: `shop:restaurant:{<restaurant_id>}:menu:plain` (pattern `restaurant:{restaurant_id}:menu:plain`).
    internal static let restaurantMenuPlain = CacheKeyDescriptor(
        name: "restaurantMenuPlain",
        entity: "restaurant",
        pattern: "restaurant:{restaurant_id}:menu:plain",
        namespace: "shop",
        parameters: [
            CacheParameterDescriptor(name: "restaurant_id", label: "restaurantID", type: .uuid),
        ],
        ttl: .seconds(1800),
        ttlClass: "menu",
        valueType: nil,
        invalidatedBy: ["restaurant"],
        freshness: CacheFreshness(earlyRefresh: nil, staleWindow: nil, ttlJitter: 0.1)
    )

    /// Key `restaurantStats`: `shop:restaurant:{<restaurant_id>}:stats` (pattern `restaurant:{restaurant_id}:stats`).
    internal static let restaurantStats = CacheKeyDescriptor(
        name: "restaurantStats",
        entity: "restaurant",
        pattern: "restaurant:{restaurant_id}:stats",
        namespace: "shop",
        parameters: [
            CacheParameterDescriptor(name: "restaurant_id", label: "restaurantID", type: .uuid),
        ],
        ttl: .seconds(60),
        ttlClass: nil,
        valueType: nil,
        invalidatedBy: ["restaurant"],
        freshness: CacheFreshness(earlyRefresh: nil, staleWindow: .milliseconds(1500), ttlJitter: 0.05)
    )

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
        ttlClass: "user",
        valueType: "UserDTO",
        invalidatedBy: ["user"]
    )

    /// Key `userFeed`: `shop:user:{<user_id>}:feed` (pattern `user:{user_id}:feed`).
    internal static let userFeed = CacheKeyDescriptor(
        name: "userFeed",
        entity: "user",
        pattern: "user:{user_id}:feed",
        namespace: "shop",
        parameters: [
            CacheParameterDescriptor(name: "user_id", label: "userID", type: .uuid),
        ],
        ttl: .seconds(300),
        ttlClass: nil,
        valueType: nil,
        invalidatedBy: ["user"],
        freshness: CacheFreshness(earlyRefresh: 0.5, staleWindow: nil, ttlJitter: 0.0)
    )
}

/// Exactly what invalidating each entity of `freshness.cache.yaml` removes, as values: the cache runtime carries them
/// out, tests and tools read them.
internal enum CacheInvalidations {
    /// Invalidation of entity `restaurant`: key `restaurantMenu`, key `restaurantMenuHot`, key `restaurantMenuPlain`, key `restaurantStats`.
    internal static func restaurant(restaurantID: UUID) -> CacheInvalidation {
        let _restaurantID = CacheKeyEncoding.encode(restaurantID)
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "restaurant", identity: _restaurantID, hashTag: _restaurantID),
            namespace: "shop",
            keys: [
                CacheInvalidation.Key(name: "restaurantMenu", rawValue: "shop:restaurant:" + CacheKeyEncoding.hashTag(_restaurantID) + ":menu"),
                CacheInvalidation.Key(name: "restaurantMenuHot", rawValue: "shop:restaurant:" + CacheKeyEncoding.hashTag(_restaurantID) + ":menu:hot"),
                CacheInvalidation.Key(name: "restaurantMenuPlain", rawValue: "shop:restaurant:" + CacheKeyEncoding.hashTag(_restaurantID) + ":menu:plain"),
                CacheInvalidation.Key(name: "restaurantStats", rawValue: "shop:restaurant:" + CacheKeyEncoding.hashTag(_restaurantID) + ":stats"),
            ],
            patterns: []
        )
    }

    /// Invalidation of entity `user`: key `user`, key `userFeed`.
    internal static func user(userID: UUID) -> CacheInvalidation {
        let _userID = CacheKeyEncoding.encode(userID)
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "user", identity: _userID, hashTag: _userID),
            namespace: "shop",
            keys: [
                CacheInvalidation.Key(name: "user", rawValue: "shop:user:" + CacheKeyEncoding.hashTag(_userID)),
                CacheInvalidation.Key(name: "userFeed", rawValue: "shop:user:" + CacheKeyEncoding.hashTag(_userID) + ":feed"),
            ],
            patterns: []
        )
    }
}

/// Invalidates the entities of `freshness.cache.yaml`: one method per entity, plus a generic path.
///
/// It hands each `CacheInvalidation` to its target, normally the cache runtime over Redis.
internal struct CacheInvalidator: Sendable {
    /// What carries out the invalidations.
    internal let target: any CacheInvalidating

    /// Creates an invalidator that hands its invalidations to `target`.
    internal init(_ target: any CacheInvalidating) {
        self.target = target
    }

    /// Invalidates entity `restaurant`: key `restaurantMenu`, key `restaurantMenuHot`, key `restaurantMenuPlain`, key `restaurantStats`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    internal func invalidateRestaurant(restaurantID: UUID) async throws {
        try await self.target.invalidate(CacheInvalidations.restaurant(restaurantID: restaurantID))
    }

    /// Invalidates entity `user`: key `user`, key `userFeed`.
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
    /// The whole schema `freshness.cache.yaml` as data, for the runtime and for tools.
    internal static let schema = CacheSchemaDescription(
        source: "freshness.cache.yaml",
        namespace: "shop",
        fingerprint: "f992b01b1fe20f9d",
        ttlClasses: [
            .init(name: "user", ttl: .seconds(300)),
            .init(name: "menu", ttl: .seconds(1800)),
        ],
        entities: [
            .init(
                name: "restaurant",
                identity: [
                    CacheParameterDescriptor(name: "restaurant_id", label: "restaurantID", type: .uuid),
                ],
                keys: ["restaurantMenu", "restaurantMenuHot", "restaurantMenuPlain", "restaurantStats"],
                related: [],
                indexedRelated: []
            ),
            .init(
                name: "user",
                identity: [
                    CacheParameterDescriptor(name: "user_id", label: "userID", type: .uuid),
                ],
                keys: ["user", "userFeed"],
                related: [],
                indexedRelated: []
            ),
        ],
        keys: [
            CacheKeyDescriptors.restaurantMenu,
            CacheKeyDescriptors.restaurantMenuHot,
            CacheKeyDescriptors.restaurantMenuPlain,
            CacheKeyDescriptors.restaurantStats,
            CacheKeyDescriptors.user,
            CacheKeyDescriptors.userFeed,
        ]
    )
}
