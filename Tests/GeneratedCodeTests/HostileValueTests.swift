import CacheRuntime
import Foundation
import RedisTestSupport
import Testing

/// Parameter values chosen to break keys: separators, glob characters, escapes, hash-tag braces, the escape
/// character itself, control characters, non-ASCII text and a very long value.
@Suite("Hostile parameter values")
struct HostileValueTests {
    static let hostileValues: [String] = [
        "a:b", ":", "::", "*", "?", "[a-z]", "[", "]", "\\", "\\*", "{x}", "{", "}", "%", "%25", "%3A", "a%3Ab", "\n",
        "\r\n", "\t", " ", "\u{0}", "\u{7F}", "", "é", "e\u{301}", "日本語", "😀", "\u{FEFF}", "\u{202E}", "~", "~idx",
        "ada@example.com", "a+b", "7c9e6679-7425-40de-944b-e07fc1f90ae7", "7c9e6679-7425-40de-944b-e07fc1f90ae7:*",
        "x:menu", "../user", "shop:user:7c9e6679-7425-40de-944b-e07fc1f90ae7", "*:*", "user:{user_id}",
        String(repeating: "a", count: 1 << 20),
        String(repeating: "*:", count: 1 << 19),
    ]

    /// Bytes an encoded value may contain: the kept set and the `%XX` escapes.
    static let encodedAlphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._@+%".utf8)

    private func emailKey(_ email: String) -> CacheKey<UserDTO> {
        CacheKeys.userByEmail(email: email, as: UserDTO.self)
    }

    @Test("an encoded value stays inside its key: no separator, glob, brace, whitespace or control byte")
    func encodedValueIsConfined() {
        // The key has no owner, so its hash tag wraps its one value: `shop:user:email:{<email>}`.
        let prefix = "shop:user:email:{"
        for email in Self.hostileValues {
            let raw = emailKey(email).rawValue
            #expect(raw.hasPrefix(prefix) && raw.hasSuffix("}"))
            let part = raw.dropFirst(prefix.count).dropLast()
            #expect(part.utf8.allSatisfy { Self.encodedAlphabet.contains($0) }, "\(part.prefix(80))")
            // The encoding is reversible (up to Unicode canonical equivalence, which Swift's == already ignores); the
            // empty value's tag is `{%}`, which no other value gives.
            #expect(CacheKeyEncoding.decodeString(String(part)) == (email.isEmpty ? nil : email))
        }
        #expect(emailKey("a:b").rawValue == "shop:user:email:{a%3Ab}")
        #expect(emailKey("%").rawValue == "shop:user:email:{%25}")
        #expect(emailKey("").rawValue == "shop:user:email:{%}")
        #expect(emailKey("é").rawValue == "shop:user:email:{%C3%A9}")
        #expect(emailKey("\n").rawValue == "shop:user:email:{%0A}")
        #expect(emailKey("{x}").rawValue == "shop:user:email:{%7Bx%7D}")
    }

    @Test("different values give different keys; canonically equal strings give one key")
    func injective() {
        // A Set of Strings merges canonically equivalent strings ("é" and "e\u{301}"), as the key encoding does.
        let values = Set(Self.hostileValues)
        let keys = Set(values.map { emailKey($0).rawValue })
        #expect(keys.count == values.count)
        #expect(emailKey("é") == emailKey("e\u{301}"))
        #expect(emailKey("a:b") != emailKey("a%3Ab"))
        #expect(emailKey("%") != emailKey("%25"))
    }

    @Test("no hostile value produces another key, or a key that another key's invalidation removes")
    func noCollisionNoCapture() {
        let otherKeys = Set(Fixtures.allKeys.filter { $0.name != "userByEmail" }.map(\.rawValue))
        let invalidations = Fixtures.identities.flatMap { id in EntityCase.all.map { $0.generated(id) } }
        for email in Self.hostileValues {
            let key = emailKey(email).rawValue
            #expect(!otherKeys.contains(key))
            for invalidation in invalidations {
                #expect(!invalidation.keys.contains { $0.rawValue == key })
                for pattern in invalidation.patterns {
                    #expect(!RedisGlob.matches(pattern.glob, key), "\(pattern.glob) matches \(key.prefix(80))")
                }
            }
        }
    }

    @Test("a hostile value used as a key of another family's parameter still gives a key of its own family")
    func keysStayInTheirFamily() {
        // Every key of another family, checked against the glob of "every user-by-e-mail key": none matches, so no
        // value can make a user-by-e-mail key look like one of them or the reverse.
        for key in Fixtures.allKeys where key.name != "userByEmail" {
            #expect(!RedisGlob.matches("shop:user:email:*", key.rawValue), "\(key.rawValue)")
        }
    }

    @Test("a String identity with hostile values never widens the generic path's globs")
    func genericPathEscapesStringIdentity() throws {
        // The reference schema's identities are all UUIDs; this description adds an entity whose identity is a String,
        // as a consumer's schema may, to put hostile text through the generic path.
        let tenantID = CacheParameterDescriptor(name: "tenant_id", label: "tenantID", type: .string)
        let config = CacheKeyDescriptor(
            name: "tenantConfig", entity: "tenant", pattern: "tenant:{tenant_id}:config", namespace: "shop",
            parameters: [tenantID], ttl: .seconds(60), ttlClass: nil, valueType: nil, invalidatedBy: ["tenant"])
        let schema = CacheSchemaDescription(
            source: "tenant.cache.yaml", namespace: "shop", fingerprint: "0", ttlClasses: [],
            entities: [.init(name: "tenant", identity: [tenantID], keys: ["tenantConfig"], related: ["tenant:{tenant_id}:*"])],
            keys: [config])
        let victim = "shop:tenant:{victim}:config"
        for value in Self.hostileValues {
            let invalidation = try schema.invalidation(entity: "tenant", identity: ["tenant_id": value])
            let encoded = CacheKeyEncoding.encode(value)
            let tag = CacheKeyEncoding.hashTag(encoded)
            #expect(invalidation.instance.identity == encoded)
            #expect(invalidation.instance.hashTag == (encoded.isEmpty ? "%" : encoded))
            #expect(invalidation.keys.map(\.rawValue) == ["shop:tenant:\(tag):config"])
            #expect(invalidation.patterns.map(\.glob) == ["shop:tenant:\(tag):*"])
            if value != "victim" {
                #expect(!invalidation.removes(victim))
            }
        }
    }

    @Test("the glob matcher follows Redis's rules")
    func globMatcher() {
        let cases: [(String, String, Bool)] = [
            // Redis quirk: a lone `*` does not match the empty key (SCAN and KEYS skip matching for `*` altogether).
            ("*", "", false), ("a:*", "a:", true), ("*", "anything", true), ("a*", "a", true), ("a*", "b", false),
            ("h?llo", "hello", true), ("h?llo", "hllo", false), ("h[ae]llo", "hallo", true), ("h[ae]llo", "hillo", false),
            ("h[^e]llo", "hallo", true), ("h[^e]llo", "hello", false), ("h[a-b]llo", "hbllo", true),
            ("h[b-a]llo", "hallo", true), ("h[a-b]llo", "hcllo", false), ("h\\*llo", "h*llo", true),
            ("h\\*llo", "hello", false), ("a\\", "a\\", true), ("[\\]]", "]", true), ("[abc", "c", true),
            ("shop:orders:user:x:page:*", "shop:orders:user:x:page:12", true),
            ("shop:orders:user:x:page:*", "shop:orders:user:x:pages", false),
            ("*:page:*", "shop:orders:user:x:page:", true), ("a*b*c", "aXbYc", true), ("a*b*c", "aXbY", false),
            ("shop:user:*", "shop:user:email:a%3Ab", true), ("shop:user:?", "shop:user:é", false),
        ]
        for (pattern, string, expected) in cases {
            #expect(RedisGlob.matches(pattern, string) == expected, "\(pattern) ~ \(string)")
        }
    }
}
