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
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in canonical.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16).leftPadded(to: 16)
    }
}
