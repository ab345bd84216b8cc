import Foundation
import Testing

@testable import CacheSchemaCore

/// `CacheKeyEncoding.alphabet(of:)` is what the generator's ambiguity and separator checks believe about encoded
/// values. Too narrow, and two patterns the generator accepts could produce the same key; too wide, and it would
/// refuse good schemas. These tests hold the statement to what `encode` really produces.
@Suite struct CacheKeyAlphabetTests {
    struct TenantID: LosslessStringConvertible {
        let raw: String
        init?(_ description: String) { raw = description }
        var description: String { raw }
    }

    static func randomString(using random: inout SystemRandomNumberGenerator) -> String {
        let length = Int.random(in: 0...16, using: &random)
        let characters = (0..<length).map { _ -> Character in
            switch Int.random(in: 0..<4, using: &random) {
            case 0: Character(Unicode.Scalar(UInt8.random(in: 0...127, using: &random)))
            case 1: [":", "*", "?", "[", "]", "\\", "{", "}", "%", "~", " ", "\n"].randomElement(using: &random)!
            case 2: Character(Unicode.Scalar(UInt32.random(in: 0xA0...0x10FFF, using: &random)) ?? "é")
            default: Character(Unicode.Scalar(UInt8.random(in: 97...122, using: &random)))
            }
        }
        return String(characters)
    }

    func expectWithin(_ encoded: String, _ type: CacheParameterType, _ value: @autoclosure () -> String) {
        let alphabet = CacheKeyEncoding.alphabet(of: type)
        for byte in encoded.utf8 where !alphabet.contains(byte) {
            Issue.record("encoding \(value()) as \(type) gave byte \(byte), outside the stated alphabet")
        }
    }

    @Test func randomStringsAndCustomValuesStayWithinTheStringAlphabet() throws {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let value = Self.randomString(using: &random)
            expectWithin(CacheKeyEncoding.encode(value), .string, value.debugDescription)
            let tenant = try #require(TenantID(value))
            expectWithin(CacheKeyEncoding.encode(tenant), .custom("TenantID"), value.debugDescription)
        }
        #expect(CacheKeyEncoding.alphabet(of: .custom("TenantID")) == CacheKeyEncoding.alphabet(of: .string))
    }

    @Test func randomIntsStayWithinTheIntAlphabet() {
        var random = SystemRandomNumberGenerator()
        let edges = [Int.min, Int.min + 1, -1, 0, 1, Int.max]
        for value in edges + (0..<5_000).map({ _ in Int.random(in: .min ... .max, using: &random) }) {
            expectWithin(CacheKeyEncoding.encode(value), .int, String(value))
        }
    }

    @Test func randomUUIDsStayWithinTheUUIDAlphabetAndLength() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            var bytes = [UInt8](repeating: 0, count: 16)
            for index in bytes.indices { bytes[index] = UInt8.random(in: .min ... .max, using: &random) }
            let uuid = UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                                   bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
            let encoded = CacheKeyEncoding.encode(uuid)
            expectWithin(encoded, .uuid, uuid.uuidString)
            #expect(encoded.utf8.count == 36)
        }
    }

    @Test func boolsStayWithinTheBoolAlphabet() {
        for value in [true, false] { expectWithin(CacheKeyEncoding.encode(value), .bool, String(value)) }
    }

    /// Every stated byte is one the encoder can produce, so that the generator refuses no schema needlessly.
    @Test func everyStatedByteIsProduced() {
        var string = Set<UInt8>()
        for byte in UInt8(0)...UInt8(127) { string.formUnion(CacheKeyEncoding.encode(String(UnicodeScalar(byte))).utf8) }
        string.formUnion(CacheKeyEncoding.encode("é日本😀\u{FF}").utf8)
        #expect(string == CacheKeyEncoding.alphabet(of: .string))

        let int = Set((-9...9).flatMap { CacheKeyEncoding.encode($0).utf8 })
        #expect(int == CacheKeyEncoding.alphabet(of: .int))

        let uuid = Set(CacheKeyEncoding.encode(UUID(uuidString: "01234567-89AB-CDEF-0123-456789ABCDEF")!).utf8)
        #expect(uuid == CacheKeyEncoding.alphabet(of: .uuid))

        let bool = Set((CacheKeyEncoding.encode(true) + CacheKeyEncoding.encode(false)).utf8)
        #expect(bool == CacheKeyEncoding.alphabet(of: .bool))
    }

    /// Only a value that can run on needs a separator after it: Int and String lengths vary, a UUID's never does,
    /// and neither `true` nor `false` is a prefix of the other.
    @Test func variableLengthMatchesTheEncoder() {
        #expect(CacheKeyEncoding.hasVariableLength(.string))
        #expect(CacheKeyEncoding.hasVariableLength(.custom("TenantID")))
        #expect(CacheKeyEncoding.hasVariableLength(.int))
        #expect(CacheKeyEncoding.encode(7).count != CacheKeyEncoding.encode(-70).count)
        #expect(!CacheKeyEncoding.hasVariableLength(.uuid))
        #expect(!CacheKeyEncoding.hasVariableLength(.bool))
        let (yes, no) = (CacheKeyEncoding.encode(true), CacheKeyEncoding.encode(false))
        #expect(!yes.hasPrefix(no) && !no.hasPrefix(yes))
    }
}
