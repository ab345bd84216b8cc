import Foundation
import Testing

/// This target's schema is a symbolic link to the reference schema, so that the reference schema is the one whose
/// generated code these tests exercise.
@Suite("Schema file")
struct SchemaFileTests {
    private static let testDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    private static let repositoryRoot = testDirectory.deletingLastPathComponent().deletingLastPathComponent()

    @Test("the target's shop.cache.yaml is the reference schema, byte for byte")
    func sameBytesAsReference() throws {
        let local = try Data(contentsOf: Self.testDirectory.appending(path: "shop.cache.yaml"))
        let reference = try Data(contentsOf: Self.repositoryRoot.appending(path: "schemas/shop.cache.yaml"))
        #expect(local == reference)
    }

    @Test("the generated code names the schema it came from")
    func generatedFromTheSchema() {
        #expect(CacheKeys.schema.source == "shop.cache.yaml")
    }
}
