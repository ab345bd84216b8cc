// Generated from hash-tags.cache.yaml by cache-schema; do not edit.
// Change the schema instead: the CacheSchemaPlugin regenerates this file on every build that needs it,
// and `cache-schema generate` writes it by hand.

import CacheSchemaCore

/// The named TTL classes of `hash-tags.cache.yaml`.
internal enum CacheTTL {
    /// The TTL of keys that name none: `5m`.
    internal static let schemaDefault: Duration = .seconds(300)
}

/// Every cache key of `hash-tags.cache.yaml`. Code never formats a key by hand: it calls these functions, which escape
/// every parameter value (see `CacheKeyEncoding`).
///
/// Each key's layout shows a parameter's encoded value as `<name>`, and its Redis Cluster hash tag in braces: an
/// instance's keys share that tag, and so a slot (see `CacheKeyLayout`).
internal enum CacheKeys {
    /// Key `saas:tenant:{<tenant_id>:user:<user_id>}:profile` from pattern `tenant:{tenant_id}:user:{user_id}:profile`, TTL 5m (schema default), entity `tenantUser`.
    /// Removed by `invalidateTenantUser` (its own key, and related "tenant:{tenant_id}:user:{user_id}:*").
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func profile<Value>(tenantID: String, userID: Int, as _: Value.Type = Value.self) -> CacheKey<Value> {
        let _tenantID = CacheKeyEncoding.encode(tenantID)
        let _userID = CacheKeyEncoding.encode(userID)
        return CacheKey(
            descriptor: CacheKeyDescriptors.profile,
            rawValue: "saas:tenant:" + CacheKeyEncoding.hashTag(_tenantID + ":user:" + _userID) + ":profile",
            owners: [
                CacheEntityInstance(entity: "tenantUser", identity: _tenantID + ":user:" + _userID, hashTag: _tenantID + ":user:" + _userID),
            ]
        )
    }

    /// Key `saas:{config}:flags` from pattern `flags`, TTL 5m (schema default), entity `config`.
    /// Removed by `invalidateConfig`.
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func flags<Value>(as _: Value.Type = Value.self) -> CacheKey<Value> {
        return CacheKey(
            descriptor: CacheKeyDescriptors.flags,
            rawValue: "saas:" + CacheKeyEncoding.hashTag("config") + ":flags",
            owners: [
                CacheEntityInstance(entity: "config", identity: "", hashTag: "config"),
            ]
        )
    }

    /// Key `saas:tenant:{<tenant_id>}:plan` from pattern `tenant:{tenant_id}:plan`, TTL 5m (schema default), entity `tenant`.
    /// Removed by `invalidateTenant`.
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func plan<Value>(tenantID: String, as _: Value.Type = Value.self) -> CacheKey<Value> {
        let _tenantID = CacheKeyEncoding.encode(tenantID)
        return CacheKey(
            descriptor: CacheKeyDescriptors.plan,
            rawValue: "saas:tenant:" + CacheKeyEncoding.hashTag(_tenantID) + ":plan",
            owners: [
                CacheEntityInstance(entity: "tenant", identity: _tenantID, hashTag: CacheKeyEncoding.hashTagContent(_tenantID)),
            ]
        )
    }

    /// Key `saas:email:{<email>}` from pattern `email:{email}`, TTL 5m (schema default), entity `tenant`.
    /// No invalidation reaches this key: it expires by TTL only.
    ///
    /// The schema declares no value type: choose it at the call site, e.g. `as: MyValue.self`.
    internal static func byEmail<Value>(email: String, as _: Value.Type = Value.self) -> CacheKey<Value> {
        let _email = CacheKeyEncoding.encode(email)
        return CacheKey(
            descriptor: CacheKeyDescriptors.byEmail,
            rawValue: "saas:email:" + CacheKeyEncoding.hashTag(_email),
            owners: []
        )
    }
}

/// What the schema declares about each key of `hash-tags.cache.yaml`.
internal enum CacheKeyDescriptors {
    /// Key `profile`: `saas:tenant:{<tenant_id>:user:<user_id>}:profile` (pattern `tenant:{tenant_id}:user:{user_id}:profile`).
    internal static let profile = CacheKeyDescriptor(
        name: "profile",
        entity: "tenantUser",
        pattern: "tenant:{tenant_id}:user:{user_id}:profile",
        namespace: "saas",
        parameters: [
            CacheParameterDescriptor(name: "tenant_id", label: "tenantID", type: .string),
            CacheParameterDescriptor(name: "user_id", label: "userID", type: .int),
        ],
        ttl: .seconds(300),
        ttlClass: nil,
        valueType: nil,
        invalidatedBy: ["tenantUser"]
    )

    /// Key `flags`: `saas:{config}:flags` (pattern `flags`).
    internal static let flags = CacheKeyDescriptor(
        name: "flags",
        entity: "config",
        pattern: "flags",
        namespace: "saas",
        parameters: [],
        ttl: .seconds(300),
        ttlClass: nil,
        valueType: nil,
        invalidatedBy: ["config"]
    )

    /// Key `plan`: `saas:tenant:{<tenant_id>}:plan` (pattern `tenant:{tenant_id}:plan`).
    internal static let plan = CacheKeyDescriptor(
        name: "plan",
        entity: "tenant",
        pattern: "tenant:{tenant_id}:plan",
        namespace: "saas",
        parameters: [
            CacheParameterDescriptor(name: "tenant_id", label: "tenantID", type: .string),
        ],
        ttl: .seconds(300),
        ttlClass: nil,
        valueType: nil,
        invalidatedBy: ["tenant"]
    )

    /// Key `byEmail`: `saas:email:{<email>}` (pattern `email:{email}`).
    internal static let byEmail = CacheKeyDescriptor(
        name: "byEmail",
        entity: "tenant",
        pattern: "email:{email}",
        namespace: "saas",
        parameters: [
            CacheParameterDescriptor(name: "email", label: "email", type: .string),
        ],
        ttl: .seconds(300),
        ttlClass: nil,
        valueType: nil,
        invalidatedBy: []
    )
}

/// Exactly what invalidating each entity of `hash-tags.cache.yaml` removes, as values: the cache runtime carries them
/// out, tests and tools read them.
internal enum CacheInvalidations {
    /// Invalidation of entity `tenantUser`: key `profile`, keys matching `saas:tenant:{<tenant_id>:user:<user_id>}:*`.
    internal static func tenantUser(tenantID: String, userID: Int) -> CacheInvalidation {
        let _tenantID = CacheKeyEncoding.encode(tenantID)
        let _userID = CacheKeyEncoding.encode(userID)
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "tenantUser", identity: _tenantID + ":user:" + _userID, hashTag: _tenantID + ":user:" + _userID),
            namespace: "saas",
            keys: [
                CacheInvalidation.Key(name: "profile", rawValue: "saas:tenant:" + CacheKeyEncoding.hashTag(_tenantID + ":user:" + _userID) + ":profile"),
            ],
            patterns: [
                CacheInvalidation.Pattern(origin: .related("tenant:{tenant_id}:user:{user_id}:*"), glob: "saas:tenant:" + CacheKeyEncoding.hashTag(_tenantID + ":user:" + _userID) + ":*", indexed: true),
            ]
        )
    }

    /// Invalidation of entity `config`: key `flags`.
    internal static func config() -> CacheInvalidation {
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "config", identity: "", hashTag: "config"),
            namespace: "saas",
            keys: [
                CacheInvalidation.Key(name: "flags", rawValue: "saas:" + CacheKeyEncoding.hashTag("config") + ":flags"),
            ],
            patterns: []
        )
    }

    /// Invalidation of entity `tenant`: key `plan`.
    internal static func tenant(tenantID: String) -> CacheInvalidation {
        let _tenantID = CacheKeyEncoding.encode(tenantID)
        return CacheInvalidation(
            instance: CacheEntityInstance(entity: "tenant", identity: _tenantID, hashTag: CacheKeyEncoding.hashTagContent(_tenantID)),
            namespace: "saas",
            keys: [
                CacheInvalidation.Key(name: "plan", rawValue: "saas:tenant:" + CacheKeyEncoding.hashTag(_tenantID) + ":plan"),
            ],
            patterns: []
        )
    }
}

/// Invalidates the entities of `hash-tags.cache.yaml`: one method per entity, plus a generic path.
///
/// It hands each `CacheInvalidation` to its target, normally the cache runtime over Redis.
internal struct CacheInvalidator: Sendable {
    /// What carries out the invalidations.
    internal let target: any CacheInvalidating

    /// Creates an invalidator that hands its invalidations to `target`.
    internal init(_ target: any CacheInvalidating) {
        self.target = target
    }

    /// Invalidates entity `tenantUser`: key `profile`, keys matching `saas:tenant:{<tenant_id>:user:<user_id>}:*`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    internal func invalidateTenantUser(tenantID: String, userID: Int) async throws {
        try await self.target.invalidate(CacheInvalidations.tenantUser(tenantID: tenantID, userID: userID))
    }

    /// Invalidates entity `config`: key `flags`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    internal func invalidateConfig() async throws {
        try await self.target.invalidate(CacheInvalidations.config())
    }

    /// Invalidates entity `tenant`: key `plan`.
    ///
    /// - Throws: When the cache could not be updated; the caller must treat the cache as possibly stale.
    internal func invalidateTenant(tenantID: String) async throws {
        try await self.target.invalidate(CacheInvalidations.tenant(tenantID: tenantID))
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
    /// The whole schema `hash-tags.cache.yaml` as data, for the runtime and for tools.
    internal static let schema = CacheSchemaDescription(
        source: "hash-tags.cache.yaml",
        namespace: "saas",
        fingerprint: "aaa61b79ee31f124",
        ttlClasses: [],
        entities: [
            .init(
                name: "tenantUser",
                identity: [
                    CacheParameterDescriptor(name: "tenant_id", label: "tenantID", type: .string),
                    CacheParameterDescriptor(name: "user_id", label: "userID", type: .int),
                ],
                keys: ["profile"],
                related: ["tenant:{tenant_id}:user:{user_id}:*"],
                indexedRelated: ["tenant:{tenant_id}:user:{user_id}:*"]
            ),
            .init(
                name: "config",
                identity: [],
                keys: ["flags"],
                related: [],
                indexedRelated: []
            ),
            .init(
                name: "tenant",
                identity: [
                    CacheParameterDescriptor(name: "tenant_id", label: "tenantID", type: .string),
                ],
                keys: ["plan", "byEmail"],
                related: [],
                indexedRelated: []
            ),
        ],
        keys: [
            CacheKeyDescriptors.profile,
            CacheKeyDescriptors.flags,
            CacheKeyDescriptors.plan,
            CacheKeyDescriptors.byEmail,
        ]
    )
}
