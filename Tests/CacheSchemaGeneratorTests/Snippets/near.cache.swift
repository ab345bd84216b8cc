// Generated from near.cache.yaml by cache-schema; do not edit.
// Change the schema instead: the CacheSchemaPlugin regenerates this file on every build that needs it,
// and `cache-schema generate` writes it by hand.

import CacheSchemaCore
import Foundation

/// The named TTL classes of `near.cache.yaml`.
internal enum CacheTTL {
    /// `5m`.
    internal static let user: Duration = .seconds(300)

    /// Menus are read on every page and change rarely: keep them in process for a minute.
    ///
    /// `30m`. Its keys get a near cache (1m in process, up to 1000 values) unless they say otherwise.
    internal static let menu: Duration = .seconds(1800)

    /// A near cache beside freshness fields.
    ///
    /// `12h`. Its keys get early refresh β 1 and a near cache (5m in process, up to 10 values) unless they say otherwise.
    internal static let config: Duration = .seconds(43200)

    /// The TTL of keys that name none: `5m`.
    internal static let schemaDefault: Duration = .seconds(300)
}

/// Every cache key of `near.cache.yaml`. Code never formats a key by hand: it calls these functions, which escape
/// every parameter value (see `CacheKeyEncoding`).
///
/// Each key's layout shows a parameter's encoded value as `<name>`, and its Redis Cluster hash tag in braces: an
/// instance's keys share that tag, and so a slot (see `CacheKeyLayout`).
internal enum CacheKeys {
    /// The near cache of its TTL class.
    ///
    /// Key `shop:restaurant:{<restaurant_id>}:menu` from pattern `restaurant:{restaurant_id}:menu`, TTL `menu` (30m), entity `restaurant`.
    /// Removed by `invalidateRestaurant`.
    /// Near cache: 1m in process, up to 1000 values (`CacheNearCachePolicy`).
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

    /// Its own near cache in place of its class's, the whole of it.
    ///
    /// Key `shop:restaurant:{<restaurant_id>}:menu:hot` from pattern `restaurant:{restaurant_id}:menu:hot`, TTL `menu` (30m), entity `restaurant`.
    /// Removed by `invalidateRestaurant`.
    /// Near cache: 10s in process, up to 100000 values (`CacheNearCachePolicy`).
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

    /// No near cache, though its class has one.
    ///
    /// Key `shop:restaurant:{<restaurant_id>}:menu:draft` from pattern `restaurant:{restaurant_id}:menu:draft`, TTL `menu` (30m), entity `restaurant`.
    /// Removed by `invalidateRestaurant`.
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func restaurantMenuDraft<Value>(restaurantID: UUID, as _: Value.Type = Value.self) -> CacheKey<Value> {
        let _restaurantID = CacheKeyEncoding.encode(restaurantID)
        return CacheKey(
            descriptor: CacheKeyDescriptors.restaurantMenuDraft,
            rawValue: "shop:restaurant:" + CacheKeyEncoding.hashTag(_restaurantID) + ":menu:draft",
            owners: [
                CacheEntityInstance(entity: "restaurant", identity: _restaurantID, hashTag: _restaurantID),
            ]
        )
    }

    /// A literal TTL with a near cache of its own.
    ///
    /// Key `shop:restaurant:{<restaurant_id>}:stats` from pattern `restaurant:{restaurant_id}:stats`, TTL 1m, entity `restaurant`.
    /// Removed by `invalidateRestaurant`.
    /// Near cache: 1s500ms in process, up to 1 value (`CacheNearCachePolicy`).
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

    /// A near cache and freshness, both from its class.
    ///
    /// Key `shop:{config}` from pattern `config`, TTL `config` (12h), entity `config`.
    /// Removed by `invalidateConfig`.
    /// Freshness: early refresh β 1 (`CacheFreshness`).
    /// Near cache: 5m in process, up to 10 values (`CacheNearCachePolicy`).
    internal static func config() -> CacheKey<AppConfig> {
        return CacheKey(
            descriptor: CacheKeyDescriptors.config,
            rawValue: "shop:" + CacheKeyEncoding.hashTag("config"),
            owners: [
                CacheEntityInstance(entity: "config", identity: "", hashTag: "config"),
            ]
        )
    }

    /// No near cache: its descriptor is written as for any schema without one.
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
}

/// What the schema declares about each key of `near.cache.yaml`.
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
        freshness: CacheFreshness(earlyRefresh: nil, staleWindow: nil, ttlJitter: 0.0),
        nearCache: CacheNearCachePolicy(localTTL: .seconds(60), capacity: 1000)
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
        freshness: CacheFreshness(earlyRefresh: nil, staleWindow: nil, ttlJitter: 0.0),
        nearCache: CacheNearCachePolicy(localTTL: .seconds(10), capacity: 100000)
    )

    /// Key `restaurantMenuDraft`: `shop:restaurant:{<restaurant_id>}:menu:draft` (pattern `restaurant:{restaurant_id}:menu:draft`).
    internal static let restaurantMenuDraft = CacheKeyDescriptor(
        name: "restaurantMenuDraft",
        entity: "restaurant",
        pattern: "restaurant:{restaurant_id}:menu:draft",
        namespace: "shop",
        parameters: [
            CacheParameterDescriptor(name: "restaurant_id", label: "restaurantID", type: .uuid),
        ],
        ttl: .seconds(1800),
        ttlClass: "menu",
        valueType: nil,
        invalidatedBy: ["restaurant"]
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
        freshness: CacheFreshness(earlyRefresh: nil, staleWindow: nil, ttlJitter: 0.0),
        nearCache: CacheNearCachePolicy(localTTL: .milliseconds(1500), capacity: 1)
    )

    /// Key `config`: `shop:{config}` (pattern `config`).
    internal static let config = CacheKeyDescriptor(
        name: "config",
        entity: "config",
        pattern: "config",
        namespace: "shop",
        parameters: [],
        ttl: .seconds(43200),
        ttlClass: "config",
        valueType: "AppConfig",
        invalidatedBy: ["config"],
        freshness: CacheFreshness(earlyRefresh: 1.0, staleWindow: nil, ttlJitter: 0.0),
        nearCache: CacheNearCachePolicy(localTTL: .seconds(300), capacity: 10)
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
}

/// Exactly what invalidating each entity of `near.cache.yaml` removes, as values: the cache runtime carries them
/// out, tests and tools read them.
internal enum CacheInvalidations {
    /// Invalidation of entity `restaurant`: key `restaurantMenu`, key `restaurantMenuHot`, key `restaurantMenuDraft`, key `restaurantStats`.
    internal static func restaurant(restaurantID: UUID) -> CacheInvalidation {
        let _restaurantID = CacheKeyEncoding.encode(restaurantID)
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "restaurant", identity: _restaurantID, hashTag: _restaurantID),
            namespace: "shop",
            keys: [
                CacheInvalidation.Key(name: "restaurantMenu", rawValue: "shop:restaurant:" + CacheKeyEncoding.hashTag(_restaurantID) + ":menu"),
                CacheInvalidation.Key(name: "restaurantMenuHot", rawValue: "shop:restaurant:" + CacheKeyEncoding.hashTag(_restaurantID) + ":menu:hot"),
                CacheInvalidation.Key(name: "restaurantMenuDraft", rawValue: "shop:restaurant:" + CacheKeyEncoding.hashTag(_restaurantID) + ":menu:draft"),
                CacheInvalidation.Key(name: "restaurantStats", rawValue: "shop:restaurant:" + CacheKeyEncoding.hashTag(_restaurantID) + ":stats"),
            ],
            patterns: []
        )
    }

    /// Invalidation of entity `config`: key `config`.
    internal static func config() -> CacheInvalidation {
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "config", identity: "", hashTag: "config"),
            namespace: "shop",
            keys: [
                CacheInvalidation.Key(name: "config", rawValue: "shop:" + CacheKeyEncoding.hashTag("config")),
            ],
            patterns: []
        )
    }

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

/// Invalidates the entities of `near.cache.yaml`: one method per entity, plus a generic path.
///
/// It hands each `CacheInvalidation` to its target, normally the cache runtime over Redis.
internal struct CacheInvalidator: Sendable {
    /// What carries out the invalidations.
    internal let target: any CacheInvalidating

    /// Creates an invalidator that hands its invalidations to `target`.
    internal init(_ target: any CacheInvalidating) {
        self.target = target
    }

    /// Invalidates entity `restaurant`: key `restaurantMenu`, key `restaurantMenuHot`, key `restaurantMenuDraft`, key `restaurantStats`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    internal func invalidateRestaurant(restaurantID: UUID) async throws {
        try await self.target.invalidate(CacheInvalidations.restaurant(restaurantID: restaurantID))
    }

    /// Invalidates entity `config`: key `config`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    internal func invalidateConfig() async throws {
        try await self.target.invalidate(CacheInvalidations.config())
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
    /// The whole schema `near.cache.yaml` as data, for the runtime and for tools.
    internal static let schema = CacheSchemaDescription(
        source: "near.cache.yaml",
        namespace: "shop",
        fingerprint: "9b8d94e2da19f43a",
        ttlClasses: [
            .init(name: "user", ttl: .seconds(300)),
            .init(name: "menu", ttl: .seconds(1800)),
            .init(name: "config", ttl: .seconds(43200)),
        ],
        entities: [
            .init(
                name: "restaurant",
                identity: [
                    CacheParameterDescriptor(name: "restaurant_id", label: "restaurantID", type: .uuid),
                ],
                keys: ["restaurantMenu", "restaurantMenuHot", "restaurantMenuDraft", "restaurantStats"],
                related: [],
                indexedRelated: []
            ),
            .init(
                name: "config",
                identity: [],
                keys: ["config"],
                related: [],
                indexedRelated: []
            ),
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
            CacheKeyDescriptors.restaurantMenu,
            CacheKeyDescriptors.restaurantMenuHot,
            CacheKeyDescriptors.restaurantMenuDraft,
            CacheKeyDescriptors.restaurantStats,
            CacheKeyDescriptors.config,
            CacheKeyDescriptors.user,
        ]
    )
}
