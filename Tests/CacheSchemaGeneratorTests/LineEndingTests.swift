import Testing

@testable import CacheSchemaGenerator

/// A schema saved with Windows line endings compiles to the same Swift, with the same diagnostics, as with `\n`.
@Suite struct LineEndingTests {
    static let schema = """
        # The file's documentation.

        version: 1
        entities:
          # A user.
          user:
            id: { user_id: UUID }
            keys:
              # A user by id.
              user: { pattern: "user:{user_id}", ttl: 5m }
              byName: { pattern: "user:name:{name}", params: { name: String } }   # no id: warned

        """

    @Test func crlfGivesTheSameOutputAndDiagnostics() throws {
        let lf = CacheSchemaCompiler.compile(source: Self.schema, file: "s.cache.yaml")
        let crlf = CacheSchemaCompiler.compile(source: Self.schema.replacingOccurrences(of: "\n", with: "\r\n"), file: "s.cache.yaml")
        #expect(lf.swiftSource != nil)
        #expect(crlf.swiftSource == lf.swiftSource)
        #expect(crlf.diagnostics == lf.diagnostics)
        #expect(try #require(crlf.swiftSource).contains("/// A user by id."))
        #expect(try #require(crlf.swiftSource).contains("// The file's documentation."))
        let rendered = crlf.diagnostics.map { $0.rendered(source: crlf.source) }
        #expect(rendered == lf.diagnostics.map { $0.rendered(source: lf.source) })
    }
}
