import Foundation
import RedisTestSupport
import Testing

/// Runs the built `cache-race` as CI's short version of the harness (about two minutes in all): four processes of four
/// tasks each against one redis-server, with and without a restart of Redis, on a local Redis Cluster with a replica
/// taking over its primary or a slot moving, and once with the generation checks switched off, which must produce
/// stale reads (the harness can fail); and `cache-race stampede`, four processes of 50 tasks reading one cold key at
/// once, which must load it once per round with the fill lease (on one node and on a cluster), more often without
/// it, and once more, by one other process, when the lease holder is killed mid-load. The long run is in the README.
@Suite(.serialized) struct RaceHarnessRunTests {
    @Test func fourProcessesReadNothingStale() async throws {
        let run = try await Self.race(["--processes", "4", "--tasks", "4", "--operations", "12000", "--seconds", "20"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.violations == 0, "\(run.output)")
        #expect(run.operations >= 1_000, "the run did too little to show anything: \(run.output)")
    }

    @Test func earlyRefreshAndStaleWindowsAmongWritesReadNothingStale() async throws {
        // The harness's record key declares early refresh, a 2 s stale window and jitter on a 2 s TTL; with 400 records
        // many go unwritten for longer than that, so reads serve stale values and refresh them beside the writes.
        let run = try await Self.race(["--processes", "4", "--tasks", "4", "--operations", "1000000", "--seconds", "12", "--records", "400"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.violations == 0, "\(run.output)")
        // "background refreshes (…): N; stale hits: M"
        let line = run.output.split(separator: "\n").first { $0.hasPrefix("background refreshes") } ?? ""
        let refreshes = line.split(separator: "): ").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) } ?? 0
        #expect(refreshes > 0, "no value was refreshed or served stale, so the run tested nothing of them: \(run.output)")
    }

    @Test func withTheNearCacheOnNoProcessReadsItsOwnWriteStaleAndOthersOnlyWithinThePushWindow() async throws {
        // Every process holds the records in memory; another process's write reaches it by Redis's push. The window is
        // the README's (250 ms), far above the pushes measured here (a few ms at most), for a loaded machine.
        let run = try await Self.race(["--processes", "4", "--tasks", "4", "--operations", "1000000", "--seconds", "12", "--near"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.violations == 0, "\(run.output)")
        #expect(run.operations >= 1_000, "the run did too little to show anything: \(run.output)")
        // "near hits: N; …"
        let line = run.output.split(separator: "\n").first { $0.hasPrefix("near hits: ") } ?? ""
        let nearHits = Int(line.dropFirst("near hits: ".count).prefix { $0.isNumber }) ?? 0
        #expect(nearHits > 0, "no read was answered from process memory, so the run tested nothing of the near cache: \(run.output)")
    }

    @Test func aRedisRestartInTheMiddleLeavesNothingStale() async throws {
        // Bounded by time, not by operations: a quiet machine finishes 12,000 in under 5 s, before the restart.
        let run = try await Self.race(["--processes", "4", "--tasks", "4", "--operations", "1000000", "--seconds", "12", "--restart-after", "4"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.violations == 0, "\(run.output)")
        #expect(run.output.contains("restarted once"), "the run ended before the restart: \(run.output)")
        // Not bounded here: writes that failed during the outage are repaired once Redis answers (a backoff of up to
        // 1 s, cut short by the next answered read), and their keys' reads bypass until then, which a busy machine
        // stretches past any fixed settling time.
        #expect(run.bypasses != nil, "\(run.output)")
    }

    @Test func aClusterFailoverInTheMiddleLeavesNothingStale() async throws {
        // The harness starts the cluster in its own process; the turn keeps other cluster tests from running beside it.
        let run = try await LocalClusterTurns.shared.withTurn {
            try await Self.race([
            "--cluster", "--processes", "4", "--tasks", "4", "--operations", "1000000", "--seconds", "15", "--failover-after", "5",
            ])
        }
        #expect(run.status == 0, "\(run.output)")
        #expect(run.violations == 0, "\(run.output)")
        #expect(run.output.contains("took over its primary"), "the run ended before the failover: \(run.output)")
        #expect(run.operations >= 1_000, "the run did too little to show anything: \(run.output)")
        #expect(run.bypasses?.outside == 0, "bypasses outside the failover's burst: \(run.output)")
    }

    @Test func aSlotMovedUnderLoadLeavesNothingStale() async throws {
        let run = try await LocalClusterTurns.shared.withTurn {
            try await Self.race([
                "--cluster", "--processes", "4", "--tasks", "4", "--operations", "1000000", "--seconds", "15", "--migrate-after", "5",
            ])
        }
        #expect(run.status == 0, "\(run.output)")
        #expect(run.violations == 0, "\(run.output)")
        #expect(run.output.contains("moved to another primary"), "the run ended before the move: \(run.output)")
        #expect(run.bypasses?.outside == 0, "bypasses outside the move's burst: \(run.output)")
    }

    @Test func withTheNearCacheOnAClusterASlotMoveAndAFailoverLeaveNothingStale() async throws {
        // A tracking connection per primary: the moved slot's writes land on another tracked primary; the failover's
        // old primary stays connected but is noticed and replaced by the new one.
        let run = try await LocalClusterTurns.shared.withTurn {
            try await Self.race([
                "--cluster", "--near", "--processes", "4", "--tasks", "4", "--operations", "1000000", "--seconds", "15",
                "--migrate-after", "3", "--failover-after", "3",
            ])
        }
        #expect(run.status == 0, "\(run.output)")
        #expect(run.violations == 0, "\(run.output)")
        #expect(run.output.contains("moved to another primary") && run.output.contains("took over its primary"), "the run ended before its disturbances: \(run.output)")
        let line = run.output.split(separator: "\n").first { $0.hasPrefix("near hits: ") } ?? ""
        #expect((Int(line.dropFirst("near hits: ".count).prefix { $0.isNumber }) ?? 0) > 0, "no near hit: \(run.output)")
    }

    @Test func withoutTheGenerationChecksTheHarnessFindsStaleReads() async throws {
        let run = try await Self.race(["--processes", "4", "--tasks", "4", "--operations", "12000", "--seconds", "15", "--skip-generation-checks"])
        #expect(run.status == 1, "\(run.output)")
        #expect(run.violations > 0, "\(run.output)")
    }

    // MARK: Stampede: one load per cold key across processes (the fill lease)

    @Test func aColdKeyReadByFourProcessesAtOnceIsLoadedOnce() async throws {
        let run = try await Self.race(["--processes", "4", "--tasks", "50", "--rounds", "5", "--load-ms", "200"], command: "stampede")
        #expect(run.status == 0, "\(run.output)")
        #expect(run.violations == 0, "\(run.output)")
        #expect(run.output.contains("rounds with one load: "), "\(run.output)")
    }

    @Test func withoutTheLeaseEachProcessLoadsTheColdKey() async throws {
        let run = try await Self.race(["--processes", "4", "--tasks", "50", "--rounds", "3", "--load-ms", "200", "--no-lease"], command: "stampede")
        #expect(run.status == 0, "\(run.output)")
        let loads = run.output.split(separator: "\n").first { $0.hasPrefix("loads per round: ") }?
            .dropFirst("loads per round: ".count).prefix { $0 != ";" }.split(separator: " ").compactMap { Int($0) } ?? []
        #expect(loads.count == 3, "\(run.output)")
        // Processes that a busy machine starts late find the value; on time, each process loads.
        #expect(loads.contains { $0 > 1 }, "more than one load in a round without the lease: \(run.output)")
    }

    @Test func aKilledLeaseHolderIsReplacedByOneProcessOnceItsLeaseExpires() async throws {
        let run = try await Self.race(
            ["--processes", "4", "--tasks", "50", "--rounds", "1", "--load-ms", "200", "--kill-holder", "--lease-ms", "1500"], command: "stampede")
        #expect(run.status == 0, "\(run.output)")
        #expect(run.violations == 0, "\(run.output)")
        #expect(run.output.contains("killed holder"), "\(run.output)")
    }

    @Test func aColdKeyOnAClusterIsLoadedOnce() async throws {
        let run = try await LocalClusterTurns.shared.withTurn {
            // A cold cluster on a loaded machine (connections, slot map, scripts) can take the default 2 s read deadline
            // in the first round, which rightly loads without the lease: a deadline far above that.
            try await Self.race(
                ["--processes", "4", "--tasks", "50", "--rounds", "3", "--load-ms", "200", "--cluster", "--read-timeout-ms", "10000"],
                command: "stampede")
        }
        #expect(run.status == 0, "\(run.output)")
        #expect(run.violations == 0, "\(run.output)")
    }

    struct Run {
        var status: Int32
        var output: String
        /// From the report's last line, `violations: N` (-1 when missing).
        var violations: Int {
            output.split(separator: "\n").last(where: { $0.hasPrefix("violations: ") }).flatMap { Int($0.dropFirst("violations: ".count)) } ?? -1
        }
        /// From the report's `bypasses: N, M outside the disturbance …` line: (N, M), or nil when missing.
        var bypasses: (count: Int, outside: Int)? {
            guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("bypasses: ") }) else { return nil }
            let numbers = line.dropFirst("bypasses: ".count).split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
            return numbers.count == 2 ? (numbers[0], numbers[1]) : nil
        }
        /// From the report's first line, `… : N operations in …`.
        var operations: Int {
            guard let range = output.range(of: #"(\d+) operations in"#, options: .regularExpression) else { return 0 }
            return Int(output[range].split(separator: " ")[0]) ?? 0
        }
    }

    /// Runs `cache-race <command> <arguments>` and returns its status and output.
    static func race(_ arguments: [String], command: String = "run") async throws -> Run {
        let run = try await CommandRun.run(productsDirectory(containing: "cache-race").appendingPathComponent("cache-race").path, [command] + arguments, timeout: .seconds(300))
        return Run(status: run.status, output: run.output)
    }
}
