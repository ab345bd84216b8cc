import ArgumentParser
import CacheSchemaGenerator
import Foundation

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain a schema: every key, its parameters, TTL, freshness and near cache, and what invalidates it.",
        discussion: """
            Prints a table of keys (name, concrete layout with namespace: parameters as <name> and the Redis \
            Cluster hash tag in braces, parameters with types, TTL, freshness when some key declares early \
            refresh, a stale window or jitter ("early refresh β 1, stale 5m, jitter 10%"), near cache when some key \
            has one ("1m in process, up to 1000 values"), value type, \
            the invalidations that reach the key), then, per entity, its hash tag and exactly what its invalidation \
            deletes. \
            Diagnostics go to standard error; on an error nothing is explained and the exit status is 1.

            Examples:
              cache-schema explain schemas/shop.cache.yaml
              cache-schema explain schemas/shop.cache.yaml --format json | jq '.keys[].layout'
            """
    )

    @Argument(help: "The schema file (*.cache.yaml).")
    var file: String

    @Option(help: "Output format: text, or json for tools.")
    var format: OutputFormat = .text

    func run() throws {
        let result = CacheSchemaCompiler.compile(fileAt: file, generate: false)
        for diagnostic in result.diagnostics {
            FileHandle.standardError.write(Data((diagnostic.rendered(source: result.source) + "\n").utf8))
        }
        guard let schema = result.schema, let analysis = result.analysis else { throw ExitCode(1) }
        let explanation = SchemaExplanation(schema: schema, analysis: analysis)
        switch format {
        case .text: print(explanation.textTable(), terminator: "")
        case .json: print(try JSONOutput.encode(explanation))
        }
    }
}
