import ArgumentParser
@_spi(Testing) import CacheRuntime
import CacheSchemaRedis
import Foundation
import Logging
import MetricsTestKit
import RaceHarness

/// `cache-race worker`: one harness process, started by `cache-race run`.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run one harness process (started by `cache-race run`).", shouldDisplay: false)

    @Option(help: "The Redis URL.") var url: String?
    @Option(help: "Seed nodes of a Redis Cluster (host:port,host:port,…), instead of --url.") var clusterSeeds: String?
    @Option(help: "The source-of-truth file.") var source: String
    @Option(help: "Where to write the log of operations.") var log: String
    @Option(help: "How many operations to run.") var operations: Int
    @Option(help: "Stop at this CLOCK_MONOTONIC instant (ns), even with operations left.") var deadline: UInt64
    @Option(help: "Concurrent tasks.") var tasks: Int
    @Option(help: "Seed of the random choices.") var seed: UInt64
    @Flag(help: "Store without checking generation markers (the test hook that must produce violations).")
    var skipGenerationChecks = false
    @Flag(help: "Read and write the record's near-cached key.") var near = false

    func run() async throws {
        // Outages are part of the run (`--restart-after`): log only errors, not every failed call it causes.
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .error
            return handler
        }
        let client = try RaceTarget.client(url: url, clusterSeeds: clusterSeeds)
        // Deadlines far above any scheduling delay of a loaded machine: a read past its deadline is a bypass, which
        // is correct but tests nothing.
        let metrics = TestMetrics()
        let cache = RedisCache(client: client, readTimeout: .seconds(5), writeTimeout: .seconds(10), metricsFactory: metrics)
        cache.skipsGenerationChecks = skipGenerationChecks
        let worker = RaceWorker(
            cache: cache, source: try SourceOfTruth.open(at: source), operations: operations, deadline: deadline, tasks: tasks,
            seed: seed, near: near)
        let events = await worker.run()
        await client.shutdown()
        // How often the schema's early refresh, stale window and near cache acted, for the report (a line the event
        // parser skips).
        let name = near ? "nearRecord" : "record"
        let counts = ["cache_refreshes_total", "cache_stale_hits_total", "cache_near_hits_total"].map {
            Int((try? metrics.expectCounter($0, [("key", name)]).totalValue) ?? 0)
        }
        let lines = events.map(\.line) + [WorkerCounts(refreshes: counts[0], staleHits: counts[1], nearHits: counts[2]).line]
        try lines.joined(separator: "\n").write(toFile: log, atomically: true, encoding: .utf8)
    }
}
