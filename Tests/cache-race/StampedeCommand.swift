import ArgumentParser
import Foundation
import RaceHarness
import RedisTestSupport

/// `cache-race stampede`: K processes × T tasks read one cold key at once, round after round, and the run counts the
/// loads each round cost across every process (the fill lease's promise: one, in every round without cache errors),
/// and how long the callers of the other processes waited beyond the load. With `--kill-holder`, a last round's lease
/// holder is killed mid-load, and exactly one other process must load once its lease expires.
struct StampedeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stampede", abstract: "Count the loads of a cold key read by several processes at once.")

    @Option(help: "Worker processes.") var processes = 4
    @Option(help: "Tasks per process reading the key at once.") var tasks = 50
    @Option(help: "Rounds, each on a new cold key.") var rounds = 10
    @Option(help: "Milliseconds a load takes.") var loadMs = 100
    @Option(help: "Milliseconds a fill lease lasts.") var leaseMs = 3_000
    @Option(help: "The cache's read deadline in milliseconds.") var readTimeoutMs = 2_000
    @Flag(help: "Turn the fill lease off (single-flight within each process only).") var noLease = false
    @Flag(help: "Run on a local Redis Cluster (3 primaries, 3 replicas) instead of one redis-server.") var cluster = false
    @Flag(help: "Add a round whose lease holder is killed mid-load.") var killHolder = false

    func run() async throws {
        guard !(killHolder && noLease) else { throw ValidationError("--kill-holder needs the lease") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cache-stampede-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let redis = try await RaceTarget.start(cluster: cluster)
        do {
            try await run(on: redis, in: directory)
        } catch {
            await redis.stop()
            throw error
        }
        await redis.stop()
    }

    private func run(on redis: RaceTarget, in directory: URL) async throws {
        let allRounds = rounds + (killHolder ? 1 : 0)
        // Rounds far enough apart that one is over before the next begins, also for a holder that waits out a lease.
        let periodMs = loadMs + 1_000 + (killHolder ? leaseMs + 2_000 : 0)
        // Time for every process to start and connect before the first round, on a busy machine too.
        let startAt = monotonicNanoseconds() + 5_000_000_000
        let holderFile = directory.appendingPathComponent("holder").path
        let firstRecord = Int.random(in: 1_000_000...9_000_000)
        var workers: [ChildProcess] = []
        for process in 0..<processes {
            workers.append(
                try await ChildProcess.start(
                    Self.executable,
                    ["stampede-worker"] + redis.workerArguments + [
                        "--log", directory.appendingPathComponent("worker-\(process).log").path, "--process", String(process),
                        "--rounds", String(allRounds), "--tasks", String(tasks), "--start-at", String(startAt), "--period-ms", String(periodMs),
                        "--load-ms", String(loadMs), "--lease-ms", String(leaseMs), "--read-timeout-ms", String(readTimeoutMs),
                        "--first-record", String(firstRecord),
                    ] + (noLease ? ["--no-lease"] : []) + (killHolder ? ["--kill-round", String(rounds), "--holder-file", holderFile] : []),
                    output: directory.appendingPathComponent("worker-\(process).out"), diesWithThisProcess: true))
        }

        var killed: (process: Int, loadStart: UInt64, at: UInt64)?
        if killHolder {
            let due = startAt + UInt64(allRounds) * UInt64(periodMs) * 1_000_000 + 60_000_000_000
            try await waitUntil("a process holds the last round's lease", timeout: .nanoseconds(Int64(due - monotonicNanoseconds()))) {
                (try? String(contentsOfFile: holderFile, encoding: .utf8))?.split(separator: " ").count == 2
            }
            let fields = try String(contentsOfFile: holderFile, encoding: .utf8).split(separator: " ")
            guard let pid = Int32(fields[0]), let loadStart = UInt64(fields[1]), let index = workers.firstIndex(where: { $0.processID == pid }) else {
                throw ValidationError("the holder file names no worker: \(fields)")
            }
            _ = await workers[index].kill()
            killed = (index, loadStart, monotonicNanoseconds())
        }
        var statuses: [Int32] = []
        for (index, worker) in workers.enumerated() where index != killed?.process {
            statuses.append(await worker.waitForExit() ?? -1)
        }
        guard statuses.allSatisfy({ $0 == 0 }) else {
            let output = (0..<processes).map { (try? String(contentsOf: directory.appendingPathComponent("worker-\($0).out"), encoding: .utf8)) ?? "" }
            throw ValidationError("a worker failed (exit statuses \(statuses)):\n\(output.joined(separator: "\n").suffix(4000))")
        }

        var events: [StampedeEvent] = []
        for process in 0..<processes {
            let path = directory.appendingPathComponent("worker-\(process).log").path
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            events += text.split(separator: "\n").compactMap(StampedeEvent.init(line:))
        }
        let report = StampedeRound.rounds(events)
        print(describe(report, killed: killed))
        if !violations(report, killed: killed).isEmpty { throw ExitCode(1) }
    }

    /// What breaks the lease's promise: a round without cache errors that loaded other than once; a killed holder
    /// whose key was not loaded exactly once by the others, or before its lease expired.
    private func violations(_ rounds: [StampedeRound], killed: (process: Int, loadStart: UInt64, at: UInt64)?) -> [String] {
        guard !noLease else { return [] }
        var found: [String] = []
        for round in rounds where round.errors == 0 && round.loads != 1 {
            found.append("round \(round.round): \(round.loads) loads without a cache error")
        }
        if let killed {
            let last = rounds.first { $0.round == self.rounds }
            if last?.loads != 1 && last?.errors == 0 {
                found.append("the killed holder's key was loaded \(last?.loads ?? 0) times by the other processes, expected once")
            }
            // The holder took its lease just before its load began: the others may take over only once it expired
            // (a few milliseconds of slack for the gap between the two).
            if let takeover = last?.firstLoadStart, takeover + 50_000_000 < killed.loadStart + UInt64(leaseMs) * 1_000_000 {
                found.append(String(format: "another process loaded %.0f ms after the holder began, before its %d ms lease expired", Double(takeover - killed.loadStart) / 1e6, leaseMs))
            }
        }
        return found
    }

    private func describe(_ rounds: [StampedeRound], killed: (process: Int, loadStart: UInt64, at: UInt64)?) -> String {
        let ordinary = rounds.filter { $0.round < self.rounds }
        let clean = ordinary.filter { $0.errors == 0 }
        var lines = [
            "cache-stampede: \(processes) processes × \(tasks) tasks, \(self.rounds) rounds, loads of \(loadMs) ms, lease \(noLease ? "off" : "\(leaseMs) ms")\(cluster ? ", on a local Redis Cluster" : "")",
            "loads per round: " + ordinary.map { "\($0.loads)" }.joined(separator: " ")
                + "; rounds with cache errors: \(ordinary.count - clean.count); rounds with one load: \(ordinary.filter { $0.loads == 1 }.count) of \(ordinary.count)",
        ]
        let added = ordinary.flatMap(\.addedLatencies).sorted()
        if !added.isEmpty {
            func percentile(_ p: Double) -> Double { Double(added[min(added.count - 1, Int(Double(added.count) * p))]) / 1e6 }
            lines.append(String(
                format: "callers of the other processes that waited for the load: %d; answered after the load ended: p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                added.count, percentile(0.5), percentile(0.99), Double(added.last ?? 0) / 1e6))
        }
        if let killed, let last = rounds.first(where: { $0.round == self.rounds }) {
            lines.append(String(
                format: "killed holder (process %d) %.0f ms into its load; the others then loaded the key %d times, the first %.0f ms after the holder began (lease %d ms; cache errors %d)",
                killed.process, Double(killed.at - killed.loadStart) / 1e6, last.loads,
                Double((last.firstLoadStart ?? killed.loadStart) - killed.loadStart) / 1e6, leaseMs, last.errors))
        }
        let found = violations(rounds, killed: killed)
        lines += found.map { "violation: \($0)" }
        lines.append("violations: \(found.count)")
        return lines.joined(separator: "\n")
    }

    private static var executable: String { URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path }
}
