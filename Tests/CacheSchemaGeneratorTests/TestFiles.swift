import Foundation
import Testing

/// Paths of the repository's files, found from this source file so that tests run from any directory.
enum TestFiles {
    /// `Tests/CacheSchemaGeneratorTests`.
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    /// The package root.
    static let packageRoot = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = testsDirectory.appendingPathComponent("Fixtures")
    static let errorFixtures = fixtures.appendingPathComponent("errors")
    static let validFixtures = fixtures.appendingPathComponent("valid")
    static let snippets = testsDirectory.appendingPathComponent("Snippets")
    static let golden = testsDirectory.appendingPathComponent("Golden")
    static let schemas = packageRoot.appendingPathComponent("schemas")
    static let referenceSchema = schemas.appendingPathComponent("shop.cache.yaml")
    static let jsonSchema = schemas.appendingPathComponent("cache-schema.json")

    /// Whether golden files (and snippet outputs) are rewritten instead of compared:
    /// `CACHE_SCHEMA_UPDATE_GOLDEN=1 swift test --filter CacheSchemaGeneratorTests`.
    static var updatingGolden: Bool {
        ProcessInfo.processInfo.environment["CACHE_SCHEMA_UPDATE_GOLDEN"] == "1"
    }

    /// The `*.cache.yaml` files of a directory, sorted by name.
    static func schemaFiles(in directory: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".cache.yaml") }.sorted().map { directory.appendingPathComponent($0) }
    }

    static func read(_ url: URL) throws -> String {
        try String(contentsOf: url, encoding: .utf8)
    }

    /// Compares `actual` with the file at `url`, or rewrites the file when updating golden files.
    static func expectMatchesGolden(_ actual: String, at url: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
        if updatingGolden {
            try Data(actual.utf8).write(to: url)
            return
        }
        let expected = try? read(url)
        guard let expected else {
            Issue.record("missing golden file \(url.path); run with CACHE_SCHEMA_UPDATE_GOLDEN=1 to create it", sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            Issue.record(
                "\(url.lastPathComponent) differs from the generated output (CACHE_SCHEMA_UPDATE_GOLDEN=1 rewrites it):\n\(firstDifference(expected, actual))",
                sourceLocation: sourceLocation)
        }
    }

    /// The first differing line of two texts, for readable failures.
    static func firstDifference(_ expected: String, _ actual: String) -> String {
        let left = expected.components(separatedBy: "\n"), right = actual.components(separatedBy: "\n")
        for index in 0..<max(left.count, right.count) {
            let a = index < left.count ? left[index] : "<end of file>"
            let b = index < right.count ? right[index] : "<end of file>"
            if a != b { return "line \(index + 1):\n  expected: \(a)\n  actual:   \(b)" }
        }
        return "(no line differs; check line endings)"
    }
}
