// Generated from shop.cache.yaml by cache-schema; do not edit.
// Change the schema instead: the CacheSchemaPlugin regenerates this file on every build that needs it,
// and `cache-schema generate` writes it by hand.
//
// The cache of the shop service: every Redis key it uses, with its TTL and what invalidates it.
// This is the founding design document's cache, written as a CacheSchema (format version 1).
// `cache-schema explain schemas/shop.cache.yaml` shows every key and what each invalidation deletes.

import CacheSchemaCore
import Foundation

/// The named TTL classes of `shop.cache.yaml`.
internal enum CacheTTL {
    /// Users, restaurants and menus are read far more often than they change: their keys are also held in each
    /// process's memory (a near cache), for at most the near TTL, dropped when this process writes them and, for the
    /// others, when Redis pushes the invalidation of another process's write (README: "Near cache").
    ///
    /// `5m`. Its keys get a near cache (30s in process, up to 10000 values) unless they say otherwise.
    internal static let user: Duration = .seconds(300)

    /// `2m`.
    internal static let order: Duration = .seconds(120)

    /// `1h`. Its keys get a near cache (1m in process, up to 1000 values) unless they say otherwise.
    internal static let restaurant: Duration = .seconds(3600)

    /// `30m`. Its keys get a near cache (1m in process, up to 1000 values) unless they say otherwise.
    internal static let menu: Duration = .seconds(1800)

    /// `24h`.
    internal static let categories: Duration = .seconds(86400)

    /// `12h`.
    internal static let config: Duration = .seconds(43200)

    /// `2h`.
    internal static let session: Duration = .seconds(7200)

    /// `5m`.
    internal static let otp: Duration = .seconds(300)

    /// The TTL of keys that name none: `5m`.
    internal static let schemaDefault: Duration = .seconds(300)
}

/// Every cache key of `shop.cache.yaml`. Code never formats a key by hand: it calls these functions, which escape
/// every parameter value (see `CacheKeyEncoding`).
///
/// Each key's layout shows a parameter's encoded value as `<name>`, and its Redis Cluster hash tag in braces: an
/// instance's keys share that tag, and so a slot (see `CacheKeyLayout`).
internal enum CacheKeys {
    /// A user by id.
    ///
    /// Key `shop:user:{<user_id>}` from pattern `user:{user_id}`, TTL `user` (5m), entity `user`.
    /// Removed by `invalidateUser`.
    /// Near cache: 30s in process, up to 10000 values (`CacheNearCachePolicy`).
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

    /// A user by e-mail address. Its pattern lacks {user_id}, so invalidateUser cannot reach it: `check` warns,
    /// as it must for the founding document's invalidate_user. The example service deletes it explicitly.
    ///
    /// Key `shop:user:email:{<email>}` from pattern `user:email:{email}`, TTL `user` (5m), entity `user`.
    /// No invalidation reaches this key: it expires by TTL only.
    /// Near cache: 30s in process, up to 10000 values (`CacheNearCachePolicy`).
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func userByEmail<Value>(email: String, as _: Value.Type = Value.self) -> CacheKey<Value> {
        let _email = CacheKeyEncoding.encode(email)
        return CacheKey(
            descriptor: CacheKeyDescriptors.userByEmail,
            rawValue: "shop:user:email:" + CacheKeyEncoding.hashTag(_email),
            owners: []
        )
    }

    /// Key `shop:orders:user:{<user_id>}:page:<page>` from pattern `orders:user:{user_id}:page:{page}`, TTL `order` (2m), entity `userOrders`.
    /// Removed by `invalidateUserOrders` (its own key, and related "orders:user:{user_id}:*").
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func userOrders<Value>(userID: UUID, page: Int = 1, as _: Value.Type = Value.self) -> CacheKey<Value> {
        let _userID = CacheKeyEncoding.encode(userID)
        let _page = CacheKeyEncoding.encode(page)
        return CacheKey(
            descriptor: CacheKeyDescriptors.userOrders,
            rawValue: "shop:orders:user:" + CacheKeyEncoding.hashTag(_userID) + ":page:" + _page,
            owners: [
                CacheEntityInstance(entity: "userOrders", identity: _userID, hashTag: _userID),
            ]
        )
    }

    /// Key `shop:order:{<order_id>}` from pattern `order:{order_id}`, TTL `order` (2m), entity `order`.
    /// Removed by `invalidateOrder`.
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func order<Value>(orderID: UUID, as _: Value.Type = Value.self) -> CacheKey<Value> {
        let _orderID = CacheKeyEncoding.encode(orderID)
        return CacheKey(
            descriptor: CacheKeyDescriptors.order,
            rawValue: "shop:order:" + CacheKeyEncoding.hashTag(_orderID),
            owners: [
                CacheEntityInstance(entity: "order", identity: _orderID, hashTag: _orderID),
            ]
        )
    }

    /// Key `shop:restaurant:{<restaurant_id>}` from pattern `restaurant:{restaurant_id}`, TTL `restaurant` (1h), entity `restaurant`.
    /// Removed by `invalidateRestaurant`.
    /// Near cache: 1m in process, up to 1000 values (`CacheNearCachePolicy`).
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func restaurant<Value>(restaurantID: UUID, as _: Value.Type = Value.self) -> CacheKey<Value> {
        let _restaurantID = CacheKeyEncoding.encode(restaurantID)
        return CacheKey(
            descriptor: CacheKeyDescriptors.restaurant,
            rawValue: "shop:restaurant:" + CacheKeyEncoding.hashTag(_restaurantID),
            owners: [
                CacheEntityInstance(entity: "restaurant", identity: _restaurantID, hashTag: _restaurantID),
            ]
        )
    }

    /// Key `shop:restaurant:{<restaurant_id>}:menu` from pattern `restaurant:{restaurant_id}:menu`, TTL `menu` (30m), entity `restaurant`.
    /// Removed by `invalidateRestaurant`.
    /// Near cache: 1m in process, up to 1000 values (`CacheNearCachePolicy`).
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func restaurantMenu<Value>(restaurantID: UUID, as _: Value.Type = Value.self) -> CacheKey<Value> {
        let _restaurantID = CacheKeyEncoding.encode(restaurantID)
        return CacheKey(
            descriptor: CacheKeyDescriptors.restaurantMenu,
            rawValue: "shop:restaurant:" + CacheKeyEncoding.hashTag(_restaurantID) + ":menu",
            owners: [
                CacheEntityInstance(entity: "restaurant", identity: _restaurantID, hashTag: _restaurantID),
            ]
        )
    }

    /// Order count, revenue and top customers: an aggregate over the restaurant's orders, costly at the source.
    /// Deleted when an order for the restaurant is created (a key delete: the restaurant and its menu are unchanged).
    ///
    /// Key `shop:restaurant:{<restaurant_id>}:stats` from pattern `restaurant:{restaurant_id}:stats`, TTL 1m, entity `restaurant`.
    /// Removed by `invalidateRestaurant`.
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
}

/// What the schema declares about each key of `shop.cache.yaml`.
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
        ttlClass: "user",
        valueType: "UserDTO",
        invalidatedBy: ["user"],
        freshness: CacheFreshness(earlyRefresh: nil, staleWindow: nil, ttlJitter: 0.0),
        nearCache: CacheNearCachePolicy(localTTL: .seconds(30), capacity: 10000)
    )

    /// Key `userByEmail`: `shop:user:email:{<email>}` (pattern `user:email:{email}`).
    internal static let userByEmail = CacheKeyDescriptor(
        name: "userByEmail",
        entity: "user",
        pattern: "user:email:{email}",
        namespace: "shop",
        parameters: [
            CacheParameterDescriptor(name: "email", label: "email", type: .string),
        ],
        ttl: .seconds(300),
        ttlClass: "user",
        valueType: nil,
        invalidatedBy: [],
        freshness: CacheFreshness(earlyRefresh: nil, staleWindow: nil, ttlJitter: 0.0),
        nearCache: CacheNearCachePolicy(localTTL: .seconds(30), capacity: 10000)
    )

    /// Key `userOrders`: `shop:orders:user:{<user_id>}:page:<page>` (pattern `orders:user:{user_id}:page:{page}`).
    internal static let userOrders = CacheKeyDescriptor(
        name: "userOrders",
        entity: "userOrders",
        pattern: "orders:user:{user_id}:page:{page}",
        namespace: "shop",
        parameters: [
            CacheParameterDescriptor(name: "user_id", label: "userID", type: .uuid),
            CacheParameterDescriptor(name: "page", label: "page", type: .int),
        ],
        ttl: .seconds(120),
        ttlClass: "order",
        valueType: nil,
        invalidatedBy: ["userOrders"]
    )

    /// Key `order`: `shop:order:{<order_id>}` (pattern `order:{order_id}`).
    internal static let order = CacheKeyDescriptor(
        name: "order",
        entity: "order",
        pattern: "order:{order_id}",
        namespace: "shop",
        parameters: [
            CacheParameterDescriptor(name: "order_id", label: "orderID", type: .uuid),
        ],
        ttl: .seconds(120),
        ttlClass: "order",
        valueType: nil,
        invalidatedBy: ["order"]
    )

    /// Key `restaurant`: `shop:restaurant:{<restaurant_id>}` (pattern `restaurant:{restaurant_id}`).
    internal static let restaurant = CacheKeyDescriptor(
        name: "restaurant",
        entity: "restaurant",
        pattern: "restaurant:{restaurant_id}",
        namespace: "shop",
        parameters: [
            CacheParameterDescriptor(name: "restaurant_id", label: "restaurantID", type: .uuid),
        ],
        ttl: .seconds(3600),
        ttlClass: "restaurant",
        valueType: nil,
        invalidatedBy: ["restaurant"],
        freshness: CacheFreshness(earlyRefresh: nil, staleWindow: nil, ttlJitter: 0.0),
        nearCache: CacheNearCachePolicy(localTTL: .seconds(60), capacity: 1000)
    )

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
        valueType: nil,
        invalidatedBy: ["restaurant"],
        freshness: CacheFreshness(earlyRefresh: nil, staleWindow: nil, ttlJitter: 0.0),
        nearCache: CacheNearCachePolicy(localTTL: .seconds(60), capacity: 1000)
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
        invalidatedBy: ["restaurant"]
    )
}

/// Exactly what invalidating each entity of `shop.cache.yaml` removes, as values: the cache runtime carries them
/// out, tests and tools read them.
internal enum CacheInvalidations {
    /// A user account.
    ///
    /// Invalidation of entity `user`: key `user`, keys matching `shop:user:{<user_id>}:*`.
    internal static func user(userID: UUID) -> CacheInvalidation {
        let _userID = CacheKeyEncoding.encode(userID)
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "user", identity: _userID, hashTag: _userID),
            namespace: "shop",
            keys: [
                CacheInvalidation.Key(name: "user", rawValue: "shop:user:" + CacheKeyEncoding.hashTag(_userID)),
            ],
            patterns: [
                CacheInvalidation.Pattern(origin: .related("user:{user_id}:*"), glob: "shop:user:" + CacheKeyEncoding.hashTag(_userID) + ":*", indexed: false),
            ]
        )
    }

    /// A user's orders, cached page by page.
    ///
    /// Invalidation of entity `userOrders`: every `userOrders` of the instance, keys matching `shop:orders:user:{<user_id>}:*`.
    internal static func userOrders(userID: UUID) -> CacheInvalidation {
        let _userID = CacheKeyEncoding.encode(userID)
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "userOrders", identity: _userID, hashTag: _userID),
            namespace: "shop",
            keys: [],
            patterns: [
                CacheInvalidation.Pattern(origin: .key("userOrders"), glob: "shop:orders:user:" + CacheKeyEncoding.hashTag(_userID) + ":page:*"),
                CacheInvalidation.Pattern(origin: .related("orders:user:{user_id}:*"), glob: "shop:orders:user:" + CacheKeyEncoding.hashTag(_userID) + ":*", indexed: true),
            ]
        )
    }

    /// One order.
    ///
    /// Invalidation of entity `order`: key `order`.
    internal static func order(orderID: UUID) -> CacheInvalidation {
        let _orderID = CacheKeyEncoding.encode(orderID)
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "order", identity: _orderID, hashTag: _orderID),
            namespace: "shop",
            keys: [
                CacheInvalidation.Key(name: "order", rawValue: "shop:order:" + CacheKeyEncoding.hashTag(_orderID)),
            ],
            patterns: []
        )
    }

    /// A restaurant, its menu and its order statistics.
    ///
    /// Invalidation of entity `restaurant`: key `restaurant`, key `restaurantMenu`, key `restaurantStats`.
    internal static func restaurant(restaurantID: UUID) -> CacheInvalidation {
        let _restaurantID = CacheKeyEncoding.encode(restaurantID)
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "restaurant", identity: _restaurantID, hashTag: _restaurantID),
            namespace: "shop",
            keys: [
                CacheInvalidation.Key(name: "restaurant", rawValue: "shop:restaurant:" + CacheKeyEncoding.hashTag(_restaurantID)),
                CacheInvalidation.Key(name: "restaurantMenu", rawValue: "shop:restaurant:" + CacheKeyEncoding.hashTag(_restaurantID) + ":menu"),
                CacheInvalidation.Key(name: "restaurantStats", rawValue: "shop:restaurant:" + CacheKeyEncoding.hashTag(_restaurantID) + ":stats"),
            ],
            patterns: []
        )
    }
}

/// Invalidates the entities of `shop.cache.yaml`: one method per entity, plus a generic path.
///
/// It hands each `CacheInvalidation` to its target, normally the cache runtime over Redis.
internal struct CacheInvalidator: Sendable {
    /// What carries out the invalidations.
    internal let target: any CacheInvalidating

    /// Creates an invalidator that hands its invalidations to `target`.
    internal init(_ target: any CacheInvalidating) {
        self.target = target
    }

    /// A user account.
    ///
    /// Invalidates entity `user`: key `user`, keys matching `shop:user:{<user_id>}:*`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    internal func invalidateUser(userID: UUID) async throws {
        try await self.target.invalidate(CacheInvalidations.user(userID: userID))
    }

    /// A user's orders, cached page by page.
    ///
    /// Invalidates entity `userOrders`: every `userOrders` of the instance, keys matching `shop:orders:user:{<user_id>}:*`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    internal func invalidateUserOrders(userID: UUID) async throws {
        try await self.target.invalidate(CacheInvalidations.userOrders(userID: userID))
    }

    /// One order.
    ///
    /// Invalidates entity `order`: key `order`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    internal func invalidateOrder(orderID: UUID) async throws {
        try await self.target.invalidate(CacheInvalidations.order(orderID: orderID))
    }

    /// A restaurant, its menu and its order statistics.
    ///
    /// Invalidates entity `restaurant`: key `restaurant`, key `restaurantMenu`, key `restaurantStats`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    internal func invalidateRestaurant(restaurantID: UUID) async throws {
        try await self.target.invalidate(CacheInvalidations.restaurant(restaurantID: restaurantID))
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
    /// The whole schema `shop.cache.yaml` as data, for the runtime and for tools.
    internal static let schema = CacheSchemaDescription(
        source: "shop.cache.yaml",
        namespace: "shop",
        fingerprint: "aa8f459874146965",
        ttlClasses: [
            .init(name: "user", ttl: .seconds(300)),
            .init(name: "order", ttl: .seconds(120)),
            .init(name: "restaurant", ttl: .seconds(3600)),
            .init(name: "menu", ttl: .seconds(1800)),
            .init(name: "categories", ttl: .seconds(86400)),
            .init(name: "config", ttl: .seconds(43200)),
            .init(name: "session", ttl: .seconds(7200)),
            .init(name: "otp", ttl: .seconds(300)),
        ],
        entities: [
            .init(
                name: "user",
                identity: [
                    CacheParameterDescriptor(name: "user_id", label: "userID", type: .uuid),
                ],
                keys: ["user", "userByEmail"],
                related: ["user:{user_id}:*"],
                indexedRelated: []
            ),
            .init(
                name: "userOrders",
                identity: [
                    CacheParameterDescriptor(name: "user_id", label: "userID", type: .uuid),
                ],
                keys: ["userOrders"],
                related: ["orders:user:{user_id}:*"],
                indexedRelated: ["orders:user:{user_id}:*"]
            ),
            .init(
                name: "order",
                identity: [
                    CacheParameterDescriptor(name: "order_id", label: "orderID", type: .uuid),
                ],
                keys: ["order"],
                related: [],
                indexedRelated: []
            ),
            .init(
                name: "restaurant",
                identity: [
                    CacheParameterDescriptor(name: "restaurant_id", label: "restaurantID", type: .uuid),
                ],
                keys: ["restaurant", "restaurantMenu", "restaurantStats"],
                related: [],
                indexedRelated: []
            ),
        ],
        keys: [
            CacheKeyDescriptors.user,
            CacheKeyDescriptors.userByEmail,
            CacheKeyDescriptors.userOrders,
            CacheKeyDescriptors.order,
            CacheKeyDescriptors.restaurant,
            CacheKeyDescriptors.restaurantMenu,
            CacheKeyDescriptors.restaurantStats,
        ]
    )
}
