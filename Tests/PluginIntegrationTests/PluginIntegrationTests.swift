import CacheSchemaLocalRedis
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Builds a real consumer package that applies `CacheSchemaPlugin`, the way an application does, and checks what a
/// user sees: the generated code works, an unchanged schema does not re-run the generator, a changed one does, a
/// schema error fails the build at the YAML line, and two schemas in one target are refused.
///
/// Both the copy of this package and the consumer live under paths with spaces (`Cache Schema Root/cache-schema`,
/// `My Consumer App`). The work directory is fixed (`$TMPDIR/cache-schema-plugin-integration`, or
/// `CACHE_SCHEMA_PLUGIN_INTEGRATION_DIR`) so that a later run reuses the consumer's build and does not compile Yams
/// again; the first run on a machine takes a few minutes.
///
/// Set `CACHE_SCHEMA_SKIP_PLUGIN_INTEGRATION=1` to skip it.
@Suite("Plugin integration", .serialized)
struct PluginIntegrationTests {
    static let skipped = ProcessInfo.processInfo.environment["CACHE_SCHEMA_SKIP_PLUGIN_INTEGRATION"] == "1"

    @Test(
        "a consumer package builds with the plugin, rebuilds incrementally and reports schema errors at the YAML line",
        .enabled(if: !skipped, "CACHE_SCHEMA_SKIP_PLUGIN_INTEGRATION=1"),
        .timeLimit(.minutes(60))
    )
    func consumerBuild() async throws {
        let workspace = try ConsumerWorkspace.prepare()
        let lock = try await WorkspaceLock.acquire(workspace.root.appending(path: "lock"))
        defer { lock.release() }
        try workspace.install()
        defer { workspace.restoreTemplate() }

        // 1. First build: the generator runs and the executable prints the concrete key. Modules a reused workspace
        // kept from earlier builds are forgotten first, so that the check below sees what this build compiled.
        try workspace.forgetCompiledModules()
        let first = try await workspace.build()
        try #require(first.status == 0, "first build failed:\n\(first.output.suffix(8000))")
        var run = try await workspace.runConsumer()
        #expect(run.output.contains("key=consumer:user:{7c9e6679-7425-40de-944b-e07fc1f90ae7}"), "\(run.output)")
        #expect(run.output.contains("name=user"))
        #expect(run.output.contains("ttl=300"))
        let generated = try #require(workspace.generatedFile(), "no generated shop.cache.swift under \(workspace.scratch.path)")
        let generatedBefore = try modificationDate(of: generated)
        let generatedText = try String(contentsOf: generated, encoding: .utf8)
        #expect(generatedText.hasPrefix("// Generated from shop.cache.yaml by cache-schema; do not edit."))

        // The consumer depends on the light product only: its build compiles the generated code's module, and no
        // networking module. (SwiftPM's build plan lists every module of the package graph; the modules a build
        // actually compiled are the ones it emitted.)
        let compiled = try workspace.compiledModules()
        #expect(compiled.contains("Consumer") && compiled.contains("CacheSchemaCore"), "\(compiled.sorted())")
        let heavy = compiled.filter { $0.hasPrefix("NIO") || ["CacheRuntime", "CacheSchemaRedis", "CacheSchemaRESP"].contains($0) }
        #expect(heavy.isEmpty, "a consumer of CacheSchemaCore compiles \(heavy.sorted())")

        // SwiftPM 6.3 compiles a fresh build's C sources (Yams's libyaml, for the plugin's tool) once more on the next
        // build, which relinks the tool and so, rightly, re-runs the generator (the tool is one of its inputs); the
        // build after that is quiet. Settle first, so that step (a) checks the plugin and not that quirk.
        let settle = try await workspace.build()
        #expect(settle.status == 0, "\(settle.output.suffix(4000))")
        print("plugin integration: first build \(first.seconds) s, settling build \(settle.seconds) s")

        // (a) No change: the generator does not run and its output is untouched.
        let generatedSettled = try modificationDate(of: generated)
        #expect(generatedSettled == generatedBefore, "the settling build rewrote unchanged generated code")
        let unchanged = try await workspace.build()
        #expect(unchanged.status == 0, "\(unchanged.output.suffix(4000))")
        #expect(!unchanged.output.contains(ConsumerWorkspace.generatorDisplayName), "\(unchanged.output)")
        #expect(try modificationDate(of: generated) == generatedBefore)
        print("plugin integration: no-change rebuild of the consumer took \(unchanged.seconds) s")

        // (b) A TTL change re-runs the generator, and the program sees the new TTL.
        try workspace.editSchema(replacing: "user: 5m", with: "user: 7m")
        let edited = try await workspace.build()
        #expect(edited.status == 0, "\(edited.output.suffix(4000))")
        #expect(edited.output.contains(ConsumerWorkspace.generatorDisplayName), "\(edited.output)")
        #expect(try modificationDate(of: generated) != generatedBefore)
        run = try await workspace.runConsumer()
        #expect(run.output.contains("ttl=420"), "\(run.output)")
        #expect(run.output.contains("ttl-class=420"), "\(run.output)")

        // (c) A schema error fails the build with a diagnostic at the YAML line and column.
        try workspace.editSchema(replacing: "ttl: user,", with: "ttl: usr,")
        let (line, column) = try workspace.location(ofFirst: "usr,")
        let broken = try await workspace.build()
        #expect(broken.status != 0)
        let expected = "\(workspace.schema.path(percentEncoded: false)):\(line):\(column): error:"
        #expect(broken.output.contains(expected), "expected '\(expected)' in:\n\(broken.output.suffix(4000))")
        #expect(broken.output.contains("[#unknown-ttl-class]"), "the diagnostic carries its identifier through the build")

        // (d) Two schemas in one target: the plugin's own error.
        try workspace.editSchema(replacing: "ttl: usr,", with: "ttl: user,")
        try workspace.addSecondSchema()
        let twoSchemas = try await workspace.build()
        #expect(twoSchemas.status != 0)
        #expect(
            twoSchemas.output.contains(
                "target 'Consumer' has 2 cache schemas (other.cache.yaml, shop.cache.yaml); each would generate CacheKeys, so keep one schema per target"
            ), "\(twoSchemas.output.suffix(4000))")
    }
}

/// A copy of this package and a consumer package that depends on it by path.
struct ConsumerWorkspace {
    static let generatorDisplayName = "Generating cache keys from shop.cache.yaml"

    /// The work directory shared by runs.
    let root: URL
    /// The copy of this package: `…/Cache Schema Root/cache-schema`.
    let packageCopy: URL
    /// The consumer package: `…/My Consumer App`.
    let consumer: URL
    /// The consumer's build directory.
    let scratch: URL
    /// The consumer's schema.
    var schema: URL { consumer.appending(path: "Sources/Consumer/shop.cache.yaml") }

    /// This package's root.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let template = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "ConsumerTemplate")

    static func prepare() throws -> ConsumerWorkspace {
        let environment = ProcessInfo.processInfo.environment
        let root =
            environment["CACHE_SCHEMA_PLUGIN_INTEGRATION_DIR"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appending(path: "cache-schema-plugin-integration")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let consumer = root.appending(path: "My Consumer App")
        return ConsumerWorkspace(
            root: root,
            packageCopy: root.appending(path: "Cache Schema Root/cache-schema"),
            consumer: consumer,
            scratch: consumer.appending(path: ".build"))
    }

    /// Brings the copy of the package and the consumer up to date, touching only files whose bytes differ so that a
    /// reused build stays incremental.
    func install() throws {
        for item in ["Sources", "Plugins"] {
            try mirror(Self.repositoryRoot.appending(path: item), to: packageCopy.appending(path: item))
        }
        try writeIfChanged(Data(contentsOf: Self.repositoryRoot.appending(path: "Package.swift")),
            to: packageCopy.appending(path: "Package.swift"))

        let manifest = try String(contentsOf: Self.template.appending(path: "Package.swift.template"), encoding: .utf8)
        let escapedPath = packageCopy.path(percentEncoded: false)
            .replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        try writeIfChanged(Data(manifest.replacingOccurrences(of: "@CACHE_SCHEMA_PATH@", with: escapedPath).utf8),
            to: consumer.appending(path: "Package.swift"))
        try mirror(Self.template.appending(path: "Sources"), to: consumer.appending(path: "Sources"))
    }

    /// Puts the consumer's sources back as the template has them (the steps edit the schema and add a file).
    func restoreTemplate() {
        try? mirror(Self.template.appending(path: "Sources"), to: consumer.appending(path: "Sources"))
    }

    func build() async throws -> CommandRun {
        try await Shell.swift(["build", "--package-path", consumer.path, "--scratch-path", scratch.path], in: consumer)
    }

    /// The consumer's modules folder for target code (the build tool's modules, Yams among them, go elsewhere).
    private var modulesFolder: URL { scratch.appending(path: "debug/Modules") }

    /// The Swift modules the consumer's builds have emitted for its target code.
    func compiledModules() throws -> Set<String> {
        let names = try FileManager.default.contentsOfDirectory(atPath: modulesFolder.path)
        return Set(names.filter { $0.hasSuffix(".swiftmodule") }.map { String($0.dropLast(".swiftmodule".count)) })
    }

    /// Removes the emitted modules, so that the next build emits exactly the ones it needs (SwiftPM rebuilds a
    /// module whose output is missing).
    func forgetCompiledModules() throws {
        if FileManager.default.fileExists(atPath: modulesFolder.path) {
            try FileManager.default.removeItem(at: modulesFolder)
        }
    }

    func runConsumer() async throws -> CommandRun {
        var executable = scratch.appending(path: "debug/Consumer")
        if !FileManager.default.isExecutableFile(atPath: executable.path) {
            let binPath = try await Shell.swift(
                ["build", "--package-path", consumer.path, "--scratch-path", scratch.path, "--show-bin-path"], in: consumer)
            let lines = binPath.output.split(whereSeparator: \.isNewline)
            executable = URL(fileURLWithPath: String(lines.last ?? "")).appending(path: "Consumer")
        }
        let result = try await Shell.run(executable, [], in: consumer, timeout: .seconds(60))
        #expect(result.status == 0, "\(result.output)")
        return result
    }

    /// The generated Swift file, wherever this SwiftPM puts plugin outputs.
    func generatedFile() -> URL? {
        guard let enumerator = FileManager.default.enumerator(at: scratch, includingPropertiesForKeys: nil) else { return nil }
        for case let url as URL in enumerator
        where url.lastPathComponent == "shop.cache.swift" && url.path.contains("/plugins/outputs/") {
            return url
        }
        return nil
    }

    func editSchema(replacing old: String, with new: String) throws {
        let text = try String(contentsOf: schema, encoding: .utf8)
        try #require(text.contains(old), "the schema has no '\(old)'")
        try Data(text.replacingOccurrences(of: old, with: new).utf8).write(to: schema)
    }

    /// The 1-based line and column (in Unicode scalars, as the generator counts) of the first occurrence of `text`.
    func location(ofFirst text: String) throws -> (line: Int, column: Int) {
        let lines = try String(contentsOf: schema, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            if let range = line.range(of: text) {
                return (index + 1, line.unicodeScalars[..<range.lowerBound].count + 1)
            }
        }
        throw WorkspaceError("'\(text)' is not in the schema")
    }

    func addSecondSchema() throws {
        let other = """
            version: 1
            namespace: other
            entities: {}

            """
        try Data(other.utf8).write(to: schema.deletingLastPathComponent().appending(path: "other.cache.yaml"))
    }

    /// Makes `destination` hold exactly the files of `source`, rewriting only files whose bytes differ.
    private func mirror(_ source: URL, to destination: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: destination, withIntermediateDirectories: true)
        let wanted = try manager.contentsOfDirectory(atPath: source.path)
        for name in try manager.contentsOfDirectory(atPath: destination.path) where !wanted.contains(name) {
            try manager.removeItem(at: destination.appending(path: name))
        }
        for name in wanted {
            let from = source.appending(path: name)
            let to = destination.appending(path: name)
            var isDirectory: ObjCBool = false
            _ = manager.fileExists(atPath: from.path, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                try mirror(from, to: to)
            } else {
                // Symbolic links (shared plugin code) are copied as the files they point to.
                try writeIfChanged(Data(contentsOf: from), to: to)
            }
        }
    }

    private func writeIfChanged(_ data: Data, to url: URL) throws {
        if let existing = try? Data(contentsOf: url), existing == data { return }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            try FileManager.default.removeItem(at: url)
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }
}

extension CommandRun {
    /// The duration in seconds, to two decimals.
    var seconds: String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.2f", Double(seconds) + Double(attoseconds) / 1e18)
    }
}

enum Shell {
    /// `swift` from `PATH`, as a developer would run it.
    static func swift(_ arguments: [String], in directory: URL) async throws -> CommandRun {
        // At the lowest CPU priority: the build must not starve the other suites' Redis tests, which run meanwhile.
        // The timeout catches a hung build, not a slow one: a first build at nice 19 on a busy two-core machine can
        // take many times its quiet 6 minutes.
        try await run(URL(fileURLWithPath: "/usr/bin/nice"), ["-n", "19", "swift"] + arguments, in: directory, timeout: .seconds(45 * 60))
    }

    /// Runs a program to completion or until `timeout`, its output interleaved.
    static func run(_ executable: URL, _ arguments: [String], in directory: URL, timeout: Duration) async throws -> CommandRun {
        try await CommandRun.run(executable.path, arguments, workingDirectory: directory, timeout: timeout)
    }
}

/// An exclusive lock on the shared work directory, so that two test runs do not edit one consumer at once.
final class WorkspaceLock {
    private var descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    static func acquire(_ url: URL) async throws -> WorkspaceLock {
        let descriptor = open(url.path, O_CREAT | O_RDWR, 0o644)
        guard descriptor >= 0 else { throw WorkspaceError("cannot open \(url.path)") }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            try await Task.sleep(for: .milliseconds(500))
        }
        return WorkspaceLock(descriptor: descriptor)
    }

    func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit {
        release()
    }
}

struct WorkspaceError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

func modificationDate(of url: URL) throws -> Date {
    let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
    return try #require(attributes[.modificationDate] as? Date)
}
