import CacheSchemaCore
import Foundation

extension KeyClassifier {
    /// How the text of one encoded parameter value is recognised: exactly what `CacheKeyEncoding.encode` of its type
    /// can produce, no more, so that a key formatted by hand (an upper-case UUID, `007`, a raw `:`) does not pass.
    enum ValueKind: Sendable, Hashable {
        /// `String` and custom `LosslessStringConvertible` types: kept bytes and `%XX` escapes of the others.
        case string
        /// Decimal, no leading zero or `+`, within `Int`'s range.
        case int
        /// Canonical lower-case, 36 characters.
        case uuid
        /// `true` or `false`.
        case bool

        init(_ type: CacheParameterType) {
            switch type {
            case .string, .custom: self = .string
            case .int: self = .int
            case .uuid: self = .uuid
            case .bool: self = .bool
            }
        }

        /// The lengths a value can have, or `nil` when it can run on.
        var fixedLength: [Int]? {
            switch self {
            case .string, .int: nil
            case .uuid: [36]
            case .bool: [4, 5]
            }
        }

        /// Whether a byte can appear in a value: the alphabet, for finding where a variable-length value ends.
        func mayContain(_ byte: UInt8) -> Bool {
            switch self {
            case .string: Self.isKept(byte) || byte == UInt8(ascii: "%")
            case .int: Self.isDigit(byte) || byte == UInt8(ascii: "-")
            case .uuid: Self.isLowerHex(byte) || byte == UInt8(ascii: "-")
            case .bool: byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")
            }
        }

        /// Whether `key[range]` is a value the encoder of this type produces.
        func accepts(_ key: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
            switch self {
            case .string: Self.isEncodedString(key, range)
            case .int: Self.isEncodedInt(key, range)
            case .uuid: Self.isEncodedUUID(key, range)
            case .bool: Self.equals(key, range, "true") || Self.equals(key, range, "false")
            }
        }

        /// The bytes `CacheKeyEncoding.encode(_: String)` keeps as they are (`CacheKeyEncoding.unescapedBytes`),
        /// as a comparison rather than a set lookup: it runs for every byte of every scanned key.
        static func isKept(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "@"), UInt8(ascii: "+"):
                true
            default:
                false
            }
        }

        private static func isDigit(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }

        private static func isLowerHex(_ byte: UInt8) -> Bool {
            isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
        }

        /// The value of an upper-case hex digit (the encoder writes no other), or `nil`.
        private static func upperHexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }

        private static func equals(_ key: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ text: StaticString) -> Bool {
            guard range.count == text.utf8CodeUnitCount else { return false }
            let bytes = text.utf8Start
            for offset in 0..<range.count where key[range.lowerBound + offset] != bytes[offset] { return false }
            return true
        }

        /// Kept bytes as they are; every other byte as `%` and two upper-case hex digits, never a kept byte escaped;
        /// the escaped bytes valid UTF-8 in NFC (the encoder normalises first). Empty is a value (the empty string).
        private static func isEncodedString(_ key: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
            var index = range.lowerBound
            var hasNonASCII = false
            while index < range.upperBound {
                let byte = key[index]
                if isKept(byte) {
                    index += 1
                    continue
                }
                guard byte == UInt8(ascii: "%"), range.upperBound - index >= 3,
                    let high = upperHexValue(key[index + 1]), let low = upperHexValue(key[index + 2])
                else { return false }
                let decoded = high << 4 | low
                if isKept(decoded) { return false }
                if decoded >= 0x80 { hasNonASCII = true }
                index += 3
            }
            // Only text with non-ASCII bytes can be invalid UTF-8 or not in NFC; the rare slow path allocates.
            return !hasNonASCII || isNormalizedUTF8(decoding: key, range)
        }

        /// Whether the escaped text decodes to valid UTF-8 that NFC leaves unchanged.
        private static func isNormalizedUTF8(decoding key: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(range.count)
            var index = range.lowerBound
            while index < range.upperBound {
                if key[index] == UInt8(ascii: "%"), let high = upperHexValue(key[index + 1]), let low = upperHexValue(key[index + 2]) {
                    bytes.append(high << 4 | low)
                    index += 3
                } else {
                    bytes.append(key[index])
                    index += 1
                }
            }
            guard let text = String(validating: bytes, as: UTF8.self) else { return false }
            return text.precomposedStringWithCanonicalMapping.utf8.elementsEqual(bytes)
        }

        /// `String(Int)`: an optional `-`, then `0` alone or digits without a leading zero (never `-0`), within
        /// `Int.min...Int.max`.
        private static func isEncodedInt(_ key: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
            var start = range.lowerBound
            let negative = start < range.upperBound && key[start] == UInt8(ascii: "-")
            if negative { start += 1 }
            let digits = range.upperBound - start
            guard digits > 0 else { return false }
            for index in start..<range.upperBound where !isDigit(key[index]) { return false }
            if key[start] == UInt8(ascii: "0") { return digits == 1 && !negative }
            let limit: StaticString = negative ? "9223372036854775808" : "9223372036854775807"
            if digits != limit.utf8CodeUnitCount { return digits < limit.utf8CodeUnitCount }
            // Same length: compare digit by digit.
            let bytes = limit.utf8Start
            for offset in 0..<digits where key[start + offset] != bytes[offset] {
                return key[start + offset] < bytes[offset]
            }
            return true
        }

        /// `uuidString.lowercased()`: 8-4-4-4-12 lower-case hex digits.
        private static func isEncodedUUID(_ key: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
            guard range.count == 36 else { return false }
            for offset in 0..<36 {
                let byte = key[range.lowerBound + offset]
                switch offset {
                case 8, 13, 18, 23: guard byte == UInt8(ascii: "-") else { return false }
                default: guard isLowerHex(byte) else { return false }
                }
            }
            return true
        }
    }
}
