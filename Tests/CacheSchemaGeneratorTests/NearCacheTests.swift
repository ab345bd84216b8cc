import Testing

@testable import CacheSchemaGenerator

/// Near caches: how a key's `near` and its TTL class's resolve, and what generated code says (the exact output is
/// `Snippets/near.cache.swift`).
@Suite struct NearCacheTests {
    static let schema = """
        version: 1
        ttl:
          user: 5m
          menu: { duration: 30m, jitter: 10%, near: { ttl: 1m, capacity: 1000 } }
        entities:
          restaurant:
            id: { restaurant_id: UUID }
            keys:
              inherits: { pattern: "restaurant:{restaurant_id}:a", ttl: menu }
              replaces: { pattern: "restaurant:{restaurant_id}:b", ttl: menu, near: { ttl: 10s, capacity: 5 } }
              turnsOff: { pattern: "restaurant:{restaurant_id}:c", ttl: menu, near: off }
              literal: { pattern: "restaurant:{restaurant_id}:d", ttl: 1m, near: { ttl: 1500ms, capacity: 1 } }
              schemaDefault: { pattern: "restaurant:{restaurant_id}:e", near: { ttl: 5m, capacity: 10000000 } }
              plain: { pattern: "restaurant:{restaurant_id}:f", ttl: user }

        """

    private func compile(_ source: String = schema) throws -> CompilationResult {
        let result = CacheSchemaCompiler.compile(source: source, file: "near.cache.yaml")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        return result
    }

    @Test func aKeysNearCacheReplacesItsClassesWhole() throws {
        let keys = try #require(try compile().schema?.keys)
        let byName = Dictionary(uniqueKeysWithValues: keys.map { ($0.name, $0.nearCache) })
        #expect(byName["inherits"] == NearCache(ttl: 60_000, capacity: 1000))
        #expect(byName["replaces"] == NearCache(ttl: 10_000, capacity: 5))
        #expect(byName["turnsOff"] == .some(nil))
        #expect(byName["literal"] == NearCache(ttl: 1500, capacity: 1))
        #expect(byName["schemaDefault"] == NearCache(ttl: 300_000, capacity: 10_000_000))
        #expect(byName["plain"] == .some(nil))
        // `near` is its own field: the class's jitter still reaches a key that turns the near cache off.
        #expect(keys.first { $0.name == "turnsOff" }?.freshness.jitterText == "10%")
    }

    @Test func theClassCarriesWhatItsKeysInherit() throws {
        let classes = try #require(try compile().schema?.ttlClasses)
        #expect(classes.map(\.nearCache) == [nil, NearCache(ttl: 60_000, capacity: 1000)])
        #expect(classes.last?.nearCache?.summary == "1m in process, up to 1000 values")
    }

    @Test func descriptorsGetANearCacheArgumentOnlyWhenTheKeyHasOne() throws {
        let swift = try #require(try compile().swiftSource)
        // The initializer that takes a near cache takes the freshness too, written even for plain expiry.
        #expect(swift.contains("""
                    invalidatedBy: ["restaurant"],
                    freshness: CacheFreshness(earlyRefresh: nil, staleWindow: nil, ttlJitter: 0.0),
                    nearCache: CacheNearCachePolicy(localTTL: .milliseconds(1500), capacity: 1)
                )
            """))
        #expect(swift.contains("""
                    freshness: CacheFreshness(earlyRefresh: nil, staleWindow: nil, ttlJitter: 0.1),
                    nearCache: CacheNearCachePolicy(localTTL: .seconds(10), capacity: 5)
                )
            """))
        // The key that turns it off keeps only its class's freshness.
        #expect(swift.contains("""
                    freshness: CacheFreshness(earlyRefresh: nil, staleWindow: nil, ttlJitter: 0.1)
                )
            """))
        #expect(swift.components(separatedBy: "nearCache: CacheNearCachePolicy(").count - 1 == 4)
        #expect(swift.contains("/// Near cache: 1m in process, up to 1000 values (`CacheNearCachePolicy`)."))
        #expect(swift.contains("/// `30m`. Its keys get jitter 10% and a near cache (1m in process, up to 1000 values) unless they say otherwise."))
    }

    /// Without `near`, a schema generates exactly what it did before near caches existed, fingerprint included: `off`
    /// on a key and on a class is the same as not writing it.
    @Test func offIsTheSameAsNoNearCache() throws {
        let plain = "version: 1\nttl:\n  user: 5m\nentities:\n  user:\n    id: { user_id: UUID }\n    keys:\n      user: { pattern: \"user:{user_id}\", ttl: user }\n"
        let classOff = plain.replacingOccurrences(of: "user: 5m", with: "user: { duration: 5m, near: off }")
        let keyOff = plain.replacingOccurrences(of: "ttl: user }", with: "ttl: user, near: off }")
        let expected = try #require(try compile(plain).swiftSource)
        #expect(!expected.contains("nearCache"))
        #expect(try compile(classOff).swiftSource == expected)
        #expect(try compile(keyOff).swiftSource == expected)
    }

    @Test func aNearCacheChangesTheFingerprint() throws {
        let plain = try #require(try compile("version: 1\nentities:\n  a:\n    keys:\n      a: { pattern: \"a\" }\n").schema)
        let near = try #require(try compile("version: 1\nentities:\n  a:\n    keys:\n      a: { pattern: \"a\", near: { ttl: 1m, capacity: 10 } }\n").schema)
        let larger = try #require(try compile("version: 1\nentities:\n  a:\n    keys:\n      a: { pattern: \"a\", near: { ttl: 1m, capacity: 20 } }\n").schema)
        let fingerprints = Set([plain, near, larger].map(SchemaFingerprint.compute))
        #expect(fingerprints.count == 3)
    }

    @Test func summariesCountValues() {
        #expect(NearCache(ttl: 1500, capacity: 1).summary == "1s500ms in process, up to 1 value")
        #expect(NearCache(ttl: 3_600_000, capacity: 2).summary == "1h in process, up to 2 values")
    }
}
