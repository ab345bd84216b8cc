// Generated from doc-comments.cache.yaml by cache-schema; do not edit.
// Change the schema instead: the CacheSchemaPlugin regenerates this file on every build that needs it,
// and `cache-schema generate` writes it by hand.
//
// The cache of the catalogue service.
//
// Every key it uses, with its TTL.

import CacheSchemaCore

/// The named TTL classes of `doc-comments.cache.yaml`.
internal enum CacheTTL {
    /// Products change rarely.
    /// an hour
    ///
    /// `1h`.
    internal static let product: Duration = .seconds(3600)

    /// The TTL of keys that name none: `5m`.
    internal static let schemaDefault: Duration = .seconds(300)
}

/// Every cache key of `doc-comments.cache.yaml`. Code never formats a key by hand: it calls these functions, which escape
/// every parameter value (see `CacheKeyEncoding`).
///
/// Each key's layout shows a parameter's encoded value as `<name>`, and its Redis Cluster hash tag in braces: an
/// instance's keys share that tag, and so a slot (see `CacheKeyLayout`).
internal enum CacheKeys {
    /// A product by SKU; "quoted" text and */ stay harmless.
    /// trailing note
    ///
    /// Key `catalog:product:{<sku>}` from pattern `product:{sku}`, TTL `product` (1h), entity `product`.
    /// Removed by `invalidateProduct`.
    internal static func product(sku: String) -> CacheKey<ProductDTO> {
        let _sku = CacheKeyEncoding.encode(sku)
        return CacheKey(
            descriptor: CacheKeyDescriptors.product,
            rawValue: "catalog:product:" + CacheKeyEncoding.hashTag(_sku),
            owners: [
                CacheEntityInstance(entity: "product", identity: _sku, hashTag: CacheKeyEncoding.hashTagContent(_sku)),
            ]
        )
    }
}

/// What the schema declares about each key of `doc-comments.cache.yaml`.
internal enum CacheKeyDescriptors {
    /// Key `product`: `catalog:product:{<sku>}` (pattern `product:{sku}`).
    internal static let product = CacheKeyDescriptor(
        name: "product",
        entity: "product",
        pattern: "product:{sku}",
        namespace: "catalog",
        parameters: [
            CacheParameterDescriptor(name: "sku", label: "sku", type: .string),
        ],
        ttl: .seconds(3600),
        ttlClass: "product",
        valueType: "ProductDTO",
        invalidatedBy: ["product"]
    )
}

/// Exactly what invalidating each entity of `doc-comments.cache.yaml` removes, as values: the cache runtime carries them
/// out, tests and tools read them.
internal enum CacheInvalidations {
    /// A product of the catalogue.
    ///
    /// Invalidation of entity `product`: key `product`.
    internal static func product(sku: String) -> CacheInvalidation {
        let _sku = CacheKeyEncoding.encode(sku)
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "product", identity: _sku, hashTag: CacheKeyEncoding.hashTagContent(_sku)),
            namespace: "catalog",
            keys: [
                CacheInvalidation.Key(name: "product", rawValue: "catalog:product:" + CacheKeyEncoding.hashTag(_sku)),
            ],
            patterns: []
        )
    }
}

/// Invalidates the entities of `doc-comments.cache.yaml`: one method per entity, plus a generic path.
///
/// It hands each `CacheInvalidation` to its target, normally the cache runtime over Redis.
internal struct CacheInvalidator: Sendable {
    /// What carries out the invalidations.
    internal let target: any CacheInvalidating

    /// Creates an invalidator that hands its invalidations to `target`.
    internal init(_ target: any CacheInvalidating) {
        self.target = target
    }

    /// A product of the catalogue.
    ///
    /// Invalidates entity `product`: key `product`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    internal func invalidateProduct(sku: String) async throws {
        try await self.target.invalidate(CacheInvalidations.product(sku: sku))
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
    /// The whole schema `doc-comments.cache.yaml` as data, for the runtime and for tools.
    internal static let schema = CacheSchemaDescription(
        source: "doc-comments.cache.yaml",
        namespace: "catalog",
        fingerprint: "a7b057029e5e7c90",
        ttlClasses: [
            .init(name: "product", ttl: .seconds(3600)),
        ],
        entities: [
            .init(
                name: "product",
                identity: [
                    CacheParameterDescriptor(name: "sku", label: "sku", type: .string),
                ],
                keys: ["product"],
                related: [],
                indexedRelated: []
            ),
        ],
        keys: [
            CacheKeyDescriptors.product,
        ]
    )
}
