import Foundation
import Testing

@testable import CacheSchemaGenerator

/// Each stage on its own: what it reports, what it leaves to the next stage, and the value it hands on.
@Suite struct StageTests {
    static let file = "stages.cache.yaml"

    private func load(_ text: String) -> (output: SchemaLoader.Output, diagnostics: [Diagnostic]) {
        var diagnostics = DiagnosticCollector(file: Self.file)
        let output = SchemaLoader.load(bytes: Array(text.utf8), diagnostics: &diagnostics)
        return (output, diagnostics.finished())
    }

    @Test func loadReportsTheStructureAndLeavesValuesToValidation() throws {
        let (output, diagnostics) = load("""
            version: 1
            ttl: { user: 5x }
            entities:
              user:
                id: { user_id: UUID }
                colour: blue
                keys:
                  user: { pattern: "user:{user_id}", ttl: user }

            """)
        #expect(diagnostics.map(\.identifier) == [.unknownField])
        let syntax = try #require(output.syntax)
        #expect(syntax.ttlClasses.map(\.body?.duration?.schemaText) == ["5x"])
        let entity = try #require(syntax.entities?.content?.first?.body)
        #expect(entity.identity.map(\.name.schemaText) == ["user_id"])
        #expect(entity.keys?.content?.map(\.name.schemaText) == ["user"])

        var collector = DiagnosticCollector(file: Self.file)
        #expect(SchemaValidator.validate(syntax, diagnostics: &collector) == nil)
        #expect(collector.finished().map(\.identifier) == [.invalidDuration])
    }

    @Test func loadDoesNotLookInsideAnEntryWhoseNameIsRefused() throws {
        let (output, diagnostics) = load("version: 1\nentities:\n  Bad-Name: { colour: blue }\n")
        #expect(diagnostics.isEmpty)
        let entity = try #require(output.syntax?.entities?.content?.first)
        #expect(entity.body == nil)

        var collector = DiagnosticCollector(file: Self.file)
        _ = SchemaValidator.validate(try #require(output.syntax), diagnostics: &collector)
        #expect(collector.finished().map(\.identifier) == [.invalidName])
    }

    @Test func validationGivesNoSchemaAfterAnEarlierStageReportedAnError() throws {
        var diagnostics = DiagnosticCollector(file: Self.file)
        let text = "version: 1\nentities:\n  user:\n    keys:\n      user: { pattern: \"user\", colour: blue }\n"
        let syntax = try #require(SchemaLoader.load(bytes: Array(text.utf8), diagnostics: &diagnostics).syntax)
        #expect(diagnostics.hasErrors)
        #expect(SchemaValidator.validate(syntax, diagnostics: &diagnostics) == nil)
    }

    @Test func analysisDecidesWhatTheRendererWrites() throws {
        let result = CacheSchemaCompiler.compile(fileAt: TestFiles.referenceSchema.path, generate: false)
        let schema = try #require(result.schema)
        let analysis = try #require(result.analysis)
        let keys = Dictionary(uniqueKeysWithValues: schema.keys.map { ($0.name, $0) })
        let entities = Dictionary(uniqueKeysWithValues: schema.entities.map { ($0.name, $0) })

        let user = analysis[try #require(keys["user"])]
        #expect(user.route == .exactKey)
        #expect(user.owners.map(\.entity) == ["user"])
        #expect(user.owners.map(\.identity) == [["user_id"]])
        #expect(user.owners.map(\.tag.description) == ["{<user_id>}"])
        #expect(user.layout.description == "user:{<user_id>}")
        #expect(user.layout.placement == .identity)

        let byEmail = analysis[try #require(keys["userByEmail"])]
        #expect(byEmail.arguments.map(\.name) == ["email"])
        #expect(byEmail.reach.isEmpty)
        #expect(byEmail.owners.isEmpty)
        #expect(byEmail.layout.description == "user:email:{<email>}")
        #expect(byEmail.layout.placement == .firstPlaceholder)

        let orders = analysis[try #require(keys["userOrders"])]
        #expect(orders.arguments.map(\.name) == ["user_id", "page"])
        #expect(orders.owners.map(\.entity) == ["userOrders"])

        let userOrders = try #require(entities["userOrders"])
        let ordersRelated = analysis[related: try #require(userOrders.related.first), of: userOrders]
        #expect(ordersRelated.reaches == ["userOrders"])
        #expect(ordersRelated.isIndexed)
        #expect(ordersRelated.layout.description == "orders:user:{<user_id>}:*")
        let userEntity = try #require(entities["user"])
        let userRelated = analysis[related: try #require(userEntity.related.first), of: userEntity]
        #expect(userRelated.reaches.isEmpty)
        #expect(!userRelated.isIndexed)
        #expect(analysis.instanceTag(of: userEntity).description == "{<user_id>}")
    }

    /// An index holds one instance's keys, so it stands for a related glob only when the glob binds every id
    /// parameter: `orders:*` reaches every instance's orders, and invalidating one instance must delete them all.
    @Test func aRelatedGlobThatBindsNoInstanceIsNotIndexed() throws {
        let result = CacheSchemaCompiler.compile(
            source: """
                version: 1
                namespace: shop
                entities:
                  order:
                    id: { order_id: String }
                    keys:
                      order: { pattern: "orders:{order_id}" }
                    related: ["orders:*", "orders:{order_id}"]
                """, file: Self.file, generate: false)
        let analysis = try #require(result.analysis)
        let order = try #require(result.schema?.entities.first)
        #expect(!analysis[related: order.related[0], of: order].isIndexed, "orders:* must be scanned, not read from one instance's index")
        #expect(analysis[related: order.related[1], of: order].isIndexed)
    }

    @Test func collectorSortsByPlaceAndLimitsWhatItShows() {
        var collector = DiagnosticCollector(file: Self.file)
        collector.report(.unreachableKey, "b", at: SourceLocation(line: 2, column: 1))
        collector.report(.unknownField, "a", at: SourceLocation(line: 2, column: 1))
        collector.report(.invalidName, "c", at: SourceLocation(line: 1, column: 5))
        #expect(collector.finished().map(\.identifier) == [.invalidName, .unknownField, .unreachableKey])
        #expect(collector.finished().map(\.severity) == [.error, .error, .warning])

        for line in 1...(CacheSchemaCompiler.maximumDiagnostics + 5) {
            collector.report(.unknownField, "x", at: SourceLocation(line: line + 10, column: 1))
        }
        let shown = collector.finished()
        #expect(shown.count == CacheSchemaCompiler.maximumDiagnostics + 1)
        #expect(shown.last?.identifier == .tooManyDiagnostics)
    }
}
