import Foundation
import Testing

@testable import CacheSchemaGenerator

/// Diagnostic identifiers are a published interface: each is listed in the README with its severity and meaning, and
/// each is printed where editors and the JSON output find it.
@Suite struct DiagnosticIDTests {
    /// The README's table of checks: one row per identifier, `| \`identifier\` | severity | meaning |`.
    static func readmeRows() throws -> [String] {
        let readme = try TestFiles.read(TestFiles.packageRoot.appendingPathComponent("README.md"))
        return readme.split(separator: "\n").map(String.init).filter { $0.hasPrefix("| `") && $0.hasSuffix(" |") }
    }

    @Test func everyIdentifierHasItsReadmeRow() throws {
        let rows = try Self.readmeRows()
        for identifier in DiagnosticID.allCases {
            let row = "| `\(identifier.rawValue)` | \(identifier.severity.rawValue) | \(identifier.summary) |"
            #expect(rows.contains(row), "README lacks the row:\n\(row)")
        }
    }

    @Test func readmeListsNoOtherIdentifier() throws {
        let known = Set(DiagnosticID.allCases.map(\.rawValue))
        let listed = try Self.readmeRows().compactMap { row -> String? in
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 3, ["error", "warning"].contains(cells[1]) else { return nil }
            return cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
        }
        #expect(listed.count == DiagnosticID.allCases.count)
        #expect(listed.filter { !known.contains($0) } == [])
    }

    @Test func identifiersAreLowerCaseWordsJoinedByHyphens() {
        for identifier in DiagnosticID.allCases {
            let words = identifier.rawValue.split(separator: "-", omittingEmptySubsequences: false)
            #expect(words.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) } }, "\(identifier.rawValue)")
        }
    }

    @Test func identifierFollowsTheMessageWhereEditorsStillParseTheLine() throws {
        let result = CacheSchemaCompiler.compile(source: "version: 1\nentities: {}\nnamspace: shop\n", file: "dir/a.cache.yaml")
        let diagnostic = try #require(result.diagnostics.first { $0.severity == .error })
        #expect(diagnostic.identifier == .unknownField)
        #expect(diagnostic.description.hasPrefix("dir/a.cache.yaml:3:1: error: unknown field 'namspace'"))
        #expect(diagnostic.description.hasSuffix(" [#unknown-field]"))
    }

    @Test func jsonGivesTheIdentifierAsItsOwnField() throws {
        let result = CacheSchemaCompiler.compile(source: "version: 1\nentities: {}\n", file: "a.cache.yaml")
        let diagnostic = try #require(result.diagnostics.first)
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(diagnostic)) as? [String: Any])
        #expect(object["identifier"] as? String == "empty-entities")
        #expect(object["severity"] as? String == "warning")
        #expect(try JSONDecoder().decode(Diagnostic.self, from: JSONEncoder().encode(diagnostic)) == diagnostic)
    }
}
