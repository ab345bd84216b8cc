import CacheSchemaGenerator
import CacheSchemaLocalRedis
import Foundation

/// What the plugin adds to a no-change incremental build: the same consumer built with the plugin applied, and
/// built without it but with the generated file checked in.
enum PluginOverhead {
    static func run(repositoryRoot: URL, workDirectory: URL, rounds: Int, target: Duration) async throws {
        let manager = FileManager.default
        let packageCopy = workDirectory.appending(path: "cache-schema")
        for item in ["Sources", "Plugins"] {
            try manager.mirror(repositoryRoot.appending(path: item), to: packageCopy.appending(path: item))
        }
        try manager.writeIfChanged(
            Data(contentsOf: repositoryRoot.appending(path: "Package.swift")), to: packageCopy.appending(path: "Package.swift"))

        let schemaURL = repositoryRoot.appending(path: "schemas/shop.cache.yaml")
        let schema = try Data(contentsOf: schemaURL)
        let compiled = CacheSchemaCompiler.compile(fileAt: schemaURL.path)
        guard let generated = compiled.swiftSource else { throw BenchmarkError("the reference schema does not compile") }

        let withPlugin = workDirectory.appending(path: "with-plugin")
        let withoutPlugin = workDirectory.appending(path: "without-plugin")
        for (consumer, usesPlugin) in [(withPlugin, true), (withoutPlugin, false)] {
            try manager.writeIfChanged(Data(manifest(usesPlugin: usesPlugin).utf8), to: consumer.appending(path: "Package.swift"))
            let sources = consumer.appending(path: "Sources/App")
            try manager.writeIfChanged(Data(mainSwift.utf8), to: sources.appending(path: "main.swift"))
            try manager.writeIfChanged(Data(valuesSwift.utf8), to: sources.appending(path: "Values.swift"))
            if usesPlugin {
                try manager.writeIfChanged(schema, to: sources.appending(path: "shop.cache.yaml"))
            } else {
                try manager.writeIfChanged(Data(generated.utf8), to: sources.appending(path: "shop.cache.swift"))
            }
        }

        print("Plugin overhead: no-change `swift build` (debug) of a consumer of shop.cache.yaml, in \(workDirectory.path)")
        for consumer in [withPlugin, withoutPlugin] {
            // The first build may compile everything; SwiftPM's second build after a fresh one still recompiles the
            // plugin tool's C sources once. Two builds settle it.
            for attempt in 1...2 {
                let result = try await build(consumer)
                guard result.status == 0 else {
                    throw BenchmarkError("building \(consumer.lastPathComponent) failed:\n\(result.output.suffix(6000))")
                }
                print("  warm-up build \(attempt) of \(consumer.lastPathComponent): \(format(milliseconds(result.duration) / 1000, digits: 2)) s")
            }
        }

        var samples: [String: [Duration]] = ["with-plugin": [], "without-plugin": []]
        var generatorRuns = 0
        for _ in 0..<rounds {
            // Alternate, so that drift in the machine's load affects both sides alike.
            for consumer in [withPlugin, withoutPlugin] {
                let result = try await build(consumer)
                guard result.status == 0 else { throw BenchmarkError("a no-change build failed:\n\(result.output)") }
                if result.output.contains("Generating cache keys") { generatorRuns += 1 }
                samples[consumer.lastPathComponent, default: []].append(result.duration)
            }
        }

        let with = samples["with-plugin"]!.sorted()
        let without = samples["without-plugin"]!.sorted()
        var table = [["no-change swift build", "min s", "median s", "p90 s"]]
        for (label, sorted) in [("with the plugin", with), ("generated file checked in", without)] {
            table.append([
                label,
                format(milliseconds(sorted[0]) / 1000, digits: 3),
                format(milliseconds(percentile(sorted, 0.5)) / 1000, digits: 3),
                format(milliseconds(percentile(sorted, 0.9)) / 1000, digits: 3),
            ])
        }
        let medianDifference = milliseconds(percentile(with, 0.5)) - milliseconds(percentile(without, 0.5))
        let minDifference = milliseconds(with[0]) - milliseconds(without[0])
        table.append([
            "added by the plugin",
            format(minDifference / 1000, digits: 3),
            format(medianDifference / 1000, digits: 3),
            "",
        ])
        print("")
        printTable(table)
        print("""
            \(rounds) rounds. The plugin adds \(format(medianDifference / 1000, digits: 3)) s (median) to a no-change build; \
            target < \(format(milliseconds(target) / 1000, digits: 1)) s: \
            \(medianDifference <= milliseconds(target) ? "met" : "NOT met") \
            (\(format(medianDifference / milliseconds(target), digits: 2))x). \
            The generator ran in \(generatorRuns) of \(rounds) no-change builds (expected 0).

            """)
    }

    private static func build(_ consumer: URL) async throws -> CommandRun {
        try await Shell.swift(
            ["build", "--package-path", consumer.path, "--scratch-path", consumer.appending(path: ".build").path], in: consumer)
    }

    private static func manifest(usesPlugin: Bool) -> String {
        let plugins =
            usesPlugin ? ",\n            plugins: [.plugin(name: \"CacheSchemaPlugin\", package: \"cache-schema\")]" : ""
        return """
            // swift-tools-version: 6.1
            import PackageDescription

            let package = Package(
                name: "\(usesPlugin ? "WithPlugin" : "WithoutPlugin")",
                platforms: [.macOS(.v15)],
                dependencies: [.package(path: "../cache-schema")],
                targets: [
                    .executableTarget(
                        name: "App",
                        dependencies: [.product(name: "CacheRuntime", package: "cache-schema")]\(plugins)
                    ),
                ],
                swiftLanguageModes: [.v6]
            )

            """
    }

    private static let mainSwift = """
        import CacheRuntime
        import Foundation

        let key = CacheKeys.user(userID: UUID())
        print(key, key.ttl)

        """

    private static let valuesSwift = """
        import Foundation

        struct UserDTO: Codable, Sendable {
            var id: UUID
            var name: String
            var email: String
        }

        """
}
