import ArgumentParser
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
    @Flag(help: "Workers store without checking generation markers: the run must then report violations.")
    var skipGenerationChecks = false

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cache-race-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sourcePath = directory.appendingPathComponent("source").path
        _ = try SourceOfTruth.create(at: sourcePath, records: records)
        guard cluster || failoverAfter == nil else { throw ValidationError("--failover-after needs --cluster") }
        guard !cluster || restartAfter == nil else { throw ValidationError("--restart-after restarts one redis-server; on a cluster use --failover-after") }
        let server = cluster ? nil : try await RedisServerProcess.start()
        let localCluster = cluster ? try await LocalRedisCluster.start() : nil
        defer {
            Task {
                await server?.stop()
                await localCluster?.stop()
            }
        }
        let target = localCluster.map { ["--cluster-seeds", $0.seeds.joined(separator: ",")] } ?? ["--url", server!.url]

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
                    ] + (skipGenerationChecks ? ["--skip-generation-checks"] : []),
                    output: directory.appendingPathComponent("worker-\(index).out"), diesWithThisProcess: true))
        }
        var restarted = false
        if let restartAfter, let server {
            try await Task.sleep(for: .seconds(restartAfter))
            if workers.contains(where: { !$0.hasExited }) {
                try await server.restart()
                restarted = true
            }
        }
        var failedOver = false
        if let failoverAfter, let localCluster {
            try await Task.sleep(for: .seconds(failoverAfter))
            if workers.contains(where: { !$0.hasExited }) {
                try await Self.failOver(localCluster)
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

        var events: [RaceEvent] = []
        for index in 0..<processes {
            let text = try String(contentsOf: directory.appendingPathComponent("worker-\(index).log"), encoding: .utf8)
            events += text.split(separator: "\n").compactMap(RaceEvent.init(line:))
        }
        let report = RaceChecker.check(events)
        let event = restarted ? "redis-server restarted once, without persistence" : failedOver ? "a replica took over its primary (CLUSTER FAILOVER)" : nil
        print(Self.describe(report, processes: processes, tasks: tasks, records: records, elapsed: elapsed, cluster: cluster, event: event))
        if !report.violations.isEmpty { throw ExitCode(1) }
    }

    /// Makes the first replica take over its primary, and waits until it has.
    private static func failOver(_ cluster: LocalRedisCluster) async throws {
        for node in cluster.nodes where try await node.cli(["ROLE"]).hasPrefix("slave") {
            _ = try await node.cli(["CLUSTER", "FAILOVER"])
            try await waitUntil("the replica is a primary", timeout: .seconds(30)) { try await node.cli(["ROLE"]).hasPrefix("master") }
            return
        }
        throw ValidationError("the cluster has no replica to fail over to")
    }

    /// This executable, which the workers run too.
    private static var executable: String { URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path }

    static func describe(
        _ report: RaceChecker.Report, processes: Int, tasks: Int, records: Int, elapsed: TimeInterval, cluster: Bool, event: String?
    ) -> String {
        let operations = report.reads + report.writes
        let sources = report.readsBySource.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        var lines = [
            "cache-race: \(processes) processes × \(tasks) tasks on \(records) records\(cluster ? ", on a local Redis Cluster" : ""): "
                + "\(operations) operations in " + String(format: "%.1f s (%.0f/s)", elapsed, Double(operations) / max(elapsed, 0.001))
                + (event.map { "; \($0)" } ?? ""),
            "reads \(report.reads) (\(sources)); writes \(report.writes) (\(report.failedWrites) whose cache call failed, not counted as completed)",
        ]
        lines += report.violations.prefix(10).map { "stale read: \($0)" }
        lines.append("violations: \(report.violations.count)")
        return lines.joined(separator: "\n")
    }
}
