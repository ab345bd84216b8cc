// Generated from access-package.cache.yaml by cache-schema; do not edit.
// Change the schema instead: the CacheSchemaPlugin regenerates this file on every build that needs it,
// and `cache-schema generate` writes it by hand.

import CacheSchemaCore
import Foundation

/// The named TTL classes of `access-package.cache.yaml`.
package enum CacheTTL {
    /// The TTL of keys that name none: `5m`.
    package static let schemaDefault: Duration = .seconds(300)
}

/// Every cache key of `access-package.cache.yaml`. Code never formats a key by hand: it calls these functions, which escape
/// every parameter value (see `CacheKeyEncoding`).
///
/// Each key's layout shows a parameter's encoded value as `<name>`, and its Redis Cluster hash tag in braces: an
/// instance's keys share that tag, and so a slot (see `CacheKeyLayout`).
package enum CacheKeys {
    /// Key `order:{<order_id>}` from pattern `order:{order_id}`, TTL 5m (schema default), entity `order`.
    /// Removed by `invalidateOrder`.
    package static func order(orderID: UUID) -> CacheKey<OrderDTO> {
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

/// What the schema declares about each key of `access-package.cache.yaml`.
package enum CacheKeyDescriptors {
    /// Key `order`: `order:{<order_id>}` (pattern `order:{order_id}`).
    package static let order = CacheKeyDescriptor(
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

/// Exactly what invalidating each entity of `access-package.cache.yaml` removes, as values: the cache runtime carries them
/// out, tests and tools read them.
package enum CacheInvalidations {
    /// Invalidation of entity `order`: key `order`.
    package static func order(orderID: UUID) -> CacheInvalidation {
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

/// Invalidates the entities of `access-package.cache.yaml`: one method per entity, plus a generic path.
///
/// It hands each `CacheInvalidation` to its target, normally the cache runtime over Redis.
package struct CacheInvalidator: Sendable {
    /// What carries out the invalidations.
    package let target: any CacheInvalidating

    /// Creates an invalidator that hands its invalidations to `target`.
    package init(_ target: any CacheInvalidating) {
        self.target = target
    }

    /// Invalidates entity `order`: key `order`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    package func invalidateOrder(orderID: UUID) async throws {
        try await self.target.invalidate(CacheInvalidations.order(orderID: orderID))
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
    /// The whole schema `access-package.cache.yaml` as data, for the runtime and for tools.
    package static let schema = CacheSchemaDescription(
        source: "access-package.cache.yaml",
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
