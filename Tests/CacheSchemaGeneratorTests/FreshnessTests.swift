import Testing

@testable import CacheSchemaGenerator

/// Early refresh, stale windows and jitter: how a key's fields and its TTL class's resolve, and what generated code
/// says (the exact output is `Snippets/freshness.cache.swift`).
@Suite struct FreshnessTests {
    static let schema = """
        version: 1
        ttl:
          user: 5m
          menu: { duration: 30m, early: 1, stale: 5m, jitter: 10% }
        entities:
          restaurant:
            id: { restaurant_id: UUID }
            keys:
              inherits: { pattern: "restaurant:{restaurant_id}:a", ttl: menu }
              overrides: { pattern: "restaurant:{restaurant_id}:b", ttl: menu, early: 2.5, jitter: 0.25% }
              turnsOff: { pattern: "restaurant:{restaurant_id}:c", ttl: menu, early: off, stale: off, jitter: off }
              literal: { pattern: "restaurant:{restaurant_id}:d", ttl: 1m, stale: 30s }
              schemaDefault: { pattern: "restaurant:{restaurant_id}:e", jitter: 50% }
              plainClass: { pattern: "restaurant:{restaurant_id}:f", ttl: user, early: 0.125 }
              plain: { pattern: "restaurant:{restaurant_id}:g", ttl: user }

        """

    private func compile(_ source: String = schema) throws -> CompilationResult {
        let result = CacheSchemaCompiler.compile(source: source, file: "fresh.cache.yaml")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        return result
    }

    @Test func aKeysOwnFieldsOverrideItsClassesAndTheOthersComeFromTheClass() throws {
        let keys = try #require(try compile().schema?.keys)
        let byName = Dictionary(uniqueKeysWithValues: keys.map { ($0.name, $0.freshness) })
        #expect(byName["inherits"] == Freshness(earlyRefreshThousandths: 1000, staleWindow: 300_000, jitterBasisPoints: 1000))
        #expect(byName["overrides"] == Freshness(earlyRefreshThousandths: 2500, staleWindow: 300_000, jitterBasisPoints: 25))
        #expect(byName["turnsOff"] == Freshness.none)
        #expect(byName["literal"] == Freshness(earlyRefreshThousandths: nil, staleWindow: 30_000, jitterBasisPoints: 0))
        #expect(byName["schemaDefault"] == Freshness(earlyRefreshThousandths: nil, staleWindow: nil, jitterBasisPoints: 5000))
        #expect(byName["plainClass"] == Freshness(earlyRefreshThousandths: 125, staleWindow: nil, jitterBasisPoints: 0))
        #expect(byName["plain"] == Freshness.none)
    }

    @Test func theClassCarriesWhatItsKeysInherit() throws {
        let classes = try #require(try compile().schema?.ttlClasses)
        #expect(classes.map(\.written) == ["5m", "30m"])
        #expect(classes.map(\.duration) == [300_000, 1_800_000])
        #expect(classes.map(\.freshness.summary) == [nil, "early refresh β 1, stale 5m, jitter 10%"])
    }

    @Test func descriptorsGetAFreshnessArgumentOnlyWhenTheKeyHasOne() throws {
        let swift = try #require(try compile().swiftSource)
        #expect(swift.contains("""
                    invalidatedBy: ["restaurant"],
                    freshness: CacheFreshness(earlyRefresh: 2.5, staleWindow: .seconds(300), ttlJitter: 0.0025)
                )
            """))
        #expect(swift.contains("freshness: CacheFreshness(earlyRefresh: nil, staleWindow: .seconds(30), ttlJitter: 0.0)"))
        #expect(swift.contains("freshness: CacheFreshness(earlyRefresh: nil, staleWindow: nil, ttlJitter: 0.5)"))
        #expect(swift.contains("freshness: CacheFreshness(earlyRefresh: 0.125, staleWindow: nil, ttlJitter: 0.0)"))
        #expect(swift.components(separatedBy: "freshness: CacheFreshness(").count - 1 == 5)
        #expect(swift.contains("/// Freshness: early refresh β 2.5, stale 5m, jitter 0.25% (`CacheFreshness`)."))
    }

    /// Without freshness fields, a schema generates exactly what it did before they existed: the mapping form of a
    /// TTL class with only `duration` is the plain form, fingerprint included.
    @Test func aMappingWithOnlyADurationIsThePlainForm() throws {
        let plain = "version: 1\nttl:\n  user: 5m\nentities:\n  user:\n    id: { user_id: UUID }\n    keys:\n      user: { pattern: \"user:{user_id}\", ttl: user }\n"
        let mapping = plain.replacingOccurrences(of: "user: 5m", with: "user: { duration: 5m }")
        let offs = mapping.replacingOccurrences(of: "ttl: user }", with: "ttl: user, early: off, stale: off, jitter: 0% }")
        let expected = try #require(try compile(plain).swiftSource)
        #expect(!expected.contains("freshness"))
        #expect(try compile(mapping).swiftSource == expected)
        #expect(try compile(offs).swiftSource == expected)
    }

    @Test func freshnessChangesTheFingerprint() throws {
        let plain = try #require(try compile("version: 1\nentities:\n  a:\n    keys:\n      a: { pattern: \"a\" }\n").schema)
        let fresh = try #require(try compile("version: 1\nentities:\n  a:\n    keys:\n      a: { pattern: \"a\", jitter: 5% }\n").schema)
        #expect(SchemaFingerprint.compute(plain) != SchemaFingerprint.compute(fresh))
    }

    @Test(arguments: [
        ("1", 3, 1000), ("1.5", 3, 1500), ("0.125", 3, 125), ("007", 3, 7000), ("2.5", 2, 250), ("50", 2, 5000), ("0", 2, 0),
    ])
    func decimalLiteralsKeepTheWrittenValue(_ text: String, _ digits: Int, _ units: Int) {
        #expect(DecimalLiteral.parse(text, fractionDigits: digits) == .success(units))
    }

    @Test(arguments: ["", ".5", "5.", "1e3", "-1", "+1", "1_000", "١", "1.2.3", " 1"])
    func decimalLiteralsRefuseWhatDoesNotReadLikeANumber(_ text: String) {
        #expect(DecimalLiteral.parse(text, fractionDigits: 3) == .failure(.malformed))
    }

    @Test func decimalLiteralsFormatShortest() {
        #expect(DecimalLiteral.format(1000, fractionDigits: 3) == "1")
        #expect(DecimalLiteral.format(1500, fractionDigits: 3) == "1.5")
        #expect(DecimalLiteral.format(125, fractionDigits: 3) == "0.125")
        #expect(DecimalLiteral.format(5, fractionDigits: 2) == "0.05")
        #expect(DecimalLiteral.parse("1.2345", fractionDigits: 3) == .failure(.tooPrecise))
    }
}
