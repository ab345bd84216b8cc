// Generated from no-namespace.cache.yaml by cache-schema; do not edit.
// Change the schema instead: the CacheSchemaPlugin regenerates this file on every build that needs it,
// and `cache-schema generate` writes it by hand.

import CacheSchemaCore

/// The named TTL classes of `no-namespace.cache.yaml`.
internal enum CacheTTL {
    /// The TTL of keys that name none: `5m`.
    internal static let schemaDefault: Duration = .seconds(300)
}

/// Every cache key of `no-namespace.cache.yaml`. Code never formats a key by hand: it calls these functions, which escape
/// every parameter value (see `CacheKeyEncoding`).
///
/// Each key's layout shows a parameter's encoded value as `<name>`, and its Redis Cluster hash tag in braces: an
/// instance's keys share that tag, and so a slot (see `CacheKeyLayout`).
internal enum CacheKeys {
    /// Key `order:{<order_id>}` from pattern `order:{order_id}`, TTL 5m (schema default), entity `order`.
    /// Removed by `invalidateOrder`.
    internal static func order(orderID: Int) -> CacheKey<OrderDTO> {
        let _orderID = CacheKeyEncoding.encode(orderID)
        return CacheKey(
            descriptor: CacheKeyDescriptors.order,
            rawValue: "order:" + CacheKeyEncoding.hashTag(_orderID),
            owners: [
                CacheEntityInstance(entity: "order", identity: _orderID, hashTag: _orderID),
            ]
        )
    }
}

/// What the schema declares about each key of `no-namespace.cache.yaml`.
internal enum CacheKeyDescriptors {
    /// Key `order`: `order:{<order_id>}` (pattern `order:{order_id}`).
    internal static let order = CacheKeyDescriptor(
        name: "order",
        entity: "order",
        pattern: "order:{order_id}",
        namespace: nil,
        parameters: [
            CacheParameterDescriptor(name: "order_id", label: "orderID", type: .int),
        ],
        ttl: .seconds(300),
        ttlClass: nil,
        valueType: "OrderDTO",
        invalidatedBy: ["order"]
    )
}

/// Exactly what invalidating each entity of `no-namespace.cache.yaml` removes, as values: the cache runtime carries them
/// out, tests and tools read them.
internal enum CacheInvalidations {
    /// Invalidation of entity `order`: key `order`.
    internal static func order(orderID: Int) -> CacheInvalidation {
        let _orderID = CacheKeyEncoding.encode(orderID)
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "order", identity: _orderID, hashTag: _orderID),
            namespace: nil,
            keys: [
                CacheInvalidation.Key(name: "order", rawValue: "order:" + CacheKeyEncoding.hashTag(_orderID)),
            ],
            patterns: []
        )
    }
}

/// Invalidates the entities of `no-namespace.cache.yaml`: one method per entity, plus a generic path.
///
/// It hands each `CacheInvalidation` to its target, normally the cache runtime over Redis.
internal struct CacheInvalidator: Sendable {
    /// What carries out the invalidations.
    internal let target: any CacheInvalidating

    /// Creates an invalidator that hands its invalidations to `target`.
    internal init(_ target: any CacheInvalidating) {
        self.target = target
    }

    /// Invalidates entity `order`: key `order`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    internal func invalidateOrder(orderID: Int) async throws {
        try await self.target.invalidate(CacheInvalidations.order(orderID: orderID))
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
    /// The whole schema `no-namespace.cache.yaml` as data, for the runtime and for tools.
    internal static let schema = CacheSchemaDescription(
        source: "no-namespace.cache.yaml",
        namespace: nil,
        fingerprint: "8f058131d8afcd11",
        ttlClasses: [],
        entities: [
            .init(
                name: "order",
                identity: [
                    CacheParameterDescriptor(name: "order_id", label: "orderID", type: .int),
                ],
                keys: ["order"],
                related: [],
                indexedRelated: []
            ),
        ],
        keys: [
            CacheKeyDescriptors.order,
        ]
    )
}
