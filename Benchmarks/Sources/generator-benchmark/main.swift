import Foundation

// generator-benchmark [--entities N] [--iterations N] [--large-entities N] [--large-iterations N] [--rounds N]
//                     [--work-dir DIR] [--skip-plugin-overhead | --only-plugin-overhead]
// See Benchmarks/README.md.

var entities = 200
var iterations = 20
var largeEntities = 2000
var largeIterations = 5
var rounds = 10
var workDirectory = FileManager.default.temporaryDirectory.appending(path: "cache-schema-benchmark")
var runGenerator = true
var runPlugin = true

var arguments = CommandLine.arguments.dropFirst()
@MainActor func value(_ name: String) -> String {
    guard let value = arguments.popFirst() else {
        FileHandle.standardError.write(Data("error: \(name) needs a value\n".utf8))
        exit(2)
    }
    return value
}
while let argument = arguments.popFirst() {
    switch argument {
    case "--entities": entities = Int(value(argument)) ?? entities
    case "--iterations": iterations = max(1, Int(value(argument)) ?? iterations)
    case "--large-entities": largeEntities = max(0, Int(value(argument)) ?? largeEntities)
    case "--large-iterations": largeIterations = max(1, Int(value(argument)) ?? largeIterations)
    case "--rounds": rounds = max(1, Int(value(argument)) ?? rounds)
    case "--work-dir": workDirectory = URL(fileURLWithPath: value(argument))
    case "--skip-plugin-overhead": runPlugin = false
    case "--only-plugin-overhead": runGenerator = false
    case "-h", "--help":
        print("""
            usage: generator-benchmark [--entities N] [--iterations N] [--large-entities N] [--large-iterations N]
                                       [--rounds N] [--work-dir DIR] [--skip-plugin-overhead | --only-plugin-overhead]
            """)
        exit(0)
    default:
        FileHandle.standardError.write(Data("error: unknown argument '\(argument)'\n".utf8))
        exit(2)
    }
}

/// The repository root: this file is Benchmarks/Sources/generator-benchmark/main.swift.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

#if DEBUG
    print("warning: a debug build; time the generator with `swift run -c release generator-benchmark`\n")
#endif

do {
    if runGenerator {
        try GeneratorTiming.run(
            entities: entities, iterations: iterations, largeEntities: largeEntities, largeIterations: largeIterations,
            target: .milliseconds(250),
            referenceSchema: repositoryRoot.appending(path: "schemas/shop.cache.yaml"))
    }
    if runPlugin {
        try await PluginOverhead.run(
            repositoryRoot: repositoryRoot, workDirectory: workDirectory, rounds: rounds, target: .milliseconds(300))
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
