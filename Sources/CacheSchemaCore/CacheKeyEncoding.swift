import Foundation

/// Turns parameter values into the text of a concrete Redis key.
///
/// The encoding is what makes concrete keys safe: no parameter value can produce another key's name, and no value can
/// widen an invalidation pattern, because an encoded value never contains a key separator (`:`), a glob character
/// (`*`, `?`, `[`, `]`, `\`), a Redis Cluster hash-tag brace (`{`, `}`), whitespace, a control character, or the
/// character `~` that the runtime reserves for its own keys.
///
/// - `String` (and any `LosslessStringConvertible` value, through its `description`): the text is normalised to
///   Unicode NFC (so that two strings Swift considers equal give the same key), then every UTF-8 byte outside
///   `A-Z a-z 0-9 - . _ @ +` is written as `%` followed by two upper-case hex digits. `a:b` becomes `a%3Ab`, `%`
///   becomes `%25`, `é` becomes `%C3%A9`, the empty string stays empty.
/// - `Int`: decimal, with a leading `-` when negative.
/// - `UUID`: the canonical lower-case form, `7c9e6679-7425-40de-944b-e07fc1f90ae7`.
/// - `Bool`: `true` or `false`.
///
/// The mapping is injective for each type: two different values of one type never share an encoding, so two
/// different parameter values never share a concrete key.
///
/// **Hash tags.** Every concrete key carries one Redis Cluster hash tag, `{…}`, that holds its owning instance's
/// identity (see `CacheKeyLayout`), so that an instance's keys, index set and generation marker share a slot.
/// Generated code builds each tag with ``hashTag(_:)``: `"{" + content + "}"`, except that empty content (an empty
/// `String` value) becomes `{%}`, because Redis hashes the whole key when the tag is `{}`. A lone `%` is never the
/// encoding of a value (`%` itself encodes as `%25`), so `{%}` cannot be confused with a value's tag. Since encoded
/// values never contain `{` or `}`, no value can open, close or move a tag.
public enum CacheKeyEncoding {
    /// The bytes a `String` value keeps as they are; every other byte is percent-encoded.
    public static let unescapedBytes: Set<UInt8> = Set(
        Array(UInt8(ascii: "A")...UInt8(ascii: "Z")) + Array(UInt8(ascii: "a")...UInt8(ascii: "z"))
            + Array(UInt8(ascii: "0")...UInt8(ascii: "9"))
            + [UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "@"), UInt8(ascii: "+")]
    )

    /// A 256-entry table: `true` where a byte is kept as it is.
    private static let keepTable: [Bool] = (0...255).map { unescapedBytes.contains(UInt8($0)) }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// The bytes an encoded value of `type` can contain.
    ///
    /// The generator's checks rely on it: a literal after a placeholder must be a byte its value can never contain
    /// (so that every concrete key has one reading), and two patterns are ambiguous when their values' bytes can
    /// spell the same key. Tests check it against what the `encode` functions produce.
    public static func alphabet(of type: CacheParameterType) -> Set<UInt8> {
        switch type {
        case .string, .custom: stringAlphabet
        case .int: intAlphabet
        case .uuid: uuidAlphabet
        case .bool: boolAlphabet
        }
    }

    /// Whether an encoded value of `type` can run on, so that where it ends depends on what follows: true for
    /// `String` and `Int`; false for a `UUID` (always 36 characters) and a `Bool` (`true` or `false`, neither a prefix
    /// of the other).
    public static func hasVariableLength(_ type: CacheParameterType) -> Bool {
        switch type {
        case .string, .custom, .int: true
        case .uuid, .bool: false
        }
    }

    /// Kept bytes, and `%` with the hex digits of an escape.
    private static let stringAlphabet: Set<UInt8> = unescapedBytes.union([UInt8(ascii: "%")]).union(hexDigits)
    /// `String(Int)`: decimal digits and a leading `-`.
    private static let intAlphabet: Set<UInt8> = Set("-0123456789".utf8)
    /// `uuidString.lowercased()`: lower-case hex digits and `-`.
    private static let uuidAlphabet: Set<UInt8> = Set("-0123456789abcdef".utf8)
    private static let boolAlphabet: Set<UInt8> = Set((encode(true) + encode(false)).utf8)

    /// Encodes a string value; see the type's documentation for the exact rules.
    public static func encode(_ value: String) -> String {
        var needsEscaping = false
        var isASCII = true
        for byte in value.utf8 {
            if byte >= 0x80 { isASCII = false }
            if !keepTable[Int(byte)] { needsEscaping = true }
        }
        if !needsEscaping { return value }
        // Only non-ASCII text can change under NFC; skip the Foundation call for the common case.
        let normalized = isASCII ? value : value.precomposedStringWithCanonicalMapping
        var bytes: [UInt8] = []
        bytes.reserveCapacity(normalized.utf8.count * 3)
        for byte in normalized.utf8 {
            if keepTable[Int(byte)] {
                bytes.append(byte)
            } else {
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Encodes an integer in decimal.
    @inlinable
    public static func encode(_ value: Int) -> String {
        String(value)
    }

    /// Encodes a UUID in its canonical lower-case form.
    @inlinable
    public static func encode(_ value: UUID) -> String {
        value.uuidString.lowercased()
    }

    /// Encodes a Boolean as `true` or `false`.
    @inlinable
    public static func encode(_ value: Bool) -> String {
        value ? "true" : "false"
    }

    /// Encodes any other `LosslessStringConvertible` value by escaping its `description` like a `String`.
    ///
    /// Schema parameter types that the consuming module declares (for example `Tenant.ID`) go through this path, so
    /// they must be `LosslessStringConvertible`, and their `description` must be stable across releases: it is part
    /// of the concrete key.
    @inlinable
    public static func encode<Value: LosslessStringConvertible>(_ value: Value) -> String {
        encode(value.description)
    }

    /// The Redis Cluster hash tag around `content` (encoded values, and literal text between them): `"{" + content +
    /// "}"`, or `"{%}"` when `content` is empty, so that a key never carries the empty tag `{}` (with which Redis
    /// hashes the whole key, and the key would leave its instance's slot).
    ///
    /// `content` must contain no `{` or `}`; encoded values and pattern literals never do.
    @inlinable
    public static func hashTag(_ content: String) -> String {
        "{" + hashTagContent(content) + "}"
    }

    /// The text between the braces of ``hashTag(_:)``: `content`, or `"%"` when it is empty. It is what
    /// `CacheEntityInstance.hashTag` holds.
    @inlinable
    public static func hashTagContent(_ content: String) -> String {
        content.isEmpty ? emptyHashTagContent : content
    }

    /// What stands between the braces of the tag of an empty value: `%`, which no encoded value is on its own.
    public static let emptyHashTagContent = "%"

    /// Decodes a percent-encoded string value back into its text, or `nil` when the text is not a valid encoding.
    ///
    /// Used by tools that read concrete keys back (the CLI's `inspect`); generated code never needs it.
    public static func decodeString(_ encoded: String) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encoded.utf8.count)
        var iterator = encoded.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            } else if keepTable[Int(byte)] {
                bytes.append(byte)
            } else {
                return nil
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
