import Foundation
import Testing

@testable import CacheSchemaGenerator

/// Small schemas and the exact Swift they generate: `Snippets/NAME.cache.yaml` gives `Snippets/NAME.swift`.
///
/// A snippet may start with `# options: access=public|package|internal` to pass `GeneratorOptions(access:)`.
/// `CACHE_SCHEMA_UPDATE_GOLDEN=1` rewrites the `.swift` files instead of comparing.
@Suite struct SnippetTests {
    static let snippetNames = TestFiles.schemaFiles(in: TestFiles.snippets).map(\.lastPathComponent)

    @Test func thereAreSnippets() {
        #expect(Self.snippetNames.count >= 8)
    }

    @Test(arguments: snippetNames)
    func snippetGeneratesExactlyItsSwift(_ name: String) throws {
        let url = TestFiles.snippets.appendingPathComponent(name)
        let text = try TestFiles.read(url)
        let result = CacheSchemaCompiler.compile(source: text, file: name, options: try Self.options(in: text))
        #expect(!result.hasErrors, "\(result.diagnostics)")
        let swift = try #require(result.swiftSource)
        let expectedURL = TestFiles.snippets.appendingPathComponent(CacheSchemaCompiler.outputFileName(forSchemaFileNamed: name))
        try TestFiles.expectMatchesGolden(swift, at: expectedURL)
    }

    @Test func everyExpectedOutputHasItsSchema() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: TestFiles.snippets.path)
        for swift in names where swift.hasSuffix(".swift") {
            let schema = String(swift.dropLast(".swift".count)) + ".yaml"
            #expect(names.contains(schema), "\(swift) has no \(schema)")
        }
    }

    struct BadOptions: Error {
        var line: String
    }

    /// The options of a snippet's `# options:` first line.
    static func options(in text: String) throws -> GeneratorOptions {
        guard let first = text.split(separator: "\n").first, first.hasPrefix("# options: ") else { return GeneratorOptions() }
        var options = GeneratorOptions()
        for item in first.dropFirst("# options: ".count).split(separator: " ") {
            let parts = item.split(separator: "=")
            guard parts.count == 2, parts[0] == "access", let access = AccessLevel(rawValue: String(parts[1])) else {
                throw BadOptions(line: String(first))
            }
            options.access = access
        }
        return options
    }
}
