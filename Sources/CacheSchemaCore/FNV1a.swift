/// The 64-bit FNV-1a hash: small, fast, and the same on every platform and in every process.
///
/// Its values are stored: in the schema fingerprint that generated code carries, and in the value envelope's type
/// fingerprint in Redis. Changing the constants or the byte order would turn every stored value into a miss and every
/// schema into a "changed" one, so they are fixed.
public enum FNV1a {
    /// The FNV-1a 64-bit offset basis.
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    /// The FNV-1a 64-bit prime.
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// The 64-bit FNV-1a hash of `bytes` (for text, pass its `utf8` view).
    public static func hash64(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash = offsetBasis
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* prime
        }
        return hash
    }
}
