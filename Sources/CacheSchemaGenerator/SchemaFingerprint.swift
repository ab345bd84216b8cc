import CacheSchemaCore

/// A stable 64-bit FNV-1a fingerprint of what a schema means for stored data: namespace, key names, patterns,
/// parameter types, TTLs, freshness (early refresh, stale window, jitter), near caches, value types and the key layout
/// version. Comments and formatting do not change it.
enum SchemaFingerprint {
    /// The version of the rule that turns patterns into key text: 2 since every key carries a hash tag
    /// (`CacheKeyLayout`). No release wrote layout 1, so the fingerprint names only the one in use; a change of
    /// layout changes every key's text, and so the fingerprint.
    static let keyLayoutVersion = 2

    static func compute(_ schema: Schema) -> String {
        var canonical = "v\(schema.version)|ns=\(schema.namespace ?? "")|layout=\(keyLayoutVersion)\n"
        for entity in schema.entities {
            canonical += "entity \(entity.name)(\(entity.identity.map { "\($0.name):\($0.type)" }.joined(separator: ",")))"
            canonical += " related=\(entity.related.map(\.text).joined(separator: ","))\n"
            for key in entity.keys {
                canonical += "key \(key.name) \(key.pattern.text) (\(key.parameters.map { "\($0.name):\($0.type)" }.joined(separator: ",")))"
                canonical += " ttl=\(key.ttl.milliseconds) value=\(key.valueType ?? "")"
                // Written only when declared, so that the fingerprints of schemas without freshness or near caches stay as they were.
                if !key.freshness.isNone {
                    let freshness = key.freshness
                    canonical += " early=\(freshness.earlyRefreshThousandths ?? 0) stale=\(freshness.staleWindow ?? 0) jitter=\(freshness.jitterBasisPoints)"
                }
                if let nearCache = key.nearCache {
                    canonical += " near=\(nearCache.ttl)/\(nearCache.capacity)"
                }
                canonical += "\n"
            }
        }
        return String(FNV1a.hash64(canonical.utf8), radix: 16).leftPadded(to: 16)
    }
}
