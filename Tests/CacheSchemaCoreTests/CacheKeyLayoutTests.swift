import Foundation
import RedisTestSupport
import Testing

@testable import CacheSchemaCore

/// Key layout version 2: where the Redis Cluster hash tag sits in every concrete key, and the instance tags that the
/// runtime's index sets and markers carry (`CacheKeyLayout`, `CacheInstanceTag`, `CacheKeyEncoding.hashTag`).
@Suite struct CacheKeyLayoutTests {
    /// The tag Redis Cluster hashes: the text between the first `{` and the next `}`, or `nil` when there is none
    /// or it is empty (Redis then hashes the whole key).
    static func redisHashTag(of key: String) -> Substring? {
        guard let open = key.firstIndex(of: "{"), let close = key[key.index(after: open)...].firstIndex(of: "}") else { return nil }
        let content = key[key.index(after: open)..<close]
        return content.isEmpty ? nil : content
    }

    static func layout(_ pattern: String, kind: CachePattern.Kind = .key, entity: String, identity: [String]) throws -> CacheKeyLayout {
        CacheKeyLayout(try CachePattern(pattern, kind: kind), entity: entity, identity: identity)
    }

    @Test func hashTagNeverWritesTheEmptyTag() {
        #expect(CacheKeyEncoding.hashTag("7c9e") == "{7c9e}")
        #expect(CacheKeyEncoding.hashTag("acme:user:42") == "{acme:user:42}")
        #expect(CacheKeyEncoding.hashTag("") == "{%}")
        #expect(CacheKeyEncoding.hashTagContent("") == "%")
        #expect(CacheKeyEncoding.hashTagContent("x") == "x")
        // A lone `%` is never a value's encoding, so the empty value's tag is its own.
        #expect(CacheKeyEncoding.encode("%") == "%25")
        #expect(CacheKeyEncoding.decodeString("%") == nil)
    }

    /// pattern, entity, id parameters, values (unencoded text), expected key (no namespace), expected placement.
    static let placements: [(String, String, [String], [String: String], String, CacheKeyLayout.Placement)] = [
        // One id parameter: its value, where the pattern has it.
        ("user:{user_id}", "user", ["user_id"], ["user_id": "7c9e"], "user:{7c9e}", .identity),
        ("orders:user:{user_id}:page:{page}", "userOrders", ["user_id"], ["user_id": "7c9e", "page": "2"], "orders:user:{7c9e}:page:2", .identity),
        ("{user_id}:profile", "user", ["user_id"], ["user_id": "u"], "{u}:profile", .identity),
        // Several: the span from the first to the last, literals between.
        ("tenant:{tenant_id}:user:{user_id}:profile", "tenantUser", ["tenant_id", "user_id"], ["tenant_id": "acme", "user_id": "42"],
            "tenant:{acme:user:42}:profile", .identity),
        ("p:{page}:tenant:{tenant_id}:user:{user_id}", "tenantUser", ["user_id", "tenant_id"], ["tenant_id": "acme", "user_id": "42", "page": "3"],
            "p:3:tenant:{acme:user:42}", .identity),
        // A singleton: its name, the first segment when it is the name, else inserted first.
        ("config", "config", [], [:], "{config}", .entityName),
        ("config:flags", "config", [], [:], "{config}:flags", .entityName),
        ("flags", "config", [], [:], "{config}:flags", .entityName),
        ("configuration:x", "config", [], [:], "{config}:configuration:x", .entityName),
        ("banner:{locale}", "config", [], ["locale": "de"], "{config}:banner:de", .entityName),
        // No instance owns it: its first placeholder, or the whole pattern.
        ("user:email:{email}", "user", ["user_id"], ["email": "a@b.com"], "user:email:{a@b.com}", .firstPlaceholder),
        ("user:email:{email}", "user", ["user_id"], ["email": ""], "user:email:{%}", .firstPlaceholder),
        ("stats:city:{city}:day:{day}", "stats", ["restaurant_id"], ["city": "Köln", "day": "3"], "stats:city:{K%C3%B6ln}:day:3", .firstPlaceholder),
        ("stats:global", "stats", ["restaurant_id"], [:], "{stats:global}", .wholePattern),
        ("tenant:{tenant_id}:plan", "tenantUser", ["tenant_id", "user_id"], ["tenant_id": "acme"], "tenant:{acme}:plan", .firstPlaceholder),
    ]

    @Test(arguments: placements.indices)
    func tagSitsWhereTheRuleSays(_ index: Int) throws {
        let (pattern, entity, identity, values, expected, placement) = Self.placements[index]
        let layout = try Self.layout(pattern, entity: entity, identity: identity)
        #expect(layout.placement == placement, "\(pattern)")
        let key = layout.filled(with: values.mapValues(CacheKeyEncoding.encode))
        #expect(key == expected)
        #expect(key.filter { $0 == "{" }.count == 1 && key.filter { $0 == "}" }.count == 1, "\(key)")
        #expect(Self.redisHashTag(of: key).map(String.init) == layout.tagContent(filledWith: values.mapValues(CacheKeyEncoding.encode)))
        #expect(key.hasPrefix(layout.literalPrefix) && key.hasSuffix(layout.literalSuffix), "\(key)")
    }

    @Test func layoutsReadWithPlaceholdersAsNames() throws {
        #expect(try Self.layout("user:{user_id}", entity: "user", identity: ["user_id"]).description == "user:{<user_id>}")
        #expect(try Self.layout("tenant:{tenant_id}:user:{user_id}:profile", entity: "t", identity: ["tenant_id", "user_id"]).description
            == "tenant:{<tenant_id>:user:<user_id>}:profile")
        #expect(try Self.layout("flags", entity: "config", identity: []).description == "{config}:flags")
        #expect(try Self.layout("user:email:{email}", entity: "user", identity: ["user_id"]).description == "user:email:{<email>}")
        let prefix = try Self.layout("user:{user_id}", entity: "user", identity: ["user_id"])
        #expect(prefix.literalPrefix == "user:{" && prefix.literalSuffix == "}")
    }

    @Test func globsCarryTheTagWhereTheKeysHaveIt() throws {
        let related = try Self.layout("user:{user_id}:*", kind: .glob, entity: "user", identity: ["user_id"])
        #expect(related.filled(with: ["user_id": "7c9e"]) == "user:{7c9e}:*")
        #expect(RedisGlob.matches(related.filled(with: ["user_id": "7c9e"]), "user:{7c9e}:settings"))
        #expect(!RedisGlob.matches(related.filled(with: ["user_id": "7c9e"]), "user:7c9e:settings"))
        // A key's route glob keeps the key's tag and replaces the other placeholders.
        let orders = try Self.layout("orders:user:{user_id}:page:{page}", entity: "userOrders", identity: ["user_id"])
        let glob = orders.replacingPlaceholders(notIn: ["user_id"])
        #expect(glob.filled(with: ["user_id": "7c9e"]) == "orders:user:{7c9e}:page:*")
        #expect(RedisGlob.matches(glob.filled(with: ["user_id": "7c9e"]), orders.filled(with: ["user_id": "7c9e", "page": "12"])))
        // Without a placeholder in an entity with an id, a glob has no tag and its `*` runs over braces.
        let untagged = try Self.layout("orders:*", kind: .glob, entity: "user", identity: ["user_id"])
        #expect(untagged.placement == .untagged)
        #expect(untagged.filled(with: [:]) == "orders:*")
        #expect(untagged.tagContent(filledWith: [:]) == nil)
        #expect(RedisGlob.matches("orders:*", "orders:user:{7c9e}:page:1"))
        // A singleton's globs carry its name.
        #expect(try Self.layout("config:*", kind: .glob, entity: "config", identity: []).filled(with: [:]) == "{config}:*")
    }

    /// Random hostile values never empty, move or add a tag: the tag is always the one the rule gives, around the value's
    /// encoding (or `%` when that is empty).
    @Test func hostileValuesNeverMoveOrEmptyTheTag() throws {
        var random = SplitMix64(seed: 0xC1A5_7E12)
        let pieces = ["{", "}", "{}", "%", "%25", ":", "*", "?", "[", "]", "\\", "a", "Z", "0", "-", "é", "e\u{301}", "😀", "\u{0}", "\n", " ", "~", "{x}", "}{"]
        func hostile() -> String { (0..<random.below(6)).map { _ in pieces[random.below(pieces.count)] }.joined() }
        let single = try Self.layout("user:email:{email}", entity: "user", identity: ["user_id"])
        let span = try Self.layout("tenant:{tenant_id}:user:{user_id}:profile", entity: "tenantUser", identity: ["tenant_id", "user_id"])
        let identity = try Self.layout("orders:user:{user_id}:page:{page}", entity: "userOrders", identity: ["user_id"])
        for _ in 0..<2_000 {
            let a = hostile(), b = hostile()
            let (encodedA, encodedB) = (CacheKeyEncoding.encode(a), CacheKeyEncoding.encode(b))
            let cases: [(String, String)] = [
                (single.filled(with: ["email": encodedA]), CacheKeyEncoding.hashTagContent(encodedA)),
                (span.filled(with: ["tenant_id": encodedA, "user_id": encodedB]), encodedA + ":user:" + encodedB),
                (identity.filled(with: ["user_id": encodedA, "page": encodedB]), CacheKeyEncoding.hashTagContent(encodedA)),
            ]
            for (key, expectedTag) in cases {
                #expect(key.filter { $0 == "{" }.count == 1 && key.filter { $0 == "}" }.count == 1, "\(key)")
                #expect(Self.redisHashTag(of: key).map(String.init) == expectedTag, "\(key)")
            }
        }
    }

    @Test func instanceTagIsTheFirstFullSpanOrTheNameOrTheJoinedValues() throws {
        let patterns = try ["tenant:{tenant_id}:plan", "tenant:{tenant_id}:user:{user_id}:profile", "x:{user_id}:y:{tenant_id}"].map {
            try CachePattern($0, kind: .key)
        }
        let tag = CacheInstanceTag(entity: "tenantUser", identity: ["tenant_id", "user_id"], patterns: patterns)
        #expect(tag.description == "{<tenant_id>:user:<user_id>}")
        let instance = tag.instance(values: ["tenant_id": "acme", "user_id": "42"])
        #expect(instance == CacheEntityInstance(entity: "tenantUser", identity: "acme:user:42", hashTag: "acme:user:42"))
        #expect(tag.isSameTag(as: CacheKeyLayout(patterns[1], entity: "tenantUser", identity: ["tenant_id", "user_id"])))
        #expect(!tag.isSameTag(as: CacheKeyLayout(patterns[0], entity: "tenantUser", identity: ["tenant_id", "user_id"])))

        let singleton = CacheInstanceTag(entity: "config", identity: [], patterns: [try CachePattern("flags", kind: .key)])
        #expect(singleton.instance(values: [:]) == CacheEntityInstance(entity: "config", identity: "", hashTag: "config"))
        #expect(singleton.description == "{config}")

        // No pattern carries every id parameter: the values joined by `:`, as identities were before tags.
        let joined = CacheInstanceTag(entity: "pair", identity: ["a", "b"], patterns: [try CachePattern("a:{a}", kind: .key)])
        #expect(joined.instance(values: ["a": "1", "b": "2"]).hashTag == "1:2")

        let empty = CacheInstanceTag(entity: "user", identity: ["email"], patterns: [try CachePattern("user:{email}", kind: .key)])
        #expect(empty.instance(values: ["email": ""]) == CacheEntityInstance(entity: "user", identity: "", hashTag: "%"))
    }

    @Test func instancesDeriveTheirTagAndDecodeWithoutOne() throws {
        #expect(CacheEntityInstance(entity: "user", identity: "7c9e").hashTag == "7c9e")
        #expect(CacheEntityInstance(entity: "config", identity: "").hashTag == "config")
        let instance = CacheEntityInstance(entity: "user", identity: "", hashTag: "%")
        #expect(try JSONDecoder().decode(CacheEntityInstance.self, from: JSONEncoder().encode(instance)) == instance)
        let old = Data(#"{"entity":"user","identity":"7c9e"}"#.utf8)
        #expect(try JSONDecoder().decode(CacheEntityInstance.self, from: old) == CacheEntityInstance(entity: "user", identity: "7c9e", hashTag: "7c9e"))
    }

    /// The generic invalidate-entity path applies the same layout as generated code: several id parameters, a
    /// singleton, an empty value.
    @Test func genericPathBuildsTaggedKeysAndInstances() throws {
        func parameter(_ name: String, _ type: CacheParameterType) -> CacheParameterDescriptor {
            CacheParameterDescriptor(name: name, label: name, type: type)
        }
        func key(_ name: String, _ entity: String, _ pattern: String) -> CacheKeyDescriptor {
            CacheKeyDescriptor(name: name, entity: entity, pattern: pattern, namespace: "saas", parameters: [], ttl: .seconds(1), ttlClass: nil, valueType: nil, invalidatedBy: [entity])
        }
        let schema = CacheSchemaDescription(
            source: "t", namespace: "saas", fingerprint: "0", ttlClasses: [],
            entities: [
                .init(name: "tenantUser", identity: [parameter("tenant_id", .string), parameter("user_id", .int)], keys: ["profile", "settings"],
                    related: ["tenant:{tenant_id}:user:{user_id}:*"]),
                .init(name: "config", identity: [], keys: ["flags"], related: ["config:*"]),
            ],
            keys: [
                key("profile", "tenantUser", "tenant:{tenant_id}:user:{user_id}:profile"),
                key("settings", "tenantUser", "tenant:{tenant_id}:user:{user_id}:settings:{section}"),
                key("flags", "config", "flags"),
            ])
        let tenantUser = try schema.invalidation(entity: "tenantUser", identity: ["tenant_id": "acme", "user_id": "42"])
        #expect(tenantUser.instance == CacheEntityInstance(entity: "tenantUser", identity: "acme:user:42", hashTag: "acme:user:42"))
        #expect(tenantUser.keys.map(\.rawValue) == ["saas:tenant:{acme:user:42}:profile"])
        #expect(tenantUser.patterns.map(\.glob) == ["saas:tenant:{acme:user:42}:settings:*", "saas:tenant:{acme:user:42}:*"])
        let empty = try schema.invalidation(entity: "tenantUser", identity: ["tenant_id": "", "user_id": "0"])
        #expect(empty.keys.map(\.rawValue) == ["saas:tenant:{:user:0}:profile"])
        let config = try schema.invalidation(entity: "config", identity: [:])
        #expect(config.instance == CacheEntityInstance(entity: "config", identity: "", hashTag: "config"))
        #expect(config.keys.map(\.rawValue) == ["saas:{config}:flags"])
        #expect(config.patterns.map(\.glob) == ["saas:{config}:*"])
        #expect(try schema.layout(of: try #require(schema.key(named: "settings"))).description == "tenant:{<tenant_id>:user:<user_id>}:settings:<section>")
    }
}
