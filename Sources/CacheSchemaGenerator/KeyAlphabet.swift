import CacheSchemaCore

/// The bytes an encoded parameter value can contain, by type, as ``CharacterSet128``s for the ambiguity analysis.
/// The sets themselves are stated once, by `CacheKeyEncoding.alphabet(of:)`, next to the encoder.
enum KeyAlphabet {
    /// Bytes of an encoded `String` (and custom type) value.
    static let string = valueAlphabet(of: .string)
    /// Bytes of an encoded `Int`.
    static let int = valueAlphabet(of: .int)
    /// Bytes of an encoded `UUID`.
    static let uuid = valueAlphabet(of: .uuid)
    /// Any byte a Redis glob `*` or `?` can match, restricted to what schema keys can contain (ASCII).
    static let any = CharacterSet128.all

    static func valueAlphabet(of type: CacheParameterType) -> CharacterSet128 {
        CharacterSet128(CacheKeyEncoding.alphabet(of: type))
    }

    static func isVariableLength(_ type: CacheParameterType) -> Bool {
        CacheKeyEncoding.hasVariableLength(type)
    }

    /// The literal characters that can end a value of this type, for messages.
    static func separators(for type: CacheParameterType) -> String {
        let alphabet = valueAlphabet(of: type)
        let candidates = [":", "/", ",", "=", "#", "_", ".", "@", "+"]
        return candidates.filter { !alphabet.contains(UInt8(ascii: Unicode.Scalar($0)!)) }.map { "'\($0)'" }.joined(separator: ", ")
    }
}

/// A set of ASCII bytes as two 64-bit words.
struct CharacterSet128: Hashable, Sendable {
    var low: UInt64
    var high: UInt64

    static let empty = CharacterSet128(low: 0, high: 0)
    static let all = CharacterSet128(low: ~0, high: ~0)

    init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    init(ascii: String) {
        self = .empty
        for byte in ascii.utf8 { insert(byte) }
    }

    /// The ASCII members of `bytes`.
    init(_ bytes: some Sequence<UInt8>) {
        self = .empty
        for byte in bytes { insert(byte) }
    }

    init(byte: UInt8) {
        self = .empty
        insert(byte)
    }

    mutating func insert(_ byte: UInt8) {
        guard byte < 128 else { return }
        if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte - 64) }
    }

    func contains(_ byte: UInt8) -> Bool {
        guard byte < 128 else { return false }
        return byte < 64 ? low & (1 << UInt64(byte)) != 0 : high & (1 << UInt64(byte - 64)) != 0
    }

    func intersection(_ other: CharacterSet128) -> CharacterSet128 {
        CharacterSet128(low: low & other.low, high: high & other.high)
    }

    func subtracting(_ other: CharacterSet128) -> CharacterSet128 {
        CharacterSet128(low: low & ~other.low, high: high & ~other.high)
    }

    var isEmpty: Bool { low == 0 && high == 0 }

    /// A readable member for example keys: lower-case letters first, then digits, upper-case, punctuation.
    var representative: UInt8? {
        // Each tier is the lowest set bit of a mask over the two words.
        let lowerCase = high & (((1 << 26) - 1) << 33)  // a-z: 97...122
        if lowerCase != 0 { return UInt8(64 + lowerCase.trailingZeroBitCount) }
        let digits = low & (((1 << 10) - 1) << 48)  // 0-9: 48...57
        if digits != 0 { return UInt8(digits.trailingZeroBitCount) }
        let upperCase = high & (((1 << 26) - 1) << 1)  // A-Z: 65...90
        if upperCase != 0 { return UInt8(64 + upperCase.trailingZeroBitCount) }
        let printableLow = low & ~((1 << 33) - 1)  // 33...63
        if printableLow != 0 { return UInt8(printableLow.trailingZeroBitCount) }
        let printableHigh = high & ((1 << 63) - 1)  // 64...126
        if printableHigh != 0 { return UInt8(64 + printableHigh.trailingZeroBitCount) }
        if low != 0 { return UInt8(low.trailingZeroBitCount) }
        if high != 0 { return UInt8(64 + high.trailingZeroBitCount) }
        return nil
    }
}
