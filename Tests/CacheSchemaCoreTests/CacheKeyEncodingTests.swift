import Foundation
import Testing

@testable import CacheSchemaCore

/// The exact encoding documented in `CacheKeyEncoding` and in the README.
@Suite struct CacheKeyEncodingTests {
    @Test(arguments: [
        ("plain", "plain"),
        ("a.b+tag@example.com", "a.b+tag@example.com"),
        ("a:b", "a%3Ab"),
        ("*", "%2A"),
        ("?", "%3F"),
        ("[a-z]", "%5Ba-z%5D"),
        ("\\", "%5C"),
        ("{x}", "%7Bx%7D"),
        ("%", "%25"),
        ("line\nbreak", "line%0Abreak"),
        ("tab\there", "tab%09here"),
        (" ", "%20"),
        ("", ""),
        ("~", "%7E"),
        ("é", "%C3%A9"),
        ("日本", "%E6%97%A5%E6%9C%AC"),
    ])
    func stringEncoding(input: String, expected: String) {
        #expect(CacheKeyEncoding.encode(input) == expected)
    }

    @Test func canonicallyEquivalentStringsShareAKey() {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(composed == decomposed)
        #expect(CacheKeyEncoding.encode(composed) == CacheKeyEncoding.encode(decomposed))
    }

    @Test func otherTypes() throws {
        let uuid = try #require(UUID(uuidString: "7C9E6679-7425-40DE-944B-E07FC1F90AE7"))
        #expect(CacheKeyEncoding.encode(uuid) == "7c9e6679-7425-40de-944b-e07fc1f90ae7")
        #expect(CacheKeyEncoding.encode(42) == "42")
        #expect(CacheKeyEncoding.encode(-7) == "-7")
        #expect(CacheKeyEncoding.encode(Int.min) == "-9223372036854775808")
        #expect(CacheKeyEncoding.encode(true) == "true")
        #expect(CacheKeyEncoding.encode(false) == "false")
    }

    struct TenantID: LosslessStringConvertible {
        let raw: String
        init?(_ description: String) { raw = description }
        var description: String { raw }
    }

    @Test func losslessStringConvertibleGoesThroughStringEscaping() throws {
        let tenant = try #require(TenantID("acme:eu*"))
        #expect(CacheKeyEncoding.encode(tenant) == "acme%3Aeu%2A")
    }

    @Test func roundTripsAndIsInjective() {
        var generator = SystemRandomNumberGenerator()
        var seen: [String: String] = [:]
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...12, using: &generator)
            let scalars = (0..<length).map { _ -> Character in
                let pick = Int.random(in: 0..<4, using: &generator)
                switch pick {
                case 0: return Character(Unicode.Scalar(UInt8.random(in: 0...127, using: &generator)))
                case 1: return ["%", ":", "*", "~", "\\", "{", "}"].randomElement(using: &generator)!
                case 2: return Character(Unicode.Scalar(UInt32.random(in: 0xA0...0x2FF, using: &generator))!)
                default: return Character(Unicode.Scalar(UInt8.random(in: 97...122, using: &generator)))
                }
            }
            let value = String(scalars)
            let encoded = CacheKeyEncoding.encode(value)
            #expect(CacheKeyEncoding.decodeString(encoded) == value.precomposedStringWithCanonicalMapping)
            if let previous = seen[encoded] {
                #expect(previous == value, "two different values share the encoding \(encoded)")
            }
            seen[encoded] = value
        }
    }

    @Test func decodeRejectsInvalidText() {
        #expect(CacheKeyEncoding.decodeString("a%3") == nil)
        #expect(CacheKeyEncoding.decodeString("a%zz") == nil)
        #expect(CacheKeyEncoding.decodeString("a:b") == nil)
        #expect(CacheKeyEncoding.decodeString("%FF") == nil)
    }

    @Test func encodedValuesNeverContainSeparatorsGlobsOrBraces() {
        let forbidden = Set(":*?[]\\{}~ \t\r\n".utf8)
        let hostile = ["a:b", "*", "?", "[a-z]", "\\", "{x}", "%", "\n", "", "ünï", String(repeating: "*:", count: 500_000)]
        for value in hostile {
            let encoded = CacheKeyEncoding.encode(value)
            #expect(!encoded.utf8.contains { forbidden.contains($0) || $0 < 0x20 || $0 >= 0x7F })
        }
    }
}
