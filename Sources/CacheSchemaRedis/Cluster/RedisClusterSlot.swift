/// Redis Cluster's hash slots: which of the 16,384 slots a key belongs to.
///
/// The slot is CRC16 (XMODEM: polynomial 0x1021, initial value 0, no reflection) of the key mod 16384; when the key
/// contains a `{` followed later by a `}` with at least one byte between them, only those bytes (the first such hash
/// tag) are hashed, so keys that share a tag share a slot. An empty tag (`{}`) does not count: the whole key is hashed.
public enum RedisClusterSlot {
    /// How many slots a cluster has.
    public static let count = 16_384

    /// The slot of a key given as text (its UTF-8 bytes are hashed).
    public static func of(_ key: String) -> Int {
        var key = key
        return key.withUTF8 { of(bytes: $0) }
    }

    /// The slot of a key given as bytes.
    public static func of<Bytes: Collection<UInt8>>(bytes key: Bytes) -> Int {
        Int(crc16(hashed(key)) % UInt16(count))
    }

    /// The text of a key's hash tag (between its first `{` and the next `}`), or `nil` when it has none or an
    /// empty one: what decides the slot when present.
    public static func hashTag(of key: String) -> Substring? {
        tagRange(in: key.utf8).map { Substring(key.utf8[$0]) }
    }

    /// The part of the key that is hashed: the first non-empty hash tag, or the whole key.
    static func hashed<Bytes: Collection<UInt8>>(_ key: Bytes) -> Bytes.SubSequence {
        tagRange(in: key).map { key[$0] } ?? key[...]
    }

    /// Where the first non-empty hash tag's text lies, braces excluded.
    private static func tagRange<Bytes: Collection<UInt8>>(in key: Bytes) -> Range<Bytes.Index>? {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")) else { return nil }
        let afterOpen = key.index(after: open)
        guard let close = key[afterOpen...].firstIndex(of: UInt8(ascii: "}")), close != afterOpen else { return nil }
        return afterOpen..<close
    }

    /// CRC16-XMODEM, a byte at a time through a 256-entry table.
    static func crc16<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
        }
        return crc
    }

    private static let table: [UInt16] = (0..<256).map { index in
        var crc = UInt16(index) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }
}
