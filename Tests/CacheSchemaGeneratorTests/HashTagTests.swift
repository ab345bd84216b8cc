import CacheSchemaCore
import Foundation
import Testing

@testable import CacheSchemaGenerator

/// Key layout version 2 as the generator writes it: every key of every schema carries exactly one non-empty hash tag,
/// an instance's keys and its `CacheEntityInstance` agree on it, and the checks compare keys with their tags.
@Suite struct HashTagTests {
    /// Every schema the tests hold that compiles: the reference schema, the valid fixtures and the snippets.
    static let schemaFiles: [URL] = [TestFiles.referenceSchema] + TestFiles.schemaFiles(in: TestFiles.validFixtures)
        + TestFiles.schemaFiles(in: TestFiles.snippets)

    /// Values of each type that a key may be built from, hostile strings included.
    static func samples(of type: CacheParameterType) -> [String] {
        switch type {
        case .string, .custom: ["", "a", "{x}", "}", "%", "a:b", "é", "config"].map(CacheKeyEncoding.encode)
        case .int: [0, -1, 42, Int.max].map(CacheKeyEncoding.encode)
        case .uuid: [UUID(uuidString: "7C9E6679-7425-40DE-944B-E07FC1F90AE7")!, UUID(uuidString: "00000000-0000-0000-0000-000000000000")!].map(CacheKeyEncoding.encode)
        case .bool: [true, false].map(CacheKeyEncoding.encode)
        }
    }

    /// The tag Redis Cluster hashes: the text between the first `{` and the next `}`, or `nil` when there is none or
    /// it is empty (Redis then hashes the whole key).
    static func redisHashTag(of key: String) -> Substring? {
        guard let open = key.firstIndex(of: "{"), let close = key[key.index(after: open)...].firstIndex(of: "}") else { return nil }
        let content = key[key.index(after: open)..<close]
        return content.isEmpty ? nil : content
    }

    static func compile(_ url: URL) throws -> CompilationResult {
        let text = try TestFiles.read(url)
        return CacheSchemaCompiler.compile(source: text, file: url.lastPathComponent, options: try SnippetTests.options(in: text))
    }

    @Test(arguments: schemaFiles.map(\.lastPathComponent))
    func everyKeyCarriesExactlyOneNonEmptyTag(_ name: String) throws {
        let url = try #require(Self.schemaFiles.first { $0.lastPathComponent == name })
        let result = try Self.compile(url)
        let schema = try #require(result.schema), analysis = try #require(result.analysis)
        for key in schema.keys {
            let decided = analysis[key]
            let arguments = decided.arguments
            let rounds = arguments.map { Self.samples(of: $0.type).count }.max() ?? 1
            for round in 0..<rounds {
                var values: [String: String] = [:]
                for parameter in arguments {
                    let samples = Self.samples(of: parameter.type)
                    values[parameter.name] = samples[round % samples.count]
                }
                let raw = (schema.namespace.map { $0 + ":" } ?? "") + decided.layout.filled(with: values)
                #expect(raw.filter { $0 == "{" }.count == 1 && raw.filter { $0 == "}" }.count == 1, "\(name): \(raw)")
                let tag = try #require(Self.redisHashTag(of: raw), "\(name): \(raw) has no tag Redis hashes")
                #expect(String(tag) == decided.layout.tagContent(filledWith: values))
                // Every owner whose tag is the key's names it exactly, as the runtime's index and marker keys will.
                for owner in decided.owners where owner.tag.isSameTag(as: decided.layout) {
                    #expect(owner.tag.instance(values: values).hashTag == String(tag), "\(name): \(key.name) and \(owner.entity)")
                }
            }
        }
        // The generated key functions build each key's one tag through CacheKeyEncoding.hashTag.
        let swift = try #require(result.swiftSource)
        let rawValues = swift.split(separator: "\n").filter { $0.contains("rawValue: ") && !$0.contains("CacheInvalidation.Key") }
        #expect(rawValues.count == schema.keys.count)
        for line in rawValues {
            #expect(line.components(separatedBy: "CacheKeyEncoding.hashTag(").count == 2, "\(line)")
        }
    }

    @Test func severalIdParametersShareOneSpanTag() throws {
        let result = try Self.compile(TestFiles.validFixtures.appendingPathComponent("multi-part-identity.cache.yaml"))
        let swift = try #require(result.swiftSource)
        #expect(swift.contains(#"rawValue: "saas:tenant:" + CacheKeyEncoding.hashTag(_tenantID + ":user:" + _userID) + ":profile","#))
        #expect(swift.contains(#"rawValue: "saas:pins:" + CacheKeyEncoding.hashTag(_tenantID + ":user:" + _userID),"#))
        #expect(swift.contains(#"CacheEntityInstance(entity: "tenantUser", identity: _tenantID + ":user:" + _userID, hashTag: _tenantID + ":user:" + _userID)"#))
        #expect(swift.contains(#"glob: "saas:tenant:" + CacheKeyEncoding.hashTag(_tenantID + ":user:" + _userID) + ":*", indexed: true"#))

        let schema = try #require(result.schema), analysis = try #require(result.analysis)
        let values = ["tenant_id": "acme", "user_id": "42", "section": "billing"]
        #expect(schema.keys.map { analysis[$0].layout.filled(with: values) } == [
            "tenant:{acme:user:42}:profile", "tenant:{acme:user:42}:settings:billing", "pins:{acme:user:42}",
        ])
        let explanation = SchemaExplanation(schema: schema, analysis: analysis)
        #expect(explanation.keys.map(\.layout) == [
            "saas:tenant:{<tenant_id>:user:<user_id>}:profile", "saas:tenant:{<tenant_id>:user:<user_id>}:settings:<section>",
            "saas:pins:{<tenant_id>:user:<user_id>}",
        ])
        #expect(explanation.entities.map(\.hashTag) == ["{<tenant_id>:user:<user_id>}"])
    }

    @Test func singletonTagIsItsName() throws {
        let result = try Self.compile(TestFiles.validFixtures.appendingPathComponent("singleton-tags.cache.yaml"))
        let schema = try #require(result.schema), analysis = try #require(result.analysis)
        #expect(schema.keys.map { analysis[$0].layout.description } == ["{config}", "{config}:flags", "{config}:banner:<locale>"])
        let entity = try #require(schema.entities.first)
        let related = analysis[related: try #require(entity.related.first), of: entity]
        #expect(related.layout.description == "{config}:*")
        // `{config}:*` needs a `:` after the tag, as `config:*` needed one after the name: the bare key is not matched.
        #expect(related.reaches == ["flags", "banner"])
        #expect(related.isIndexed)
        let swift = try #require(result.swiftSource)
        #expect(swift.contains(#"rawValue: "app:" + CacheKeyEncoding.hashTag("config") + ":banner:" + _locale,"#))
        #expect(swift.contains(#"CacheEntityInstance(entity: "config", identity: "", hashTag: "config")"#))
    }

    @Test func keysWithoutAnOwnerTagTheirFirstPlaceholderOrTheirPattern() throws {
        let result = try Self.compile(TestFiles.validFixtures.appendingPathComponent("unowned-keys.cache.yaml"))
        let schema = try #require(result.schema), analysis = try #require(result.analysis)
        #expect(schema.keys.map { analysis[$0].layout.description } == [
            "{stats:global}", "stats:city:{<city>}:day:<day>", "stats:{<restaurant_id>}:day:<day>",
        ])
        #expect(schema.keys.map { analysis[$0].owners.map(\.entity) } == [[], [], ["stats"]])
        let swift = try #require(result.swiftSource)
        #expect(swift.contains(#"rawValue: "shop:" + CacheKeyEncoding.hashTag("stats:global"),"#))
        #expect(swift.contains(#"rawValue: "shop:stats:city:" + CacheKeyEncoding.hashTag(_city) + ":day:" + _day,"#))
    }

    /// A String value alone in a tag can be empty, so its instance's tag goes through hashTagContent (`%`); a UUID
    /// never is.
    @Test func emptyStringIdentityGetsThePercentTag() throws {
        let result = CacheSchemaCompiler.compile(source: """
            version: 1
            entities:
              tenant:
                id: { tenant_id: String }
                keys:
                  tenant: { pattern: "tenant:{tenant_id}" }

            """, file: "t.cache.yaml")
        let swift = try #require(result.swiftSource)
        #expect(swift.contains("CacheEntityInstance(entity: \"tenant\", identity: _tenantID, hashTag: CacheKeyEncoding.hashTagContent(_tenantID))"))
    }

    @Test func patternsThatDifferOnlyByWhereTheTagSitsShareNoKey() throws {
        let result = try Self.compile(TestFiles.validFixtures.appendingPathComponent("hash-tag-keeps-patterns-apart.cache.yaml"))
        #expect(result.diagnostics.isEmpty)
        let schema = try #require(result.schema), analysis = try #require(result.analysis)
        let keys = schema.keys
        #expect(keys.map { analysis[$0].layout.description } == ["pair:{<left>}:<right>", "pair:<left>:{<right>}"])
        let types: [String: CacheParameterType] = ["left": .string, "right": .string]
        // Without tags the two would be one pattern; with them, no key is both.
        let untagged = keys.map { KeyLanguage(untagged: $0.pattern.parsed, types: types, prefix: "shop") }
        #expect(untagged[0].commonMember(with: untagged[1]) != nil)
        let tagged = keys.map { KeyLanguage(analysis[$0].layout, types: types, prefix: "shop") }
        #expect(tagged[0].commonMember(with: tagged[1]) == nil)
    }

    @Test func ambiguityIsFoundInTaggedKeysAndShownWithBraces() throws {
        let url = TestFiles.errorFixtures.appendingPathComponent("ambiguous-patterns-hash-tag.cache.yaml")
        let result = CacheSchemaCompiler.compile(source: try TestFiles.read(url), file: "a.cache.yaml")
        let diagnostic = try #require(result.diagnostics.first)
        #expect(diagnostic.identifier == .ambiguousPatterns)
        #expect(diagnostic.message.contains(#"e.g. "shop:{config}:flags""#))
    }

    /// A one-value tag is never empty in the analysis either: an example key never shows `{}`.
    @Test func exampleKeysNeverShowTheEmptyTag() throws {
        let result = CacheSchemaCompiler.compile(source: """
            version: 1
            entities:
              a:
                id: { a: String }
                keys:
                  a: { pattern: "k:{a}" }
              b:
                id: { b: String }
                keys:
                  b: { pattern: "k:{b}" }

            """, file: "t.cache.yaml")
        let diagnostic = try #require(result.diagnostics.first)
        #expect(diagnostic.identifier == .ambiguousPatterns)
        #expect(diagnostic.message.contains(#"e.g. "k:{a}""#), "\(diagnostic.message)")
    }

    @Test func relatedPatternMissedOnlyByTagsSaysSo() throws {
        let url = TestFiles.errorFixtures.appendingPathComponent("related-misses-by-hash-tag.cache.yaml")
        let result = CacheSchemaCompiler.compile(source: try TestFiles.read(url), file: "r.cache.yaml")
        let diagnostic = try #require(result.diagnostics.first)
        #expect(diagnostic.identifier == .relatedMatchesNothing)
        #expect(diagnostic.message.contains("because of the hash tags"))
        #expect(diagnostic.message.contains(#"key 'dailyStats' ("shop:stats:<restaurant_id>:day:{<day>}")"#))
        #expect(diagnostic.message.contains("walks every primary"))
    }

    @Test func newDiagnosticsSayWhatAndHowToFix() throws {
        func messages(_ directory: URL, _ name: String) throws -> [Diagnostic] {
            CacheSchemaCompiler.compile(source: try TestFiles.read(directory.appendingPathComponent(name)), file: name, generate: false).diagnostics
        }
        let span = try messages(TestFiles.errorFixtures, "identity-span-differs.cache.yaml")
        #expect(span.map(\.identifier) == Array(repeating: .identitySpanDiffers, count: 4))
        #expect(span[0].message.contains(#"span "{user_id}:tenant:{tenant_id}" in key 'legacy' but "{tenant_id}:user:{user_id}" in key 'profile'"#))
        #expect(span[0].message.contains(#"write "{tenant_id}:user:{user_id}" here"#))
        #expect(span[1].message.contains("'{page}' inside, which is not an id parameter"))

        let crossSlot = try messages(TestFiles.validFixtures, "cross-slot-owner.cache.yaml")
        #expect(crossSlot.map(\.identifier) == [.crossSlotOwner])
        #expect(crossSlot[0].message.hasPrefix("key 'seat' "))
        #expect(crossSlot[0].message.contains("indexed under entity 'tenantUser'"))
        #expect(crossSlot[0].message.contains("slot by slot"))

        let scan = try messages(TestFiles.validFixtures, "scan-fallback.cache.yaml")
        #expect(scan.map(\.identifier) == [.scanFallback, .scanFallback])
        #expect(scan[0].message.contains("'{user_id}' of 'avatar' is String, not UUID"))
        #expect(scan[1].message.contains("'daily' lacks '{user_id}'"))
        #expect(scan.allSatisfy { $0.message.contains("walks every primary") })
    }

    @Test func newIdentifiersHaveTheirSeverities() {
        #expect(DiagnosticID.identitySpanDiffers.severity == .error)
        #expect(DiagnosticID.crossSlotOwner.severity == .warning)
        #expect(DiagnosticID.scanFallback.severity == .warning)
    }
}
