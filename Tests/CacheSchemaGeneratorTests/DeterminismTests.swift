import Foundation
import Testing

@testable import CacheSchemaGenerator

/// The same schema always gives the same bytes, wherever the file lives.
@Suite struct DeterminismTests {
    @Test func compilingTwiceGivesIdenticalBytes() throws {
        let text = try TestFiles.read(TestFiles.referenceSchema)
        let first = try #require(CacheSchemaCompiler.compile(source: text, file: "shop.cache.yaml").swiftSource)
        for _ in 0..<3 {
            let again = try #require(CacheSchemaCompiler.compile(source: text, file: "shop.cache.yaml").swiftSource)
            #expect(Array(again.utf8) == Array(first.utf8))
        }
    }

    @Test func outputDoesNotDependOnTheDirectory() throws {
        let text = try TestFiles.read(TestFiles.referenceSchema)
        let relative = try #require(CacheSchemaCompiler.compile(source: text, file: "schemas/shop.cache.yaml").swiftSource)
        let absolute = try #require(CacheSchemaCompiler.compile(fileAt: TestFiles.referenceSchema.path).swiftSource)
        let elsewhere = try #require(CacheSchemaCompiler.compile(source: text, file: "/tmp/checkout-2/schemas/shop.cache.yaml").swiftSource)
        #expect(relative == absolute)
        #expect(relative == elsewhere)
    }

    @Test func everySnippetIsDeterministic() throws {
        for url in TestFiles.schemaFiles(in: TestFiles.snippets) + TestFiles.schemaFiles(in: TestFiles.validFixtures) {
            let bytes = Array(try Data(contentsOf: url))
            let first = CacheSchemaCompiler.compile(bytes: bytes, file: url.lastPathComponent)
            let second = CacheSchemaCompiler.compile(bytes: bytes, file: url.lastPathComponent)
            #expect(first.swiftSource != nil, "\(url.lastPathComponent)")
            #expect(first.swiftSource == second.swiftSource, "\(url.lastPathComponent)")
            #expect(first.diagnostics == second.diagnostics, "\(url.lastPathComponent)")
        }
    }

    @Test func diagnosticsAreDeterministic() throws {
        for url in TestFiles.schemaFiles(in: TestFiles.errorFixtures) {
            let bytes = Array(try Data(contentsOf: url))
            let runs = (0..<3).map { _ in CacheSchemaCompiler.compile(bytes: bytes, file: url.lastPathComponent).diagnostics }
            #expect(runs.allSatisfy { $0 == runs[0] }, "\(url.lastPathComponent)")
        }
    }
}
