import ArgumentParser
import CacheSchemaGenerator
import Foundation

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate the Swift file for a schema (what the build plugin does, by hand).",
        discussion: """
            Writes <DIR>/<name>.swift for <name>.yaml (shop.cache.yaml -> shop.cache.swift), and only when its bytes \
            change. On any error nothing is written and the exit status is 1.

            Examples:
              cache-schema generate schemas/shop.cache.yaml --output Sources/App/Generated
              cache-schema generate schemas/shop.cache.yaml --output Generated --access public
            """
    )

    @Argument(help: "The schema file (*.cache.yaml).")
    var file: String

    @Option(name: .shortAndLong, help: "The directory to write the Swift file into (created when missing).")
    var output: String

    @Option(help: "Access level of generated declarations: public, package or internal (default: the schema's swift.access, else internal).")
    var access: AccessLevelArgument?

    func run() throws {
        let result = CacheSchemaCompiler.compile(fileAt: file, options: GeneratorOptions(access: access?.level))
        for diagnostic in result.diagnostics {
            FileHandle.standardError.write(Data((diagnostic.rendered(source: result.source) + "\n").utf8))
        }
        guard let swift = result.swiftSource, !result.hasErrors else { throw ExitCode(1) }
        let name = CacheSchemaCompiler.outputFileName(forSchemaFileNamed: URL(fileURLWithPath: file).lastPathComponent)
        let path = URL(fileURLWithPath: output).appendingPathComponent(name).path
        let outcomes = try GeneratedFileWriter.write([.init(path: path, contents: swift)])
        print("\(path): \(outcomes.first == .written ? "written" : "unchanged")")
    }
}

struct AccessLevelArgument: ExpressibleByArgument {
    let level: AccessLevel

    init?(argument: String) {
        guard let level = AccessLevel(rawValue: argument) else { return nil }
        self.level = level
    }

    static var allValueStrings: [String] { AccessLevel.allCases.map(\.rawValue) }
}
