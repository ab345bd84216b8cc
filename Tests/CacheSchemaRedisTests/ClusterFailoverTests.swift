import CacheSchemaRESP
import Foundation
import NIOCore
import RedisTestSupport
import Synchronization
import Testing

@testable import CacheSchemaRedis

/// The cluster client while the cluster changes under load from 50 tasks: a replica taking over by `CLUSTER
/// FAILOVER`, and a primary killed until its replica is promoted.
@Suite(.serialized) struct ClusterFailoverTests {
    /// What the load saw.
    final class LoadReport: Sendable {
        let state = Mutex((succeeded: 0, failed: 0, longest: Duration.zero, errors: [String]()))

        func record(_ duration: Duration, error: (any Error)?) {
            state.withLock { state in
                state.longest = max(state.longest, duration)
                if let error {
                    state.failed += 1
                    if state.errors.count < 5 { state.errors.append("\(error)") }
                } else {
                    state.succeeded += 1
                }
            }
        }
    }

    /// 50 tasks each `SET` then `GET` their own keys (`<prefix><worker>:<n>`) until `stop` opens, with `deadline` per
    /// command.
    static func load(
        _ client: RedisClusterClient, deadline: Duration, keyPrefix: String = "load:", until stop: StopFlag
    ) -> (Task<Void, Never>, LoadReport) {
        let report = LoadReport()
        let task = Task {
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<50 {
                    group.addTask {
                        var round = 0
                        while !stop.isOpen {
                            let key = "\(keyPrefix)\(worker):\(round % 20)"
                            let start = ContinuousClock.now
                            do {
                                let routed = client.routed(by: key, idempotent: true)
                                _ = try await routed.set(key, "\(round)", timeout: deadline)
                                _ = try await routed.get(key, timeout: deadline)
                                report.record(ContinuousClock.now - start, error: nil)
                            } catch {
                                report.record(ContinuousClock.now - start, error: error)
                            }
                            round += 1
                        }
                    }
                }
            }
        }
        return (task, report)
    }

    @Test func aReplicaTakingOverByClusterFailoverLosesNoCommand() async throws {
        try await withCluster { cluster, client in
            let topology = try await client.refreshTopology()
            let shard = try #require(topology.shards.first)
            let replica = try #require(cluster.nodes.first { $0.port == shard.replicas.first?.port })
            let stop = StopFlag()
            let (load, report) = Self.load(client, deadline: .seconds(10), until: stop)
            try await waitUntil("the load is running") { report.state.withLock { $0.succeeded } > 200 }
            #expect(try await replica.cli(["CLUSTER", "FAILOVER"]) == "OK")
            try await waitUntil("the replica is a primary") { try await replica.cli(["ROLE"]).hasPrefix("master") }
            let afterFailover = report.state.withLock { $0.succeeded }
            try await waitUntil("commands go on after the failover") { report.state.withLock { $0.succeeded } > afterFailover + 500 }
            stop.open()
            await load.value
            let result = report.state.withLock { $0 }
            #expect(result.failed == 0, "\(result.errors)")
            #expect(client.redirects.moved >= 1, "the old primary's slots were MOVED to the new one")
            #expect(try await client.refreshTopology().primary(forSlot: shard.slots[0].lowerBound)?.port == replica.port)
            print("cluster failover under 50 tasks: \(result.succeeded) SET+GET pairs, none failed, longest pair \(result.longest)")
        }
    }

    @Test func aSlotMigratedByHandUnderLoadLosesNoCommand() async throws {
        try await withCluster { cluster, client in
            let topology = try await client.refreshTopology()
            // Every key of the load is in one slot, the one that moves.
            let slot = RedisClusterSlot.of("{moving}")
            let source = try #require(cluster.nodes.first { $0.port == topology.primary(forSlot: slot)?.port })
            let target = try #require(cluster.nodes.first { node in topology.primaries.contains { $0.port == node.port } && node.port != source.port })
            let sourceID = try await source.cli(["CLUSTER", "MYID"]), targetID = try await target.cli(["CLUSTER", "MYID"])
            let stop = StopFlag()
            let (load, report) = Self.load(client, deadline: .seconds(10), keyPrefix: "{moving}:", until: stop)
            try await waitUntil("the load is running") { report.state.withLock { $0.succeeded } > 200 }

            // The steps of `redis-cli --cluster reshard`, by hand: mark the slot, move its keys in batches while the
            // load goes on, then give it to the target everywhere.
            #expect(try await target.cli(["CLUSTER", "SETSLOT", String(slot), "IMPORTING", sourceID]) == "OK")
            #expect(try await source.cli(["CLUSTER", "SETSLOT", String(slot), "MIGRATING", targetID]) == "OK")
            var moved = 0
            while true {
                let keys = try await source.cli(["CLUSTER", "GETKEYSINSLOT", String(slot), "50"]).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
                if keys.isEmpty { break }
                let migrated = try await source.cli(["MIGRATE", "127.0.0.1", String(target.port), "", "0", "5000", "REPLACE", "KEYS"] + keys)
                #expect(migrated == "OK" || migrated == "NOKEY", "\(migrated)")
                moved += keys.count
                try await Task.sleep(for: .milliseconds(20))
            }
            for node in cluster.nodes where topology.primaries.contains(where: { $0.port == node.port }) {
                #expect(try await node.cli(["CLUSTER", "SETSLOT", String(slot), "NODE", targetID]) == "OK")
            }
            let afterMove = report.state.withLock { $0.succeeded }
            try await waitUntil("commands go on after the move") { report.state.withLock { $0.succeeded } > afterMove + 500 }
            stop.open()
            await load.value
            let result = report.state.withLock { $0 }
            #expect(result.failed == 0, "\(result.errors)")
            #expect(moved > 0)
            #expect(client.redirects.asked >= 1 && client.redirects.moved >= 1, "ASK while the slot moved, MOVED afterwards: \(client.redirects)")
            #expect(client.topology?.primary(forSlot: slot)?.port == target.port)
            print("slot migrated under 50 tasks: \(moved) keys moved, \(result.succeeded) SET+GET pairs, none failed, \(client.redirects.asked) ASK, \(client.redirects.moved) MOVED, longest pair \(result.longest)")
        }
    }

    @Test func commandsForAKilledPrimaryFailFastThenSucceedOnItsPromotedReplica() async throws {
        try await withCluster { cluster, client in
            let topology = try await client.refreshTopology()
            let shard = try #require(topology.shards.first)
            let primary = try #require(cluster.nodes.first { $0.port == shard.primary.port })
            let replica = try #require(cluster.nodes.first { $0.port == shard.replicas.first?.port })
            let key = try #require((0..<10_000).map { "k\($0)" }.first { candidate in shard.slots.contains { $0.contains(RedisClusterSlot.of(candidate)) } })
            #expect(try await client.routed(by: key).set(key, "before"))

            await primary.kill()
            let clock = ContinuousClock()
            var longest = Duration.zero
            var failures = 0
            var recovered = false
            let start = clock.now
            // Until the replica is promoted (node timeout 2 s, then an election), a short deadline fails fast.
            while clock.now - start < .seconds(60) {
                let attempt = clock.now
                do {
                    _ = try await client.routed(by: key, idempotent: true).get(key, timeout: .milliseconds(500))
                    recovered = true
                    break
                } catch {
                    failures += 1
                }
                longest = max(longest, clock.now - attempt)
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(recovered, "commands succeed once the replica is promoted")
            #expect(longest < .seconds(3), "a command for a dead primary fails within its deadline, not later (longest \(longest))")
            #expect(try await replica.cli(["ROLE"]).hasPrefix("master"))
            #expect(try await client.routed(by: key).get(key) == ByteBuffer(string: "before"), "the replica had the value")
            print("primary killed: \(failures) fast failures (longest \(longest)), then served by the promoted replica after \(clock.now - start)")
        }
    }
}

/// A flag that tells load tasks to stop.
final class StopFlag: Sendable {
    private let state = Atomic<Bool>(false)
    var isOpen: Bool { state.load(ordering: .acquiring) }
    func open() { state.store(true, ordering: .releasing) }
}
