import CacheSchemaCore

/// A stable 64-bit FNV-1a fingerprint of what a schema means for stored data: namespace, key names, patterns,
/// parameter types, TTLs and value types. Comments and formatting do not change it.
enum SchemaFingerprint {
    static func compute(_ schema: Schema) -> String {
        var canonical = "v\(schema.version)|ns=\(schema.namespace ?? "")\n"
        for entity in schema.entities {
            canonical += "entity \(entity.name)(\(entity.identity.map { "\($0.name):\($0.type)" }.joined(separator: ",")))"
            canonical += " related=\(entity.related.map(\.text).joined(separator: ","))\n"
            for key in entity.keys {
                canonical += "key \(key.name) \(key.pattern.text) (\(key.parameters.map { "\($0.name):\($0.type)" }.joined(separator: ",")))"
                canonical += " ttl=\(key.ttl.milliseconds) value=\(key.valueType ?? "")\n"
            }
        }
        return String(FNV1a.hash64(canonical.utf8), radix: 16).leftPadded(to: 16)
    }
}
