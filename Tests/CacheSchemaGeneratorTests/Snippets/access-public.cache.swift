// Generated from access-public.cache.yaml by cache-schema; do not edit.
// Change the schema instead: the CacheSchemaPlugin regenerates this file on every build that needs it,
// and `cache-schema generate` writes it by hand.

import CacheSchemaCore
import Foundation

/// The named TTL classes of `access-public.cache.yaml`.
public enum CacheTTL {
    /// The TTL of keys that name none: `5m`.
    public static let schemaDefault: Duration = .seconds(300)
}

/// Every cache key of `access-public.cache.yaml`. Code never formats a key by hand: it calls these functions, which escape
/// every parameter value (see `CacheKeyEncoding`).
///
/// Each key's layout shows a parameter's encoded value as `<name>`, and its Redis Cluster hash tag in braces: an
/// instance's keys share that tag, and so a slot (see `CacheKeyLayout`).
public enum CacheKeys {
    /// Key `order:{<order_id>}` from pattern `order:{order_id}`, TTL 5m (schema default), entity `order`.
    /// Removed by `invalidateOrder`.
    public static func order(orderID: UUID) -> CacheKey<OrderDTO> {
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

/// What the schema declares about each key of `access-public.cache.yaml`.
public enum CacheKeyDescriptors {
    /// Key `order`: `order:{<order_id>}` (pattern `order:{order_id}`).
    public static let order = CacheKeyDescriptor(
        name: "order",
        entity: "order",
        pattern: "order:{order_id}",
        namespace: nil,
        parameters: [
            CacheParameterDescriptor(name: "order_id", label: "orderID", type: .uuid),
        ],
        ttl: .seconds(300),
        ttlClass: nil,
        valueType: "OrderDTO",
        invalidatedBy: ["order"]
    )
}

/// Exactly what invalidating each entity of `access-public.cache.yaml` removes, as values: the cache runtime carries them
/// out, tests and tools read them.
public enum CacheInvalidations {
    /// Invalidation of entity `order`: key `order`.
    public static func order(orderID: UUID) -> CacheInvalidation {
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

/// Invalidates the entities of `access-public.cache.yaml`: one method per entity, plus a generic path.
///
/// It hands each `CacheInvalidation` to its target, normally the cache runtime over Redis.
public struct CacheInvalidator: Sendable {
    /// What carries out the invalidations.
    public let target: any CacheInvalidating

    /// Creates an invalidator that hands its invalidations to `target`.
    public init(_ target: any CacheInvalidating) {
        self.target = target
    }

    /// Invalidates entity `order`: key `order`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    public func invalidateOrder(orderID: UUID) async throws {
        try await self.target.invalidate(CacheInvalidations.order(orderID: orderID))
    }

    /// Carries out an invalidation built by `CacheInvalidations`.
    public func invalidate(_ invalidation: CacheInvalidation) async throws {
        try await target.invalidate(invalidation)
    }

    /// Invalidates an entity named at run time, with identity values as text (`["user_id": "…"]`).
    ///
    /// - Throws: `CacheSchemaDescriptionError` for an unknown entity or a bad value, or the target's error.
    public func invalidate(entity: String, identity: [String: String]) async throws {
        try await target.invalidate(CacheKeys.schema.invalidation(entity: entity, identity: identity))
    }
}

extension CacheKeys {
    /// The whole schema `access-public.cache.yaml` as data, for the runtime and for tools.
    public static let schema = CacheSchemaDescription(
        source: "access-public.cache.yaml",
        namespace: nil,
        fingerprint: "6afbf1c9c6655f0f",
        ttlClasses: [],
        entities: [
            .init(
                name: "order",
                identity: [
                    CacheParameterDescriptor(name: "order_id", label: "orderID", type: .uuid),
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
