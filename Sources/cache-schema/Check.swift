import ArgumentParser
import CacheSchemaGenerator
import Foundation

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check schema files and print every diagnostic.",
        discussion: """
            Prints each finding as 'path:line:column: error|warning: message [#identifier]', then the source line \
            and a caret; the README lists every identifier. With --format json, each finding is an object with \
            'identifier', 'severity', 'message', 'file' and 'location'. \
            Exit status: 0 when clean or warnings only, 1 on any error (or warning with --warnings-as-errors), \
            2 on a usage error.

            Examples:
              cache-schema check schemas/shop.cache.yaml
              cache-schema check --warnings-as-errors Sources/App/*.cache.yaml
              cache-schema check schemas/shop.cache.yaml --format json
            """
    )

    @Argument(help: "One or more schema files (*.cache.yaml).")
    var files: [String]

    @Flag(help: "Fail (exit 1) on warnings too.")
    var warningsAsErrors = false

    @Option(help: "Output format: text, or json for tools.")
    var format: OutputFormat = .text

    func run() throws {
        var failed = false
        var all: [Diagnostic] = []
        var lines: [String] = []
        for file in files {
            let result = CacheSchemaCompiler.compile(fileAt: file, generate: false)
            all += result.diagnostics
            for diagnostic in result.diagnostics {
                lines.append(diagnostic.rendered(source: result.source))
            }
            let errors = result.diagnostics.filter { $0.severity == .error }.count
            let warnings = result.diagnostics.count - errors
            if errors > 0 || (warningsAsErrors && warnings > 0) { failed = true }
            lines.append("\(file): \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
        }
        switch format {
        case .text:
            print(lines.joined(separator: "\n"))
        case .json:
            print(try JSONOutput.encode(all))
        }
        if failed { throw ExitCode(1) }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

enum JSONOutput {
    static func encode<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
