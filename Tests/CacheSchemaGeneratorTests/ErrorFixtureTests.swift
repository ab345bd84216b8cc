import Foundation
import Testing

@testable import CacheSchemaGenerator

/// Every schema under `Fixtures/errors` gives exactly the diagnostics written in its `# expect:` lines: the same
/// identifiers, severities, lines and columns, in order, and nothing else.
@Suite struct ErrorFixtureTests {
    static let fixtureNames = TestFiles.schemaFiles(in: TestFiles.errorFixtures).map(\.lastPathComponent)

    @Test func thereAreEnoughFixtures() {
        #expect(Self.fixtureNames.count >= 30)
    }

    @Test(arguments: fixtureNames)
    func fixtureGivesExactlyItsExpectedDiagnostics(_ name: String) throws {
        let url = TestFiles.errorFixtures.appendingPathComponent(name)
        let bytes = Array(try Data(contentsOf: url))
        let expected = try ExpectedDiagnostic.parse(fixture: String(decoding: bytes, as: UTF8.self))
        #expect(!expected.isEmpty, "an error fixture must expect at least one diagnostic")

        let result = CacheSchemaCompiler.compile(bytes: bytes, file: "errors/\(name)")
        let actual = result.diagnostics.map(ExpectedDiagnostic.init)
        #expect(
            actual == expected,
            "\(name) gives:\n\(actual.map { ExpectedDiagnostic.prefix + $0.description }.joined(separator: "\n"))")
        for diagnostic in result.diagnostics {
            #expect(diagnostic.file == "errors/\(name)")
        }
        // Nothing is generated when there is an error.
        if expected.contains(where: { $0.severity == .error }) {
            #expect(result.hasErrors)
            #expect(result.swiftSource == nil)
            #expect(result.schema == nil)
        }
    }

    /// Zero bytes cannot carry `# expect:` lines, so they are checked here.
    @Test(arguments: ["", "\n", "   \n\n", "---\n", "# only a comment\n"])
    func emptyInputIsOneErrorAtTheStart(_ text: String) {
        let result = CacheSchemaCompiler.compile(source: text, file: "empty.cache.yaml")
        #expect(result.diagnostics.map(ExpectedDiagnostic.init) == [
            ExpectedDiagnostic(line: 1, column: 1, severity: .error, identifier: .emptySchema),
        ])
    }

    /// The form is the subject here, so the message is matched too.
    @Test func diagnosticsAreWrittenAsCompilersWriteThem() throws {
        let result = CacheSchemaCompiler.compile(source: "version: 2\nentities: {}\n", file: "dir/bad.cache.yaml")
        let first = try #require(result.diagnostics.first)
        #expect(first.description == "dir/bad.cache.yaml:1:10: error: unsupported schema version 2; this generator reads version 1 [#unsupported-version]")
        #expect(first.rendered(source: result.source) == """
            dir/bad.cache.yaml:1:10: error: unsupported schema version 2; this generator reads version 1 [#unsupported-version]
            version: 2
                     ^
            """)
    }
}
