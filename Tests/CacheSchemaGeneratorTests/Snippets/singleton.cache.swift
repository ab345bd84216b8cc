// Generated from singleton.cache.yaml by cache-schema; do not edit.
// Change the schema instead: the CacheSchemaPlugin regenerates this file on every build that needs it,
// and `cache-schema generate` writes it by hand.

import CacheSchemaCore

/// The named TTL classes of `singleton.cache.yaml`.
internal enum CacheTTL {
    /// The TTL of keys that name none: `5m`.
    internal static let schemaDefault: Duration = .seconds(300)
}

/// Every cache key of `singleton.cache.yaml`. Code never formats a key by hand: it calls these functions, which escape
/// every parameter value (see `CacheKeyEncoding`).
///
/// Each key's layout shows a parameter's encoded value as `<name>`, and its Redis Cluster hash tag in braces: an
/// instance's keys share that tag, and so a slot (see `CacheKeyLayout`).
internal enum CacheKeys {
    /// Key `app:{config}` from pattern `config`, TTL 12h, entity `config`.
    /// Removed by `invalidateConfig`.
    internal static func config() -> CacheKey<AppConfig> {
        return CacheKey(
            descriptor: CacheKeyDescriptors.config,
            rawValue: "app:" + CacheKeyEncoding.hashTag("config"),
            owners: [
                CacheEntityInstance(entity: "config", identity: "", hashTag: "config"),
            ]
        )
    }

    /// Key `app:{config}:version` from pattern `config:version`, TTL 1m, entity `config`.
    /// Removed by `invalidateConfig`.
    internal static func configVersion() -> CacheKey<Int> {
        return CacheKey(
            descriptor: CacheKeyDescriptors.configVersion,
            rawValue: "app:" + CacheKeyEncoding.hashTag("config") + ":version",
            owners: [
                CacheEntityInstance(entity: "config", identity: "", hashTag: "config"),
            ]
        )
    }
}

/// What the schema declares about each key of `singleton.cache.yaml`.
internal enum CacheKeyDescriptors {
    /// Key `config`: `app:{config}` (pattern `config`).
    internal static let config = CacheKeyDescriptor(
        name: "config",
        entity: "config",
        pattern: "config",
        namespace: "app",
        parameters: [],
        ttl: .seconds(43200),
        ttlClass: nil,
        valueType: "AppConfig",
        invalidatedBy: ["config"]
    )

    /// Key `configVersion`: `app:{config}:version` (pattern `config:version`).
    internal static let configVersion = CacheKeyDescriptor(
        name: "configVersion",
        entity: "config",
        pattern: "config:version",
        namespace: "app",
        parameters: [],
        ttl: .seconds(60),
        ttlClass: nil,
        valueType: "Int",
        invalidatedBy: ["config"]
    )
}

/// Exactly what invalidating each entity of `singleton.cache.yaml` removes, as values: the cache runtime carries them
/// out, tests and tools read them.
internal enum CacheInvalidations {
    /// Invalidation of entity `config`: key `config`, key `configVersion`.
    internal static func config() -> CacheInvalidation {
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "config", identity: "", hashTag: "config"),
            namespace: "app",
            keys: [
                CacheInvalidation.Key(name: "config", rawValue: "app:" + CacheKeyEncoding.hashTag("config")),
                CacheInvalidation.Key(name: "configVersion", rawValue: "app:" + CacheKeyEncoding.hashTag("config") + ":version"),
            ],
            patterns: []
        )
    }
}

/// Invalidates the entities of `singleton.cache.yaml`: one method per entity, plus a generic path.
///
/// It hands each `CacheInvalidation` to its target, normally the cache runtime over Redis.
internal struct CacheInvalidator: Sendable {
    /// What carries out the invalidations.
    internal let target: any CacheInvalidating

    /// Creates an invalidator that hands its invalidations to `target`.
    internal init(_ target: any CacheInvalidating) {
        self.target = target
    }

    /// Invalidates entity `config`: key `config`, key `configVersion`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    internal func invalidateConfig() async throws {
        try await self.target.invalidate(CacheInvalidations.config())
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
    /// The whole schema `singleton.cache.yaml` as data, for the runtime and for tools.
    internal static let schema = CacheSchemaDescription(
        source: "singleton.cache.yaml",
        namespace: "app",
        fingerprint: "4560df0774493d11",
        ttlClasses: [],
        entities: [
            .init(
                name: "config",
                identity: [],
                keys: ["config", "configVersion"],
                related: [],
                indexedRelated: []
            ),
        ],
        keys: [
            CacheKeyDescriptors.config,
            CacheKeyDescriptors.configVersion,
        ]
    )
}
