import CacheSchemaGenerator
import Foundation

/// The executable the CacheSchemaPlugin runs for each `*.cache.yaml` of a target:
///
///     cache-schema-build-tool <schema.cache.yaml> <output.swift>
///
/// It prints diagnostics as `file:line:column: error|warning: message [#identifier]` (which SwiftPM and IDEs show at
/// the YAML line) and exits 1 without writing anything when there is an error. It depends on the generator only, to
/// keep every consumer's build small.
@main
struct BuildTool {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count == 2 else {
            FileHandle.standardError.write(Data("usage: cache-schema-build-tool <schema.cache.yaml> <output.swift>\n".utf8))
            exit(2)
        }
        let (input, output) = (arguments[0], arguments[1])
        let result = CacheSchemaCompiler.compile(fileAt: input)
        for diagnostic in result.diagnostics {
            FileHandle.standardError.write(Data((diagnostic.rendered(source: result.source) + "\n").utf8))
        }
        guard let swift = result.swiftSource, !result.hasErrors else { exit(1) }
        do {
            _ = try GeneratedFileWriter.write([.init(path: output, contents: swift)])
        } catch {
            FileHandle.standardError.write(Data("error: cannot write \(output): \(error.localizedDescription)\n".utf8))
            exit(1)
        }
    }
}
