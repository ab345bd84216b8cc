import ArgumentParser
import CacheRuntime
import CacheSchemaRedis
import Foundation
import RaceHarness
import RedisTestSupport

/// `cache-race run`: starts a private redis-server (or, with `--cluster`, a local Redis Cluster) and a source of
/// truth, runs the worker processes against them (optionally restarting Redis, without persistence, or failing a
/// cluster primary over to its replica, in the middle), then checks every logged read against every completed write. Exit status 0 without violations, 1 with violations, 2 when the harness itself failed.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the multi-process race harness and check its reads.")

    @Option(help: "Worker processes.") var processes = 4
    @Option(help: "Concurrent tasks per process.") var tasks = 4
    @Option(help: "Operations in all (split between the processes).") var operations = 20_000
    @Option(help: "Stop after this many seconds, even with operations left.") var seconds = 600.0
    @Option(help: "Records in the source of truth (fewer: more contention).") var records = 8
    @Option(help: "Restart redis-server (without persistence) this many seconds into the run.") var restartAfter: Double?
    @Option(help: "Seed of the workers' random choices.") var seed: UInt64 = 1
    @Flag(help: "Run on a local Redis Cluster (3 primaries, 3 replicas) instead of one redis-server.") var cluster = false
    @Option(help: "With --cluster: a replica takes over its primary (CLUSTER FAILOVER) this many seconds into the run.")
    var failoverAfter: Double?
    @Option(help: "With --cluster: the slot of record 0 (its key, index and markers) moves to another primary this many seconds into the run (before any --failover-after, which then counts from the move).")
    var migrateAfter: Double?
    @Flag(help: "Workers store without checking generation markers: the run must then report violations.")
    var skipGenerationChecks = false
    @Flag(help: "Read and write the record's near-cached key: other processes see a write once its invalidation push arrives.")
    var near = false
    @Option(help: "With --near: how long after a write completed another process may still read the older version (ms): the push window the README documents.")
    var pushWindowMs = 250.0

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cache-race-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sourcePath = directory.appendingPathComponent("source").path
        _ = try SourceOfTruth.create(at: sourcePath, records: records)
        guard cluster || (failoverAfter == nil && migrateAfter == nil) else { throw ValidationError("--failover-after and --migrate-after need --cluster") }
        guard !cluster || restartAfter == nil else { throw ValidationError("--restart-after restarts one redis-server; on a cluster use --failover-after") }
        let redis = try await RaceTarget.start(cluster: cluster)
        defer { Task { await redis.stop() } }
        let (server, localCluster, target) = (redis.server, redis.cluster, redis.workerArguments)

        let started = Date()
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        var workers: [ChildProcess] = []
        for index in 0..<processes {
            workers.append(
                try await ChildProcess.start(
                    Self.executable,
                    [
                        "worker"] + target + ["--source", sourcePath,
                        "--log", directory.appendingPathComponent("worker-\(index).log").path,
                        "--operations", String((operations + processes - 1) / processes), "--deadline", String(deadline),
                        "--tasks", String(tasks), "--seed", String(seed &* 7919 &+ UInt64(index)),
                    ] + (skipGenerationChecks ? ["--skip-generation-checks"] : []) + (near ? ["--near"] : []),
                    output: directory.appendingPathComponent("worker-\(index).out"), diesWithThisProcess: true))
        }
        // From the start of the first disturbance to the end of the last: the window its bypasses may fall in.
        var disturbance: ClosedRange<UInt64>?
        func disturb(_ body: () async throws -> Void) async rethrows {
            let start = monotonicNanoseconds()
            try await body()
            disturbance = (disturbance?.lowerBound ?? start)...monotonicNanoseconds()
        }
        var restarted = false
        if let restartAfter, let server {
            try await Task.sleep(for: .seconds(restartAfter))
            if workers.contains(where: { !$0.hasExited }) {
                try await disturb { try await server.restart() }
                restarted = true
            }
        }
        var migrated: Int?
        if let migrateAfter, let localCluster {
            try await Task.sleep(for: .seconds(migrateAfter))
            if workers.contains(where: { !$0.hasExited }) {
                try await disturb { migrated = try await localCluster.moveSlot(RedisClusterSlot.of(CacheKeys.record(recordID: 0).rawValue)) }
            }
        }
        var failedOver = false
        if let failoverAfter, let localCluster {
            try await Task.sleep(for: .seconds(failoverAfter))
            if workers.contains(where: { !$0.hasExited }) {
                try await disturb { try await localCluster.failOver() }
                failedOver = true
            }
        }
        var statuses: [Int32] = []
        for worker in workers { statuses.append(await worker.waitForExit() ?? -1) }
        let elapsed = Date().timeIntervalSince(started)
        guard statuses.allSatisfy({ $0 == 0 }) else {
            let output = (0..<processes).map { (try? String(contentsOf: directory.appendingPathComponent("worker-\($0).out"), encoding: .utf8)) ?? "" }
            throw ValidationError(
                "a worker failed (exit statuses \(statuses)); run again with the same --seed to repeat its choices:\n\(output.joined(separator: "\n").suffix(4000))")
        }

        var eventsByProcess: [[RaceEvent]] = []
        var counts = WorkerCounts(refreshes: 0, staleHits: 0, nearHits: 0)
        for index in 0..<processes {
            let text = try String(contentsOf: directory.appendingPathComponent("worker-\(index).log"), encoding: .utf8)
            var events: [RaceEvent] = []
            for line in text.split(separator: "\n") {
                if let event = RaceEvent(line: line) {
                    events.append(event)
                } else if let workerCounts = WorkerCounts(line: line) {
                    counts = counts + workerCounts
                }
            }
            eventsByProcess.append(events)
        }
        // Without a near cache every process learns of a write when it completes: no window.
        let pushWindow = near ? UInt64(pushWindowMs * 1e6) : 0
        let report = RaceChecker.check(processes: eventsByProcess, pushWindow: pushWindow)
        let events = eventsByProcess.flatMap { $0 }
        let happened = [
            restarted ? "redis-server restarted once, without persistence" : nil,
            migrated.map { "the slot of record 0 moved to another primary under load (\($0) keys)" },
            failedOver ? "a replica took over its primary (CLUSTER FAILOVER)" : nil,
        ].compactMap { $0 }
        let event = happened.isEmpty ? nil : happened.joined(separator: "; ")
        let bypasses = BypassBurst.measure(events, disturbance: disturbance, settle: Self.settle)
        print(Self.describe(report, bypasses, processes: processes, tasks: tasks, records: records, elapsed: elapsed, cluster: cluster, event: event))
        print("background refreshes (early refresh or a stale value served): \(counts.refreshes); stale hits: \(counts.staleHits)")
        if near {
            print(String(
                format: "near hits: %d; reads in another process older than a completed write, within the %.0f ms push window: %d, the longest %.3f ms after it",
                counts.nearHits, pushWindowMs, report.lateReads, Double(report.longestLag) / 1e6))
        }
        if !report.violations.isEmpty { throw ExitCode(1) }
    }

    /// How long after a disturbance its bypasses still count as its burst: clients learn the new topology on the
    /// first redirect or failed command and reconnect with a backoff of at most a second, and a write or
    /// invalidation that failed meanwhile is repaired with a backoff of up to 5 s (its keys' reads bypass until then).
    static let settle: UInt64 = 10_000_000_000

    /// This executable, which the workers run too.
    private static var executable: String { URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path }

    static func describe(
        _ report: RaceChecker.Report, _ bypasses: BypassBurst, processes: Int, tasks: Int, records: Int, elapsed: TimeInterval, cluster: Bool, event: String?
    ) -> String {
        let operations = report.reads + report.writes
        let sources = report.readsBySource.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        var lines = [
            "cache-race: \(processes) processes × \(tasks) tasks on \(records) records\(cluster ? ", on a local Redis Cluster" : ""): "
                + "\(operations) operations in " + String(format: "%.1f s (%.0f/s)", elapsed, Double(operations) / max(elapsed, 0.001))
                + (event.map { "; \($0)" } ?? ""),
            "reads \(report.reads) (\(sources)); writes \(report.writes) (\(report.failedWrites) whose cache call failed, not counted as completed)",
        ]
        lines.append(
            String(
                format: "bypasses: %d, %d outside the disturbance and the %.0f s after it; %.2f s from the first to the last",
                bypasses.count, bypasses.outside, Double(settle) / 1e9, Double(bypasses.span) / 1e9))
        lines += report.violations.prefix(10).map { "stale read: \($0)" }
        lines.append("violations: \(report.violations.count)")
        return lines.joined(separator: "\n")
    }
}
