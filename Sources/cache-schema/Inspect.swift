import ArgumentParser
import CacheSchemaGenerator
import CacheSchemaInspection
import CacheSchemaRedis
import Foundation

struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hold a live Redis against a schema: per key, how many, their TTLs, memory and value types; keys matching no pattern.",
        discussion: """
            Walks the schema's namespace with SCAN (never KEYS; every primary of a cluster), in small pipelined steps \
            that keep Redis answering, and reports per schema key: count, keys without TTL or with more TTL left than \
            declared (plus any stale window), remaining TTLs, MEMORY USAGE of a sample, and the sample's values by codec \
            and type fingerprint (two fingerprints under one key are two builds' types side by side), values that are not \
            envelopes or do not parse; then keys under the namespace that match no pattern, and the runtime's own keys \
            (index sets and how many sampled members are gone, generation markers, leases). Read-only. \
            Exit status: 0 when healthy (warnings allowed), 1 when it found problems (keys without TTL, keys matching no \
            pattern, wrong Redis types, values that are not envelopes or do not parse), 2 on a usage error, a schema with \
            errors, or when Redis cannot be reached.

            Examples:
              cache-schema inspect schemas/shop.cache.yaml --url redis://127.0.0.1:6379
              cache-schema inspect schemas/shop.cache.yaml --url rediss://app:secret@cache.internal:6380/0 --sample 100000
              cache-schema inspect schemas/shop.cache.yaml --cluster-seeds 10.0.0.1:7000,10.0.0.2:7000 --format json
            """
    )

    @Argument(help: "The schema file (*.cache.yaml).")
    var file: String

    @Option(help: "The Redis URL (redis:// or rediss://, with user:password@ and /database when needed).")
    var url: String?

    @Option(help: "Seed nodes of a Redis Cluster (host:port,host:port,…) instead of --url; credentials and TLS from --url when both are given.")
    var clusterSeeds: String?

    @Option(help: "Stop after walking this many keys (counts are then of the keys walked).")
    var sample: Int?

    @Option(help: "Keys per schema key whose memory and value are read.")
    var valuesSampled = 100

    @Option(help: "Pause this many milliseconds after each batch of 500 keys, to take even less of a busy server's time.")
    var pauseMs = 0

    @Option(help: "Output format: text, or json for tools.")
    var format: OutputFormat = .text

    func run() async throws {
        if let sample, sample < 1 { throw ValidationError("--sample takes a positive number of keys") }
        guard valuesSampled >= 0 else { throw ValidationError("--values-sampled takes 0 or more") }
        let result = CacheSchemaCompiler.compile(fileAt: file, generate: false)
        for diagnostic in result.diagnostics where diagnostic.severity == .error {
            FileHandle.standardError.write(Data((diagnostic.rendered(source: result.source) + "\n").utf8))
        }
        guard let schema = result.schema, let analysis = result.analysis, !result.hasErrors else {
            FileHandle.standardError.write(Data("the schema has errors: run `cache-schema check \(file)`\n".utf8))
            throw ExitCode(2)
        }
        let live = try LiveRedis.connect(url: url, clusterSeeds: clusterSeeds, command: "inspect")
        let (client, target) = (live.client, live.name)
        var options = InspectionOptions()
        options.keyLimit = sample
        options.sampleSize = valuesSampled
        options.pause = .milliseconds(max(0, pauseMs))
        let terminal = isatty(STDERR_FILENO) == 1
        if terminal {
            options.progress = { walked in FileHandle.standardError.write(Data("\r\(walked) keys walked…".utf8)) }
        }
        let report: InspectionReport
        do {
            report = try await Inspector(schema: InspectedSchema(schema: schema, analysis: analysis), client: client, target: target, options: options).run()
            await client.shutdown()
        } catch {
            await client.shutdown()
            FileHandle.standardError.write(Data(((terminal ? "\n" : "") + "cache-schema inspect: Redis could not be walked: \(error)\n").utf8))
            throw ExitCode(2)
        }
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        switch format {
        case .text: print(InspectionText.render(report))
        case .json: print(try JSONOutput.encode(report))
        }
        if !report.isHealthy { throw ExitCode(1) }
    }
}
