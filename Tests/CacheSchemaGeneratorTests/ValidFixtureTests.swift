import Foundation
import Testing

@testable import CacheSchemaGenerator

/// Every schema under `Fixtures/valid` compiles without error and generates Swift. Its warnings, if any, are exactly
/// those written in its `# expect:` lines.
@Suite struct ValidFixtureTests {
    static let fixtureNames = TestFiles.schemaFiles(in: TestFiles.validFixtures).map(\.lastPathComponent)

    @Test func thereAreValidFixtures() {
        #expect(Self.fixtureNames.count >= 6)
    }

    @Test(arguments: fixtureNames)
    func fixtureCompilesWithExactlyItsExpectedWarnings(_ name: String) throws {
        let url = TestFiles.validFixtures.appendingPathComponent(name)
        let bytes = Array(try Data(contentsOf: url))
        let expected = try ExpectedDiagnostic.parse(fixture: String(decoding: bytes, as: UTF8.self))
        #expect(expected.allSatisfy { $0.severity == .warning }, "a valid fixture may expect warnings only")

        let result = CacheSchemaCompiler.compile(bytes: bytes, file: name)
        #expect(!result.hasErrors)
        #expect(result.diagnostics.map(ExpectedDiagnostic.init) == expected)
        let swift = try #require(result.swiftSource)
        #expect(swift.hasPrefix("// Generated from \(name) by cache-schema; do not edit.\n"))
        #expect(result.schema != nil)
    }

    @Test func singletonEntityHasNoIdentity() throws {
        let result = try compileFixture("singleton-entity.cache.yaml")
        let entity = try #require(result.schema?.entities.first)
        #expect(entity.identity.isEmpty)
        let swift = try #require(result.swiftSource)
        #expect(swift.contains("internal static func config() -> CacheKey<AppConfig> {"))
        #expect(swift.contains("internal func invalidateConfig() async throws {"))
    }

    @Test func customParameterTypesArePassedThrough() throws {
        let result = try compileFixture("custom-parameter-type.cache.yaml")
        let entity = try #require(result.schema?.entities.first)
        #expect(entity.identity.map(\.type) == [.custom("Tenant.ID")])
        let swift = try #require(result.swiftSource)
        #expect(swift.contains("internal static func tenantUsers<Value>(tenantID: Tenant.ID, region: Region, as _: Value.Type = Value.self) -> CacheKey<Value> {"))
        #expect(swift.contains("type: .custom(\"Tenant.ID\")"))
    }

    @Test func defaultsBecomeSwiftDefaultArguments() throws {
        let swift = try #require(try compileFixture("bool-and-int-defaults.cache.yaml").swiftSource)
        #expect(swift.contains("userID: UUID, page: Int = 1, unreadOnly: Bool = false"))
    }

    @Test func literalAndDefaultTTLs() throws {
        let literal = try #require(try compileFixture("literal-ttl.cache.yaml").schema)
        #expect(literal.keys.map(\.ttl) == [.literal("90s", 90_000), .literal("1h30m", 5_400_000)])
        let defaults = try #require(try compileFixture("defaults-ttl.cache.yaml").schema)
        #expect(defaults.defaultTTL == 600_000)
        #expect(defaults.keys.map(\.ttl) == [.schemaDefault(600_000)])
    }

    @Test func noNamespaceMeansBareKeys() throws {
        let result = try compileFixture("no-namespace.cache.yaml")
        #expect(result.schema?.namespace == nil)
        let swift = try #require(result.swiftSource)
        #expect(swift.contains("rawValue: \"order:\" + CacheKeyEncoding.hashTag(_orderID),"))
        #expect(swift.contains("namespace: nil,"))
    }

    private func compileFixture(_ name: String) throws -> CompilationResult {
        let url = TestFiles.validFixtures.appendingPathComponent(name)
        let result = CacheSchemaCompiler.compile(bytes: Array(try Data(contentsOf: url)), file: name)
        #expect(!result.hasErrors, "\(result.diagnostics)")
        return result
    }
}
