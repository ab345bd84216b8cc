import CacheSchemaGenerator
import Foundation
import CacheSchemaRedis
import Testing

@testable import CacheRuntime
@testable import CacheSchemaInspection

/// The key classifier of `cache-schema inspect`. Concrete keys are built the way generated code and the runtime build
/// them (`CacheKeyLayout.filled(with:)` over `CacheKeyEncoding`, `CacheIndexKeys`), so that the tests do not restate
/// the key format; hand-written keys are the hostile ones, which must not match.
@Suite struct KeyClassifierTests {
    // MARK: Schemas

    static let referenceSchema = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("schemas/shop.cache.yaml")

    /// No namespace; a singleton; a multi-id entity; keys without an owner (with and without a placeholder); a key
    /// that starts with its tag; Bool and custom parameter types; a String id (whose empty value is `{%}`).
    static let plainSchema = """
        version: 1
        entities:
          config:
            keys:
              config: { pattern: "config" }
              flags: { pattern: "config:flags" }
              banner: { pattern: "banner:{locale}", params: { locale: String } }
          tenantUser:
            id: { tenant_id: String, user_id: Int }
            keys:
              profile: { pattern: "{tenant_id}:user:{user_id}:profile" }
              pinned: { pattern: "pins:{tenant_id}:user:{user_id}" }
          stats:
            id: { restaurant_id: UUID }
            keys:
              global: { pattern: "stats:global" }
              byCity: { pattern: "stats:city:{city}:day:{day}", params: { city: String, day: Int } }
              daily: { pattern: "stats:{restaurant_id}:day:{day}", params: { day: Int } }
          feed:
            id: { user_id: UUID }
            keys:
              feed: { pattern: "feed:{user_id}:unread:{unread_only}:region:{region}", params: { unread_only: Bool, region: Region } }
          tag:
            id: { name: String }
            keys:
              tagged: { pattern: "tag:{name}" }
              count: { pattern: "tag:{name}:count" }
        """

    /// A namespace with a `:` in it, and a multi-id entity whose span does not start the pattern.
    static let saasSchema = """
        version: 1
        namespace: app:saas
        entities:
          tenantUser:
            id: { tenant_id: String, user_id: Int }
            keys:
              profile: { pattern: "tenant:{tenant_id}:user:{user_id}:profile" }
              settings: { pattern: "tenant:{tenant_id}:user:{user_id}:settings:{section}", params: { section: String } }
          config:
            keys:
              flags: { pattern: "flags" }
        """

    static func compile(_ source: String, file: String = "test.cache.yaml") throws -> InspectedSchema {
        let result = CacheSchemaCompiler.compile(source: source, file: file, generate: false)
        #expect(!result.hasErrors, "\(result.diagnostics)")
        return InspectedSchema(schema: try #require(result.schema), analysis: try #require(result.analysis))
    }

    static func shop() throws -> InspectedSchema {
        try compile(String(contentsOf: referenceSchema, encoding: .utf8), file: referenceSchema.path)
    }

    // MARK: Keys as generated code writes them

    /// The concrete key of the schema key `name` for encoded `values`, as generated code builds it: namespace, `:`,
    /// the layout filled in (`CacheKeyEncoding.hashTag` around the tag).
    static func key(_ schema: InspectedSchema, _ name: String, _ values: [String: String]) throws -> String {
        let key = try #require(schema.schema.keys.first { $0.name == name })
        let local = schema.analysis[key].layout.filled(with: values)
        return schema.namespace.map { $0 + ":" + local } ?? local
    }

    /// The key as a `CacheKey`, with the owners generated code gives it, for the runtime's key functions.
    static func cacheKey(_ schema: InspectedSchema, _ name: String, _ values: [String: String]) throws -> CacheKey<String> {
        let key = try #require(schema.schema.keys.first { $0.name == name })
        let owners = schema.analysis[key].owners.map { $0.tag.instance(values: values) }
        let descriptor = CacheKeyDescriptor(
            name: name, entity: key.entity, pattern: key.pattern.text, namespace: schema.namespace, parameters: [], ttl: .seconds(60),
            ttlClass: nil, valueType: nil, invalidatedBy: [])
        return CacheKey(descriptor: descriptor, rawValue: try Self.key(schema, name, values), owners: owners)
    }

    static func kind(_ classifier: KeyClassifier, _ key: String) -> InspectedKeyKind {
        classifier.classify(Array(key.utf8))
    }

    static let uuids = [
        UUID(uuidString: "7C9E6679-7425-40DE-944B-E07FC1F90AE7")!, UUID(uuidString: "00000000-0000-0000-0000-000000000000")!,
        UUID(uuidString: "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")!, UUID(),
    ]

    /// Strings the encoder must escape, and some it keeps.
    static let hostileStrings = [
        "a@b.com", "a.b+tag@example.com", "", "a:b", "*", "?", "[a-z]", "\\", "{x}", "}", "{", "%", "%25", "~", "a b", "\n", "\t",
        "é", "e\u{301}", "日本", "👩‍👩‍👧", "\u{0}", "-", "+", "_", String(repeating: "x:", count: 500),
    ]

    static let ints = [0, 1, -1, 42, 10, 100, -100, Int.max, Int.min]

    // MARK: The reference schema

    @Test func everyKeyOfTheReferenceSchemaIsItsKey() throws {
        let schema = try Self.shop()
        let classifier = KeyClassifier(schema)
        for uuid in Self.uuids {
            let id = CacheKeyEncoding.encode(uuid)
            #expect(Self.kind(classifier, try Self.key(schema, "user", ["user_id": id])) == .schemaKey("user"))
            #expect(Self.kind(classifier, try Self.key(schema, "order", ["order_id": id])) == .schemaKey("order"))
            #expect(Self.kind(classifier, try Self.key(schema, "restaurant", ["restaurant_id": id])) == .schemaKey("restaurant"))
            #expect(Self.kind(classifier, try Self.key(schema, "restaurantMenu", ["restaurant_id": id])) == .schemaKey("restaurantMenu"))
            for page in Self.ints {
                let key = try Self.key(schema, "userOrders", ["user_id": id, "page": CacheKeyEncoding.encode(page)])
                #expect(Self.kind(classifier, key) == .schemaKey("userOrders"), "\(key)")
            }
        }
        for email in Self.hostileStrings {
            let key = try Self.key(schema, "userByEmail", ["email": CacheKeyEncoding.encode(email)])
            #expect(Self.kind(classifier, key) == .schemaKey("userByEmail"), "\(key)")
        }
        // The two ends of the format that tests elsewhere pin down.
        #expect(try Self.key(schema, "user", ["user_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7"]) == "shop:user:{7c9e6679-7425-40de-944b-e07fc1f90ae7}")
        #expect(try Self.key(schema, "userByEmail", ["email": CacheKeyEncoding.encode("")]) == "shop:user:email:{%}")
    }

    @Test func handFormattedKeysMatchNothing() throws {
        let classifier = KeyClassifier(try Self.shop())
        let id = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
        #expect(Self.kind(classifier, "shop:user:{\(id)}") == .schemaKey("user"))
        let hostile = [
            "shop:user:{\(id.uppercased())}",  // upper-case UUID
            "shop:user:{7c9e6679742540de944be07fc1f90ae7}",  // no hyphens
            "shop:user:{7c9e6679-7425-40de-944b-e07fc1f90ae}",  // 35 characters
            "shop:user:{\(id)0}",  // 37
            "shop:user:\(id)",  // no braces
            "shop:user:42",
            "shop:user:{42}",
            "shop:user:{\(id)}:extra",  // an extra segment (what the related glob `user:{user_id}:*` would delete)
            "shop:user:{\(id)}:",
            "shop:user:{\(id)",  // unclosed tag
            "shop:user:{{\(id)}}",
            "shop:user:{}",
            "shop:user:{%}",  // a UUID is never empty
            "shop:restaurant:{\(id)}:menus",
            "shop:restaurant:{\(id)}:Menu",
            "shop:Restaurant:{\(id)}",
            "shop:orders:user:{\(id)}:page:01",  // leading zero
            "shop:orders:user:{\(id)}:page:+1",
            "shop:orders:user:{\(id)}:page:-0",
            "shop:orders:user:{\(id)}:page:",
            "shop:orders:user:{\(id)}:page:-",
            "shop:orders:user:{\(id)}:page:9223372036854775808",  // Int.max + 1
            "shop:orders:user:{\(id)}:page:-9223372036854775809",  // Int.min - 1
            "shop:orders:user:{\(id)}:page:1e3",
            "shop:orders:user:{\(id)}:page:*",
            "shop:orders:user:\(id):page:1",
            "shop:user:email:{a:b}",  // a raw `:` in a value
            "shop:user:email:a@b.com",  // no braces
            "shop:user:email:{a%3ab}",  // lower-case escape
            "shop:user:email:{%41}",  // a kept byte escaped
            "shop:user:email:{a%40b.com}",
            "shop:user:email:{a%}",
            "shop:user:email:{a%4}",
            "shop:user:email:{a%G0}",
            "shop:user:email:{a b}",
            "shop:user:email:{*}",
            "shop:user:email:{%FF}",  // not UTF-8
            "shop:user:email:{%C3}",  // a truncated sequence
            "shop:user:email:{e%CC%81}",  // é decomposed: the encoder writes NFC, %C3%A9
            "shop:user:email:{}",  // an empty value is {%}
            "shop:user:email:{%%}",
            "shop:user:email:{~}",
            "shop:*",
            "shop:",
            "shop:user:*",
            "shop",
            "",
            "user:{\(id)}",  // outside the namespace
            "shopx:user:{\(id)}",
            "SHOP:user:{\(id)}",
        ]
        for key in hostile {
            #expect(Self.kind(classifier, key) == .unmatched, "\(key)")
        }
        #expect(Self.kind(classifier, "shop:user:email:{%C3%A9}") == .schemaKey("userByEmail"))
        #expect(Self.kind(classifier, "shop:orders:user:{\(id)}:page:-9223372036854775808") == .schemaKey("userOrders"))
    }

    @Test func bytesThatAreNotKeyTextNeverMatch() throws {
        let classifier = KeyClassifier(try Self.shop())
        let valid = Array("shop:user:email:{a%3Ab@c.com}".utf8)
        #expect(classifier.classify(valid) == .schemaKey("userByEmail"))
        // Each byte replaced by 0xFF, 0x00 and a raw non-ASCII lead byte: never a match, never a crash.
        for index in valid.indices {
            for byte: UInt8 in [0xFF, 0x00, 0xC3] {
                var bytes = valid
                bytes[index] = byte
                #expect(classifier.classify(bytes) == .unmatched, "\(bytes)")
            }
        }
        #expect(classifier.classify(Array("shop:user:email:{".utf8) + [0xC3, 0xA9] + Array("}".utf8)) == .unmatched)
        #expect(classifier.classify(Array("shop:~kgen:user:email:{".utf8) + [0xFF] + Array("}".utf8)) == .unmatched)
        // Random bytes, with and without the namespace in front.
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<2000 {
            let length = Int.random(in: 0..<64, using: &generator)
            let tail = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(classifier.classify(Array("shop:".utf8) + tail + [0x80]) == .unmatched)
            _ = classifier.classify(tail)
        }
    }

    @Test func classifyingBytesInPlaceAgreesWithArrays() throws {
        let schema = try Self.shop()
        let classifier = KeyClassifier(schema)
        let keys = [
            try Self.key(schema, "user", ["user_id": CacheKeyEncoding.encode(UUID())]), "shop:user:42", "shop:~pgen:{0}", "",
        ]
        for key in keys {
            let bytes = Array(key.utf8)
            let inPlace = bytes.withUnsafeBytes { classifier.classify(bytes: $0) }
            #expect(inPlace == classifier.classify(bytes), "\(key)")
        }
    }

    // MARK: The runtime's keys

    @Test func theRuntimesKeysOfTheReferenceSchema() throws {
        let schema = try Self.shop()
        let classifier = KeyClassifier(schema)
        let id = CacheKeyEncoding.encode(UUID())
        let user = try Self.cacheKey(schema, "user", ["user_id": id])
        let pages = try Self.cacheKey(schema, "userOrders", ["user_id": id, "page": "3"])
        let byEmail = try Self.cacheKey(schema, "userByEmail", ["email": CacheKeyEncoding.encode("a:b@c")])

        let userIndexes = CacheIndexKeys.indexes(of: user)
        #expect(userIndexes.map { Self.kind(classifier, $0) } == [.index(entity: "user")])
        #expect(CacheIndexKeys.indexes(of: pages).map { Self.kind(classifier, $0) } == [.index(entity: "userOrders")])
        #expect(CacheIndexKeys.generations(of: user).map { Self.kind(classifier, $0) } == [.generation(entity: "user")])
        #expect(CacheIndexKeys.generations(of: pages).map { Self.kind(classifier, $0) } == [.generation(entity: "userOrders")])
        // userByEmail has no owner: its own marker.
        #expect(byEmail.owners.isEmpty)
        #expect(CacheIndexKeys.generations(of: byEmail).map { Self.kind(classifier, $0) } == [.keyGeneration(key: "userByEmail")])
        #expect(Self.kind(classifier, CacheIndexKeys.lease(of: user)) == .lease(key: "user"))
        #expect(Self.kind(classifier, CacheIndexKeys.lease(of: pages)) == .lease(key: "userOrders"))
        #expect(Self.kind(classifier, CacheIndexKeys.lease(of: byEmail)) == .lease(key: "userByEmail"))
        for key in [user.rawValue, pages.rawValue, byEmail.rawValue] {
            let markers = CacheIndexKeys.patternMarkers(ofKey: key, namespace: "shop")
            #expect(markers.map { Self.kind(classifier, $0) } == [.patternMarker], "\(markers)")
        }
        // Every slot's marker, as a SCAN deletion bumps them.
        let all = CacheIndexKeys.patternMarkers(prefix: CacheIndexKeys.patternMarkerPrefix(forGlob: "shop:user:*", namespace: "shop"))
        #expect(all.count == 16_384)
        #expect(all.allSatisfy { Self.kind(classifier, $0) == .patternMarker })

        #expect(userIndexes == ["shop:~idx:user:{\(id)}"])
        let hostile = [
            "shop:~idx:nobody:{\(id)}",  // no such entity
            "shop:~idx:User:{\(id)}",
            "shop:~idx:user:{\(id.uppercased())}",
            "shop:~idx:user:\(id)",
            "shop:~idx:user:{\(id)}:x",
            "shop:~idx:user:{%}",
            "shop:~idx:user",
            "shop:~idx:",
            "shop:~gen:user:{42}",
            "shop:~gen:order:{\(id)}x",
            "shop:~kgen:",
            "shop:~kgen:a b",
            "shop:~kgen:~kgen:x",
            "shop:~lease:",
            "shop:~lease:*",
            "shop:~pgen:{00}",  // a leading zero
            "shop:~pgen:{A}",
            "shop:~pgen:{}",
            "shop:~pgen:0",
            "shop:~pgen:{0}x",
            "shop:~pgen:{-1}",
            "shop:~pgen:{zzzzzzz}",
            "shop:~other:{0}",
            "shop:~",
            "shop:user:~pgen:{0}",  // the first-segment form exists without a namespace only
            "~pgen:{0}",
        ]
        for key in hostile {
            #expect(Self.kind(classifier, key) == .unmatched, "\(key)")
        }
        // A number that is some slot's but not that slot's tag (a smaller number claimed the slot first).
        let tags = Set(CacheSlotTags.all)
        let notATag = try #require((0..<100_000).lazy.map { String($0, radix: 36) }.first { !tags.contains($0) })
        #expect(Self.kind(classifier, "shop:~pgen:{\(notATag)}") == .unmatched)
        #expect(Self.kind(classifier, "shop:~pgen:{\(CacheSlotTags.all[12_739])}") == .patternMarker)
    }

    @Test func markersAndLeasesOfKeysNoLongerDeclaredHaveNoName() throws {
        let classifier = KeyClassifier(try Self.shop())
        let id = CacheKeyEncoding.encode(UUID())
        #expect(Self.kind(classifier, "shop:~kgen:user:email:{a@b.com}") == .keyGeneration(key: "userByEmail"))
        // `@` is kept as it is, so its escape is a key the encoder never writes (`CacheGlob`'s documentation shows it).
        #expect(Self.kind(classifier, "shop:~kgen:user:email:{a%40b.com}") == .keyGeneration(key: nil))
        #expect(Self.kind(classifier, "shop:~lease:restaurant:{\(id)}:menu") == .lease(key: "restaurantMenu"))
        // Written by the runtime for a key that an older schema declared, or that is formatted by hand.
        #expect(Self.kind(classifier, "shop:~kgen:coupon:{SPRING}") == .keyGeneration(key: nil))
        #expect(Self.kind(classifier, "shop:~lease:user:\(id)") == .lease(key: nil))
        #expect(Self.kind(classifier, "shop:~lease:user:{\(id.uppercased())}") == .lease(key: nil))
    }

    // MARK: Other layouts

    @Test func keysWithoutANamespace() throws {
        let schema = try Self.compile(Self.plainSchema)
        let classifier = KeyClassifier(schema)
        #expect(classifier.scanPattern == "*")
        let id = CacheKeyEncoding.encode(UUID())
        var cases: [(name: String, values: [String: String])] = [
            ("config", [:]), ("flags", [:]), ("global", [:]),
            ("daily", ["restaurant_id": id, "day": "20240101"]),
        ]
        for text in Self.hostileStrings {
            let value = CacheKeyEncoding.encode(text)
            cases.append(("banner", ["locale": value]))
            cases.append(("byCity", ["city": value, "day": "-7"]))
            cases.append(("tagged", ["name": value]))
            cases.append(("count", ["name": value]))
            for userID in [0, -3, Int.max] {
                cases.append(("profile", ["tenant_id": value, "user_id": CacheKeyEncoding.encode(userID)]))
                cases.append(("pinned", ["tenant_id": value, "user_id": CacheKeyEncoding.encode(userID)]))
            }
            for unread in [true, false] {
                cases.append(("feed", ["user_id": id, "unread_only": CacheKeyEncoding.encode(unread), "region": value]))
            }
        }
        for (name, values) in cases {
            let key = try Self.cacheKey(schema, name, values)
            #expect(Self.kind(classifier, key.rawValue) == .schemaKey(name), "\(key.rawValue)")
            // Its runtime keys: the owners' index sets and markers (or its own), its lease, its pattern markers.
            let owners = Set(key.owners.map(\.entity))
            for index in CacheIndexKeys.indexes(of: key) {
                let kind = Self.kind(classifier, index)
                #expect(owners.contains { kind == .index(entity: $0) }, "\(index)")
            }
            for marker in CacheIndexKeys.generations(of: key) {
                let kind = Self.kind(classifier, marker)
                #expect(owners.contains { kind == .generation(entity: $0) } || kind == .keyGeneration(key: name), "\(marker)")
            }
            #expect(Self.kind(classifier, CacheIndexKeys.lease(of: key)) == .lease(key: name))
            let markers = CacheIndexKeys.patternMarkers(ofKey: key.rawValue, namespace: nil)
            #expect(markers.count == 2)
            #expect(markers.allSatisfy { Self.kind(classifier, $0) == .patternMarker }, "\(markers)")
            // Each in its key's slot: a fill's script touches both (before, `{stats:global}`'s marker was
            // `{stats:~pgen:{…}`, whose cut-open tag hashed elsewhere: CROSSSLOT on a cluster).
            #expect(markers.allSatisfy { RedisClusterSlot.of($0) == RedisClusterSlot.of(key.rawValue) }, "\(markers)")
        }
        // The layouts these come from, spelled out once.
        #expect(try Self.key(schema, "config", [:]) == "{config}")
        #expect(try Self.key(schema, "banner", ["locale": "de"]) == "{config}:banner:de")
        #expect(try Self.key(schema, "global", [:]) == "{stats:global}")
        #expect(try Self.key(schema, "profile", ["tenant_id": "acme", "user_id": "42"]) == "{acme:user:42}:profile")
        #expect(try Self.key(schema, "tagged", ["name": ""]) == "tag:{%}")
        #expect(Self.kind(classifier, "~idx:tenantUser:{acme:user:42}") == .index(entity: "tenantUser"))
        #expect(Self.kind(classifier, "~gen:config:{config}") == .generation(entity: "config"))
        #expect(Self.kind(classifier, "~idx:tag:{%}") == .index(entity: "tag"))
        #expect(Self.kind(classifier, "~kgen:{stats:global}") == .keyGeneration(key: "global"))
        #expect(Self.kind(classifier, "~pgen:{0}") == .patternMarker)
        #expect(Self.kind(classifier, "{config}:~pgen:{0}") == .patternMarker)
        #expect(Self.kind(classifier, "stats:~pgen:{0}") == .patternMarker)
        #expect(Self.kind(classifier, "acme:~pgen:{0}") == .patternMarker)  // `{acme:user:42}:profile`'s, its `{` dropped
        // Any tenant's: `{<tenant_id>:user:<user_id>}:profile` names its markers after the tenant, whatever it is.
        #expect(Self.kind(classifier, "nobody:~pgen:{0}") == .patternMarker)

        let hostile = [
            "config", "{config}:", "{Config}", "{config}:flag", "config:flags", "{config}:banner:{de}", "{config}:banner",  // no `:` and value
            "{%}:user:1:profile",  // the tag of ("", 1) is {:user:1}
            "{acme:user:01}:profile", "{acme:user:1}:profile:x", "{acme:user:1}", "acme:user:1:profile",
            "{acme:user:1}:~pgen:{0}",
            "pins:{acme:user:1}:profile",
            "stats:global", "{stats:global", "{stats:global}:",
            "feed:{\(id)}:unread:yes:region:eu", "feed:{\(id)}:unread:TRUE:region:eu", "feed:{\(id)}:unread:true",
            "tag:{}", "tag:{%}:", "tag:%",
            "~idx:config:{other}", "~idx:config:{%}", "~idx:tag:{}", "~idx:tenantUser:{acme}", "~idx:stats:{1}",
            "{stats:~pgen:{0}", "{acme:~pgen:{0}",  // the names before the markers kept their keys' slots
            "stats:~pgen:{00}", "stats:~kgen:{stats:global}", "stats:~idx:stats:{\(id)}",
            "~kgen:~pgen:{0}",
            "*",
        ]
        for key in hostile {
            #expect(Self.kind(classifier, key) == .unmatched, "\(key)")
        }
    }

    @Test func anEmptyStringInATagIsPercent() throws {
        let schema = try Self.compile(Self.plainSchema)
        let classifier = KeyClassifier(schema)
        let empty = CacheKeyEncoding.encode("")
        let tagged = try Self.cacheKey(schema, "tagged", ["name": empty])
        #expect(tagged.rawValue == "tag:{%}")
        #expect(Self.kind(classifier, tagged.rawValue) == .schemaKey("tagged"))
        #expect(CacheIndexKeys.indexes(of: tagged) == ["~idx:tag:{%}"])
        #expect(Self.kind(classifier, "tag:{}") == .unmatched)
        // Outside a tag, an empty String is empty text; inside a span with literals, too.
        #expect(try Self.key(schema, "byCity", ["city": empty, "day": "1"]) == "stats:city:{%}:day:1")
        #expect(Self.kind(classifier, "{config}:banner:") == .schemaKey("banner"))
        #expect(Self.kind(classifier, "{:user:5}:profile") == .schemaKey("profile"))
        // `%25` is the value "%": not the empty value.
        #expect(Self.kind(classifier, "tag:{%25}") == .schemaKey("tagged"))
    }

    @Test func aNamespaceWithAColon() throws {
        let schema = try Self.compile(Self.saasSchema)
        let classifier = KeyClassifier(schema)
        #expect(classifier.scanPattern == "app:saas:*")
        let profile = try Self.cacheKey(schema, "profile", ["tenant_id": CacheKeyEncoding.encode("a:b"), "user_id": "42"])
        #expect(profile.rawValue == "app:saas:tenant:{a%3Ab:user:42}:profile")
        #expect(Self.kind(classifier, profile.rawValue) == .schemaKey("profile"))
        let settings = try Self.cacheKey(schema, "settings", ["tenant_id": "acme", "user_id": "-1", "section": CacheKeyEncoding.encode("")])
        #expect(Self.kind(classifier, settings.rawValue) == .schemaKey("settings"))
        #expect(CacheIndexKeys.indexes(of: settings).map { Self.kind(classifier, $0) } == [.index(entity: "tenantUser")])
        #expect(Self.kind(classifier, CacheIndexKeys.lease(of: settings)) == .lease(key: "settings"))
        #expect(Self.kind(classifier, try Self.key(schema, "flags", [:])) == .schemaKey("flags"))
        #expect(Self.kind(classifier, "app:saas:~gen:config:{config}") == .generation(entity: "config"))
        for marker in CacheIndexKeys.patternMarkers(ofKey: profile.rawValue, namespace: "app:saas") {
            #expect(Self.kind(classifier, marker) == .patternMarker, "\(marker)")
        }
        #expect(Self.kind(classifier, "app:saas:tenant:acme:user:42:profile") == .unmatched)
        #expect(Self.kind(classifier, "app:~pgen:{0}") == .unmatched)
    }
}

/// A small deterministic generator (SplitMix64), so that the random inputs are the same on every run.
private struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
