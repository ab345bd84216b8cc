import ArgumentParser
import CacheRuntime
import CacheSchemaRedis
import Foundation
import Logging
import MetricsTestKit
import RaceHarness
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `cache-race stampede-worker`: one process of a stampede run, started by `cache-race stampede`. Each round, at an
/// agreed instant, `tasks` tasks call `getOrSet` on the round's cold key at once; the loader takes `--load-ms`.
struct StampedeWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stampede-worker", abstract: "Run one stampede process (started by `cache-race stampede`).", shouldDisplay: false)

    @Option(help: "The Redis URL.") var url: String?
    @Option(help: "Seed nodes of a Redis Cluster (host:port,host:port,…), instead of --url.") var clusterSeeds: String?
    @Option(help: "Where to append the log of calls and loads.") var log: String
    @Option(help: "This process's number.") var process: Int
    @Option(help: "Rounds (the kill round included).") var rounds: Int
    @Option(help: "Concurrent tasks per round.") var tasks: Int
    @Option(help: "CLOCK_MONOTONIC instant (ns) of the first round.") var startAt: UInt64
    @Option(help: "Milliseconds between rounds.") var periodMs: Int
    @Option(help: "Milliseconds a load takes.") var loadMs: Int
    @Option(help: "Milliseconds a fill lease lasts.") var leaseMs: Int
    @Option(help: "The read deadline in milliseconds.") var readTimeoutMs: Int
    @Option(help: "The record id of round 0's key (later rounds count up from it).") var firstRecord: Int
    @Flag(help: "Turn the fill lease off.") var noLease = false
    @Option(help: "In this round the process whose loader runs first claims --holder-file and never finishes its load.")
    var killRound: Int?
    @Option(help: "The file the stuck holder writes its pid and its load's start to.") var holderFile: String?

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .error
            return handler
        }
        let metrics = TestMetrics()
        let client = try RaceTarget.client(url: url, clusterSeeds: clusterSeeds)
        let lease = noLease ? nil : CacheFillLease(duration: .milliseconds(leaseMs), maximumWait: .milliseconds(leaseMs + 2_000))
        let cache = RedisCache(
            client: client, readTimeout: .milliseconds(readTimeoutMs), writeTimeout: .seconds(10), fillLease: lease, metricsFactory: metrics)
        // Cache errors and lease timeouts: what lets a round rightly load more than once.
        func errors() -> Int {
            ["cache_errors_total", "cache_lease_timeouts_total"].reduce(0) { total, name in
                total + Int((try? metrics.expectCounter(name, [("key", "record")]).totalValue) ?? 0)
            }
        }

        for round in 0..<rounds {
            let roundStart = startAt + UInt64(round) * UInt64(periodMs) * 1_000_000
            let now = monotonicNanoseconds()
            if roundStart > now { try await Task.sleep(for: .nanoseconds(Int64(roundStart - now))) }
            let key = CacheKeys.record(recordID: firstRecord + round)
            let errorsBefore = errors()
            let events = EventLog()
            let stuck = round == killRound
            let (process, loadMs, holderFile) = (self.process, self.loadMs, self.holderFile)
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<tasks {
                    group.addTask {
                        let start = monotonicNanoseconds()
                        let result = try? await cache.getOrSetReporting(key) {
                            let loadStart = monotonicNanoseconds()
                            if stuck, let holderFile, Self.claim(holderFile, writing: "\(getpid()) \(loadStart)") {
                                // The process that holds the lease stops here until its parent kills it.
                                try await Task.sleep(for: .seconds(600))
                            }
                            try await Task.sleep(for: .milliseconds(loadMs))
                            events.append(.load(round: round, process: process, start: loadStart, end: monotonicNanoseconds()))
                            return RaceRow(version: UInt64(round), deleted: false)
                        }
                        let source = result.map { $0.source.rawValue } ?? "error"
                        events.append(.call(round: round, process: process, start: start, end: monotonicNanoseconds(), source: source))
                    }
                }
            }
            let lines = events.all + [.errors(round: round, process: process, count: errors() - errorsBefore)]
            try Self.append(lines.map(\.line).joined(separator: "\n") + "\n", to: log)
        }
        await client.shutdown()
    }

    /// Creates `path` if no process has (`O_EXCL`) and writes `text` to it; whether this process created it.
    private static func claim(_ path: String, writing text: String) -> Bool {
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY, 0o644)
        guard descriptor >= 0 else { return false }
        _ = text.withCString { write(descriptor, $0, strlen($0)) }
        close(descriptor)
        return true
    }

    private static func append(_ text: String, to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }
}

/// Events of one round, appended from its tasks.
private final class EventLog: Sendable {
    private let events = Mutex<[StampedeEvent]>([])

    func append(_ event: StampedeEvent) { events.withLock { $0.append(event) } }

    var all: [StampedeEvent] { events.withLock { $0 } }
}
