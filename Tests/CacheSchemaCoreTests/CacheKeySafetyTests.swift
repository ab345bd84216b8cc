import Foundation
import RedisTestSupport
import Testing

@testable import CacheSchemaCore

/// SPEC §3: a parameter value can never produce another declared key's concrete name or widen an invalidation
/// pattern. These tests build keys and invalidation globs from the reference-like schema through the runtime's
/// generic path, with hostile values, and check them against every other key with Redis glob semantics.
@Suite struct CacheKeySafetyTests {
    static let hostileValues: [String] = [
        "a:b", "*", "?", "[a-z]", "\\", "{x}", "%", "%2A", "\n", "", "ünïcødé", "user:1", "email:*", "x]", "a b",
        String(repeating: "x:*?", count: 262_144),
    ]

    let description = CacheSchemaDescription(
        source: "test.cache.yaml",
        namespace: "shop",
        fingerprint: "0",
        ttlClasses: [],
        entities: [
            .init(name: "user", identity: [.init(name: "user_id", label: "userID", type: .string)], keys: ["user", "userSettings"], related: ["user:{user_id}:*"]),
            .init(name: "userByEmail", identity: [.init(name: "email", label: "email", type: .string)], keys: ["userByEmail"], related: []),
            .init(name: "orders", identity: [.init(name: "user_id", label: "userID", type: .string)], keys: ["orders"], related: []),
        ],
        keys: [
            Self.descriptor("user", entity: "user", pattern: "user:{user_id}"),
            Self.descriptor("userSettings", entity: "user", pattern: "user:{user_id}:settings"),
            Self.descriptor("userByEmail", entity: "userByEmail", pattern: "user:email:{email}"),
            Self.descriptor("orders", entity: "orders", pattern: "orders:user:{user_id}:page:{page}"),
        ]
    )

    static func descriptor(_ name: String, entity: String, pattern: String) -> CacheKeyDescriptor {
        CacheKeyDescriptor(name: name, entity: entity, pattern: pattern, namespace: "shop", parameters: [], ttl: .seconds(60), ttlClass: nil, valueType: nil, invalidatedBy: [entity])
    }

    /// The concrete key of the description's key `name`, hash tag included, for unencoded `values`.
    func concreteKey(_ name: String, _ values: [String: String]) throws -> String {
        let descriptor = try #require(description.key(named: name))
        return "shop:" + (try description.layout(of: descriptor)).filled(with: values.mapValues(CacheKeyEncoding.encode))
    }

    @Test func hostileValuesNeverProduceAnotherKeysName() throws {
        // Keys of different families built from hostile values never coincide.
        var keys: [String: String] = [:]
        for value in Self.hostileValues {
            for (family, parameter) in [("user", "user_id"), ("userSettings", "user_id"), ("userByEmail", "email")] {
                let key = try concreteKey(family, [parameter: value])
                if let other = keys[key] {
                    Issue.record("value produced the key of another family: \(family) vs \(other)")
                }
                keys[key] = family
            }
        }
        #expect(keys.count == Self.hostileValues.count * 3)
    }

    @Test func hostileIdentityNeverWidensAnInvalidation() throws {
        // The victims: keys of other users and of other families.
        let victims = [
            try concreteKey("user", ["user_id": "victim"]),
            try concreteKey("userSettings", ["user_id": "victim"]),
            try concreteKey("userByEmail", ["email": "victim@example.com"]),
            try concreteKey("orders", ["user_id": "victim", "page": "1"]),
        ]
        for value in Self.hostileValues where value != "victim" {
            for entity in ["user", "userByEmail", "orders"] {
                let parameter = entity == "userByEmail" ? "email" : "user_id"
                let invalidation = try description.invalidation(entity: entity, identity: [parameter: value])
                for victim in victims {
                    for key in invalidation.keys { #expect(key.rawValue != victim) }
                    for pattern in invalidation.patterns {
                        #expect(!RedisGlob.matches(pattern.glob, victim), "glob \(pattern.glob.prefix(80)) widened to \(victim)")
                    }
                }
            }
        }
    }

    @Test func invalidationStillReachesItsOwnKeys() throws {
        for value in Self.hostileValues {
            let invalidation = try description.invalidation(entity: "user", identity: ["user_id": value])
            let own = try concreteKey("user", ["user_id": value])
            let settings = try concreteKey("userSettings", ["user_id": value])
            #expect(invalidation.keys.map(\.rawValue) == [own, settings])
            #expect(invalidation.patterns.contains { RedisGlob.matches($0.glob, settings) })
            let orders = try description.invalidation(entity: "orders", identity: ["user_id": value])
            let page = try concreteKey("orders", ["user_id": value, "page": "7"])
            #expect(orders.patterns.contains { RedisGlob.matches($0.glob, page) })
        }
    }

    @Test func genericPathReportsTypedErrors() {
        #expect(throws: CacheSchemaDescriptionError.unknownEntity("nope", known: ["user", "userByEmail", "orders"])) {
            try description.invalidation(entity: "nope", identity: [:])
        }
        #expect(throws: CacheSchemaDescriptionError.missingParameter(entity: "user", parameter: "user_id")) {
            try description.invalidation(entity: "user", identity: [:])
        }
        #expect(throws: CacheSchemaDescriptionError.unexpectedParameter(entity: "user", parameter: "x", expected: ["user_id"])) {
            try description.invalidation(entity: "user", identity: ["user_id": "1", "x": "2"])
        }
    }

    @Test func handMadeDescriptionWithABadPatternIsAnErrorNotAWiderDelete() {
        let broken = CacheSchemaDescription(
            source: "t", namespace: nil, fingerprint: "0", ttlClasses: [],
            entities: [.init(name: "user", identity: [.init(name: "user_id", label: "userID", type: .string)], keys: ["user"], related: [])],
            keys: [Self.descriptor("user", entity: "user", pattern: "user:{user_id")])
        #expect(throws: CacheSchemaDescriptionError.invalidPattern("user:{user_id", reason: "placeholder '{user_id' is not closed; add '}'")) {
            try broken.invalidation(entity: "user", identity: ["user_id": "1"])
        }
    }

    @Test func invalidValueErrorsDoNotEchoTheValue() {
        let uuidDescription = CacheSchemaDescription(
            source: "t", namespace: nil, fingerprint: "0", ttlClasses: [],
            entities: [.init(name: "order", identity: [.init(name: "order_id", label: "orderID", type: .uuid)], keys: [], related: [])],
            keys: [])
        do {
            _ = try uuidDescription.invalidation(entity: "order", identity: ["order_id": "secret-not-a-uuid"])
            Issue.record("expected an error")
        } catch {
            #expect(!error.description.contains("secret"))
            #expect(error.description.contains("not a valid UUID"))
        }
    }
}

/// The glob matcher the safety tests rely on must itself follow Redis.
@Suite struct RedisGlobTests {
    @Test(arguments: [
        ("shop:user:*", "shop:user:victim", true),
        ("shop:user:*", "shop:users", false),
        ("shop:user:%2A:*", "shop:user:victim:settings", false),
        ("a?c", "abc", true),
        ("a?c", "ac", false),
        ("[a-z]x", "qx", true),
        ("[^a-z]x", "qx", false),
        ("a\\*b", "a*b", true),
        ("a\\*b", "axb", false),
        ("*", "", false),  // Redis' stringmatchlen: no match for the empty string (keys are never empty)
        ("a*b*c", "aXXbYYc", true),
        ("a*b*c", "aXXbYY", false),
        // Hash-tag braces are not glob characters: they match themselves.
        ("shop:user:{abc}:*", "shop:user:{abc}:x", true),
        ("shop:user:{abc}:*", "shop:user:abc:x", false),
        ("shop:user:*", "shop:user:{abc}", true),
    ])
    func matches(pattern: String, string: String, expected: Bool) {
        #expect(RedisGlob.matches(pattern, string) == expected)
    }
}
