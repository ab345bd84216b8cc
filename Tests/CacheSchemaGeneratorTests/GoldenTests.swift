import Foundation
import Testing

@testable import CacheSchemaGenerator

/// The reference schema's generated Swift, kept in `Golden/shop.cache.swift` so that every change to the output is
/// seen in review. `CACHE_SCHEMA_UPDATE_GOLDEN=1` rewrites it instead of comparing.
@Suite struct GoldenTests {
    @Test func referenceSchemaMatchesGolden() throws {
        let text = try TestFiles.read(TestFiles.referenceSchema)
        let result = CacheSchemaCompiler.compile(source: text, file: "schemas/shop.cache.yaml")
        #expect(!result.hasErrors, "\(result.diagnostics)")
        let swift = try #require(result.swiftSource)
        try TestFiles.expectMatchesGolden(swift, at: TestFiles.golden.appendingPathComponent("shop.cache.swift"))
    }

    /// The reference schema keeps the warnings the spec asks for (the founding document's `invalidate_user` misses
    /// `user:email:{email}`), and nothing else.
    @Test func referenceSchemaWarnsExactlyAsTheSpecSays() throws {
        let text = try TestFiles.read(TestFiles.referenceSchema)
        let result = CacheSchemaCompiler.compile(source: text, file: "shop.cache.yaml", generate: false)
        #expect(result.diagnostics.allSatisfy { $0.severity == .warning })
        #expect(result.diagnostics.map(\.message) == [
            "key 'userByEmail' holds data of entity 'user' but no invalidation reaches it: its pattern lacks '{user_id}' and no related pattern matches it, so after invalidateUser it can stay stale for its TTL (5m); add '{user_id}' to its pattern, or delete it explicitly where the entity changes",
            "related pattern \"user:{user_id}:*\" of entity 'user' matches no declared key; fix the pattern or declare the keys it should invalidate (until then invalidateUser deletes what it matches with SCAN, which on a Redis Cluster walks every primary)",
        ])
    }

    @Test func headerNamesTheFileOnlyAndCarriesTheSchemaDocumentation() throws {
        let text = try TestFiles.read(TestFiles.referenceSchema)
        let swift = try #require(CacheSchemaCompiler.compile(source: text, file: "schemas/shop.cache.yaml").swiftSource)
        let header = swift.split(separator: "\n", omittingEmptySubsequences: false).prefix(while: { $0.hasPrefix("//") })
        #expect(header.first == "// Generated from shop.cache.yaml by cache-schema; do not edit.")
        #expect(header.contains("// The cache of the shop service: every Redis key it uses, with its TTL and what invalidates it."))
        // The editor directive at the top of the schema is not documentation.
        #expect(!swift.contains("yaml-language-server"))
    }
}
