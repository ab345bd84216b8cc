import Foundation
import Testing

@testable import CacheSchemaGenerator

/// `schemas/cache-schema.json`, the JSON Schema editors use, stays in step with what the loader accepts.
@Suite struct JSONSchemaTests {
    let schema: JSONValue
    let validator: JSONSchemaValidator

    init() throws {
        schema = try JSONValue.read(TestFiles.jsonSchema)
        validator = JSONSchemaValidator(root: schema)
    }

    private func definition(_ name: String) -> JSONValue? { schema["$defs"]?[name] }

    // MARK: - (a) Field lists

    @Test func fieldListsMatchTheLoader() throws {
        let objects: [(String, [String], JSONValue?)] = [
            ("top level", SchemaLoader.topLevelFields, schema),
            ("entity", SchemaLoader.entityFields, definition("entity")),
            ("key", SchemaLoader.keyFields, definition("key")),
            ("parameter", SchemaLoader.parameterFields, definition("parameterDetail")),
            ("TTL class", SchemaLoader.ttlClassFields, definition("ttlClass")),
            ("near cache", NearCacheSyntax.mappingFields, definition("nearCacheSettings")),
            ("defaults", SchemaLoader.defaultsFields, definition("defaults")),
            ("swift", SchemaLoader.swiftFields, definition("swift")),
        ]
        for (what, fields, object) in objects {
            let object = try #require(object, "\(what) is not in the JSON Schema")
            #expect(object["properties"]?.memberNames == fields.sorted(), "\(what)")
            // The loader rejects unknown fields everywhere, so the JSON Schema does too.
            #expect(object["additionalProperties"] == .bool(false), "\(what)")
            for field in fields {
                let description = object["properties"]?[field]?["description"]
                #expect(description.map { if case .string(let text) = $0 { !text.isEmpty } else { false } } == true, "\(what).\(field) has no description")
            }
        }
    }

    @Test func accessLevelsMatch() {
        #expect(definition("swift")?["properties"]?["access"]?["enum"] == .array(AccessLevel.allCases.map { .string($0.rawValue) }))
    }

    @Test func validatorSupportsEveryKeywordTheSchemaUses() {
        #expect(validator.unsupportedKeywords() == [])
        #expect(schema["$schema"] == .string("https://json-schema.org/draft/2020-12/schema"))
    }

    // MARK: - (b) Schemas against it

    @Test func referenceSchemaConforms() throws {
        let value = try JSONValue.fromYAML(try TestFiles.read(TestFiles.referenceSchema))
        #expect(validator.validate(value) == [])
    }

    @Test func referenceSchemaPointsEditorsAtTheJSONSchema() throws {
        let firstLine = try TestFiles.read(TestFiles.referenceSchema).split(separator: "\n").first
        #expect(firstLine == "# yaml-language-server: $schema=./cache-schema.json")
    }

    static let conformingFiles =
        TestFiles.schemaFiles(in: TestFiles.validFixtures).map { "valid/" + $0.lastPathComponent }
        + TestFiles.schemaFiles(in: TestFiles.snippets).map { "snippets/" + $0.lastPathComponent }

    @Test(arguments: conformingFiles)
    func validSchemaConforms(_ name: String) throws {
        let url = name.hasPrefix("valid/")
            ? TestFiles.fixtures.appendingPathComponent(name)
            : TestFiles.snippets.appendingPathComponent(String(name.dropFirst("snippets/".count)))
        let value = try JSONValue.fromYAML(try TestFiles.read(url))
        #expect(validator.validate(value) == [])
    }

    /// Error fixtures the JSON Schema can see, and the failure an editor shows for each.
    static let nonConforming: [(fixture: String, failure: String)] = [
        ("unknown-field-top-level", "/entites: unknown property 'entites'"),
        ("unknown-field-entity", "/entities/user/relatd: unknown property 'relatd'"),
        ("unknown-field-key", "/entities/user/keys/user/tll: unknown property 'tll'"),
        ("unknown-field-no-suggestion", "/entities/user/keys/user/cacheControl: unknown property 'cacheControl'"),
        ("unknown-field-defaults-and-swift", "/defaults/tll: unknown property 'tll'"),
        ("unknown-field-defaults-and-swift", "/swift/acess: unknown property 'acess'"),
        ("missing-version", "/: missing required property 'version'"),
        ("missing-entities", "/: missing required property 'entities'"),
        ("wrong-version", "/version: expected 1, found 2"),
        ("swift-access-open", "/swift/access: expected one of [\"public\", \"package\", \"internal\"], found \"open\""),
        ("duration-without-unit", "/ttl/user: anyOf: 0 of 2 alternatives match"),
        ("bad-duration", "/ttl/user: \"5x\" does not match"),
        ("zero-and-negative-duration", "/defaults/ttl: \"0s\" does not match"),
        ("invalid-names", "/entities/User: property name: \"User\" does not match"),
        ("glob-in-key-pattern", "/entities/user/keys/user/pattern: \"user:{user_id}:*\" does not match"),
        ("pattern-as-mapping", "/entities/user/keys/user/pattern: expected \"string\", found object"),
        ("entity-without-keys", "/entities/user: missing required property 'keys'"),
        ("entity-without-keys", "/entities/order/keys: has 0 properties, at least 1 needed"),
        ("namespace-trailing-colon", "/namespace: \"shop:\" does not match"),
        ("bad-namespace", "/namespace: \"shop cache\" does not match"),
        ("scalar-document", "/: expected \"object\", found string"),
        ("list-document", "/: expected \"object\", found array"),
        ("unknown-field-freshness", "/entities/restaurant/keys/restaurantMenu/jiter: unknown property 'jiter'"),
        ("ttl-class-without-duration", "/ttl/menu: missing required property 'duration'"),
        ("early-refresh-too-large", "/entities/restaurant/keys/restaurantMenu/early: 12 is greater than 10"),
        ("invalid-early-refresh", "/ttl/menu/early: 0 is not greater than 0"),
        ("invalid-early-refresh", "/entities/restaurant/keys/restaurantStats/early: anyOf: 0 of 2 alternatives match"),
        ("invalid-stale-window", "/entities/restaurant/keys/restaurantMenu/stale: \"soon\" does not match"),
        ("invalid-jitter", "/entities/restaurant/keys/restaurantMenu/jitter: anyOf: 0 of 2 alternatives match"),
        ("invalid-jitter", "/entities/restaurant/keys/restaurantRating/jitter: \"ten%\" does not match"),
        ("unknown-field-near-cache", "/ttl/menu/near/size: unknown property 'size'"),
        ("unknown-field-near-cache", "/entities/restaurant/keys/restaurantStats/neer: unknown property 'neer'"),
        ("near-cache-without-ttl-or-capacity", "/ttl/menu/near: missing required property 'ttl'"),
        ("invalid-near-cache", "/entities/restaurant/keys/restaurantMenu/near: anyOf: 0 of 2 alternatives match"),
        ("invalid-near-ttl", "/entities/restaurant/keys/restaurantMenu/near/ttl: \"soon\" does not match"),
        ("invalid-near-capacity", "/ttl/hot/near/capacity: 10000001 is greater than 10000000"),
        ("invalid-near-capacity", "/entities/restaurant/keys/restaurantMenu/near/capacity: 0 is not greater than 0"),
    ]

    @Test(arguments: nonConforming.indices)
    func invalidSchemaDoesNotConform(_ index: Int) throws {
        let (fixture, failure) = Self.nonConforming[index]
        let text = try TestFiles.read(TestFiles.errorFixtures.appendingPathComponent(fixture + ".cache.yaml"))
        let failures = validator.validate(try JSONValue.fromYAML(text)).map(\.description)
        #expect(failures.contains { $0.hasPrefix(failure) }, "\(fixture): \(failures)")
    }

    // MARK: - Regular expressions agree with the loader

    static let durationSamples = [
        "5m", "90s", "250ms", "1h30m", "24h", "1d", "2d12h", "1h0m", "10m0s", "0s", "0m", "00h", "0m0s", "-5m", "5",
        "300", "1h30", "5x", "5M", "soon", "", "30m1h", "5m5m", "1ms5s", "1m5ms", "5 m", "1h 30m", "1.5h", "m", "ms",
    ]

    @Test(arguments: durationSamples)
    func durationPatternAgreesWithTheLoader(_ text: String) throws {
        guard case .string(let pattern)? = definition("duration")?["pattern"] else {
            Issue.record("no duration pattern")
            return
        }
        let accepted = if case .success = DurationLiteral.parse(text) { true } else { false }
        #expect(JSONSchemaValidator.matches(text, pattern: pattern) == accepted)
    }

    static let jitterSamples = [
        "0%", "5%", "10%", "2.5%", "12.25%", "49.99%", "50%", "50.0%", "50.00%", "07%", "50.01%", "51%", "60%", "100%",
        "10", "0.1", "ten%", "2.555%", "-5%", "5 %", "%", ".5%", "5.%", "",
    ]

    /// The jitter pattern accepts exactly the percentages the validator does (`off` is its own alternative).
    @Test(arguments: jitterSamples)
    func jitterPatternAgreesWithTheValidator(_ text: String) throws {
        guard case .string(let pattern)? = definition("jitter")?["anyOf"]?.arrayElements.first?["pattern"] else {
            Issue.record("no jitter pattern")
            return
        }
        let source = "version: 1\nentities:\n  user:\n    id: { user_id: UUID }\n    keys:\n      user: { pattern: \"user:{user_id}\", jitter: \"\(text)\" }\n"
        let accepted = !CacheSchemaCompiler.compile(source: source, file: "jitter.cache.yaml", generate: false).hasErrors
        #expect(JSONSchemaValidator.matches(text, pattern: pattern) == accepted)
    }

    static let capacitySamples = ["1", "1000", "10000000", "10000001", "0", "-5", "1.5", "1e6", "many", "off", "[10]"]

    /// A near cache's capacity conforms to the JSON Schema exactly when the generator accepts it.
    @Test(arguments: capacitySamples)
    func nearCacheCapacityAgreesWithTheValidator(_ text: String) throws {
        let source = "version: 1\nentities:\n  user:\n    id: { user_id: UUID }\n    keys:\n      user: { pattern: \"user:{user_id}\", near: { ttl: 1m, capacity: \(text) } }\n"
        let accepted = !CacheSchemaCompiler.compile(source: source, file: "capacity.cache.yaml", generate: false).hasErrors
        #expect(validator.validate(try JSONValue.fromYAML(source)).isEmpty == accepted)
    }

    static let nameSamples = [
        "user", "user_id", "userByEmail", "a", "a1", "a_1", "User", "_user", "user_", "user__id", "user-id", "1user",
        "user id", "usér", "", "x_Y_z",
    ]

    @Test(arguments: nameSamples)
    func namePatternAgreesWithTheLoader(_ name: String) throws {
        guard case .string(let pattern)? = definition("name")?["pattern"] else {
            Issue.record("no name pattern")
            return
        }
        #expect(JSONSchemaValidator.matches(name, pattern: pattern) == SwiftNaming.isValidSchemaName(name))
    }
}
