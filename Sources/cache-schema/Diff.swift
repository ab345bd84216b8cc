import ArgumentParser
import CacheSchemaGenerator
import CacheSchemaInspection
import Foundation

struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a schema change does to a fleet in the middle of a rolling deploy.",
        discussion: """
            While a deploy rolls, processes running the old schema and processes running the new one share one \
            Redis. Each change is printed as 'path:line: breaking|warning|safe: what: old → new [#identifier]', \
            then what happens while both versions run: who reads, writes and invalidates which keys, and for how \
            long. Breaking: a process can read a stale value (a changed key pattern, namespace or hash tag, an \
            entity or an invalidated key removed, an invalidation that stops reaching a key). Warning: misses or \
            orphaned keys (a changed value type, a renamed or removed key), or an invalidation that holds only once \
            the deploy ends. Safe: TTLs, freshness, near caches, defaults, added keys and entities. Comments and \
            formatting are not changes. The README lists every identifier. With --format json, each change has \
            'id', 'severity', 'keyName', 'oldKeyName', 'old', 'new', 'effect' and 'touches' (the old schema's keys \
            whose stored values it concerns). With --url (or --cluster-seeds), the old schema's keys in that Redis are \
            counted first (the walk of `cache-schema inspect`, read-only) and each change says how many live keys it \
            concerns ('liveKeys' in JSON). \
            Exit status: 0 when nothing is breaking, 1 on a breaking change (or a warning with \
            --warnings-as-errors), 2 on a usage error, a schema with errors, or a failed git command.

            Examples:
              cache-schema diff old.cache.yaml schemas/shop.cache.yaml
              cache-schema diff schemas/shop.cache.yaml --base origin/main
              cache-schema diff schemas/shop.cache.yaml --base HEAD~1 --warnings-as-errors --format json
            """
    )

    @Argument(help: ArgumentHelp("The old schema and the new one; with --base, only the new one.", valueName: "schema"))
    var files: [String]

    @Option(help: ArgumentHelp("Compare the file with itself at this git revision (a commit, branch or tag), read with 'git show'.", valueName: "rev"))
    var base: String?

    @Option(help: "Count the live keys each change concerns in this Redis (redis:// or rediss:// URL): the old schema's keys, walked read-only as `inspect` does.")
    var url: String?

    @Option(help: "The same on a Redis Cluster: its seed nodes (host:port,host:port,…).")
    var clusterSeeds: String?

    @Flag(help: "Fail (exit 1) on warnings too.")
    var warningsAsErrors = false

    @Option(help: "Output format: text, or json for tools.")
    var format: OutputFormat = .text

    func validate() throws {
        if let base {
            guard files.count == 1 else {
                throw ValidationError("with --base, give one file, the new schema: cache-schema diff NEW --base REV")
            }
            guard !base.isEmpty, !base.hasPrefix("-") else {
                throw ValidationError("--base takes a git revision (a commit, branch or tag), such as HEAD~1 or origin/main")
            }
        } else if files.count != 2 {
            throw ValidationError("give two files, the old schema then the new one (cache-schema diff OLD NEW), or one with --base REV")
        }
    }

    func run() async throws {
        let old: CompilationResult
        let new: CompilationResult
        if let base {
            let revision: GitRevisionFile
            do {
                revision = try GitRevisionFile.read(files[0], at: base)
            } catch {
                FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
                throw ExitCode(2)
            }
            old = CacheSchemaCompiler.compile(bytes: revision.bytes, file: revision.name, generate: false)
            new = CacheSchemaCompiler.compile(fileAt: files[0], generate: false)
        } else {
            old = CacheSchemaCompiler.compile(fileAt: files[0], generate: false)
            new = CacheSchemaCompiler.compile(fileAt: files[1], generate: false)
        }
        // Only a schema that compiles has keys to compare; its warnings are `check`'s business.
        var failed = false
        for (result, fromGit) in [(old, base != nil), (new, false)] where result.hasErrors {
            failed = true
            for diagnostic in result.diagnostics {
                FileHandle.standardError.write(Data((diagnostic.rendered(source: result.source) + "\n").utf8))
            }
            let advice = fromGit
                ? "compare with another revision, or give the old schema as a file: cache-schema diff OLD NEW"
                : "fix them (cache-schema check \(result.file)) before comparing it"
            FileHandle.standardError.write(Data("error: \(result.file) does not compile; \(advice)\n".utf8))
        }
        guard !failed, let oldSchema = old.schema, let oldAnalysis = old.analysis, let newSchema = new.schema, let newAnalysis = new.analysis else {
            throw ExitCode(2)
        }
        var diff = SchemaDiff(old: oldSchema, oldAnalysis: oldAnalysis, new: newSchema, newAnalysis: newAnalysis)
        if url != nil || clusterSeeds != nil {
            let target = try LiveRedis.connect(url: url, clusterSeeds: clusterSeeds, command: "diff")
            var options = InspectionOptions()
            options.sampleSize = 0  // counts only
            do {
                let report = try await Inspector(schema: InspectedSchema(schema: oldSchema, analysis: oldAnalysis), client: target.client, target: target.name, options: options).run()
                await target.client.shutdown()
                diff.attachLiveKeys(Dictionary(uniqueKeysWithValues: report.keys.map { ($0.name, $0.count) }))
            } catch {
                await target.client.shutdown()
                FileHandle.standardError.write(Data("cache-schema diff: Redis could not be walked: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        switch format {
        case .text: print(diff.textReport(), terminator: "")
        case .json: print(try JSONOutput.encode(diff))
        }
        if diff.fails(warningsAsErrors: warningsAsErrors) { throw ExitCode(1) }
    }
}
