import CacheSchemaRESP
import NIOCore
import RedisTestSupport
import Testing

@testable import CacheSchemaRedis

/// The cluster client against a real local cluster (3 primaries, 3 replicas): routing by slot, and a slot migrated
/// by hand under it (`ASK` while the slot moves, `MOVED` afterwards).
@Suite(.serialized) struct ClusterClientTests {
    @Test func everyKeyGoesToItsPrimaryFromOneSeed() async throws {
        try await withCluster { cluster, client in
            var random = SystemRandomNumberGenerator()
            let keys = (0..<500).map { "key:\($0):\(UInt32.random(in: 0...UInt32.max, using: &random))" }
            for key in keys {
                #expect(try await client.send(RedisCommand("SET", key, key), routedBy: key) == .simpleString("OK"))
            }
            for key in keys {
                #expect(try await client.send(RedisCommand("GET", key), routedBy: key) == .bulkString(ByteBuffer(string: key)))
            }
            #expect(client.redirects.moved == 0, "a fresh slot map needs no redirect")
            let topology = try #require(client.topology)
            #expect(topology.coversAllSlots && topology.primaries.count == 3)
            // The keys are spread over every primary.
            #expect(Set(keys.compactMap { topology.primary(forSlot: RedisClusterSlot.of($0)) }).count == 3)
        }
    }

    @Test func aSlotMigratedByHandIsFollowedThroughAskThenMoved() async throws {
        try await withCluster { cluster, client in
            let (first, second) = ("{migrating}:a", "{migrating}:b")
            let slot = RedisClusterSlot.of(first)
            for key in [first, second] { _ = try await client.send(RedisCommand("SET", key, key), routedBy: key) }
            let topology = try #require(client.topology)
            let source = try #require(cluster.nodes.first { $0.port == topology.primary(forSlot: slot)?.port })
            let target = try #require(cluster.nodes.first { node in topology.primaries.contains { $0.port == node.port } && node.port != source.port })
            let sourceID = try await source.cli(["CLUSTER", "MYID"]), targetID = try await target.cli(["CLUSTER", "MYID"])

            // The slot starts to move: the first key goes over, the second stays.
            #expect(try await target.cli(["CLUSTER", "SETSLOT", String(slot), "IMPORTING", sourceID]) == "OK")
            #expect(try await source.cli(["CLUSTER", "SETSLOT", String(slot), "MIGRATING", targetID]) == "OK")
            #expect(try await source.cli(["MIGRATE", "127.0.0.1", String(target.port), "", "0", "5000", "KEYS", first]) == "OK")
            #expect(try await client.send(RedisCommand("GET", first), routedBy: first) == .bulkString(ByteBuffer(string: first)))
            #expect(client.redirects.asked >= 1, "the moved key was asked for on the target")
            #expect(try await client.send(RedisCommand("GET", second), routedBy: second) == .bulkString(ByteBuffer(string: second)))
            #expect(client.topology?.primary(forSlot: slot)?.port == source.port, "ASK leaves the slot map alone")

            // The slot has moved.
            #expect(try await source.cli(["MIGRATE", "127.0.0.1", String(target.port), "", "0", "5000", "KEYS", second]) == "OK")
            for node in cluster.nodes where topology.primaries.contains(where: { $0.port == node.port }) {
                #expect(try await node.cli(["CLUSTER", "SETSLOT", String(slot), "NODE", targetID]) == "OK")
            }
            #expect(try await client.send(RedisCommand("GET", second), routedBy: second) == .bulkString(ByteBuffer(string: second)))
            #expect(client.redirects.moved >= 1)
            #expect(client.topology?.primary(forSlot: slot)?.port == target.port, "MOVED updates the slot map")
        }
    }

    @Test func aClusterNodeGivenToTheSingleNodeClientSaysSo() async throws {
        try await withCluster { cluster, clusterClient in
            let topology = try await clusterClient.refreshTopology()
            let node = cluster.nodes[0]
            // A key that another primary serves.
            let key = try #require((0..<1000).map { "k\($0)" }.first { topology.primary(forSlot: RedisClusterSlot.of($0))?.port != node.port })
            let single = RedisClient(configuration: try testConfiguration(url: node.url))
            do {
                _ = try await single.get(key)
                Issue.record("a MOVED reply was not reported")
            } catch let error as RedisError {
                #expect(error.server?.code == .moved)
                #expect(error.message.contains("RedisClusterClient"), "\(error.message)")
            }
            await single.shutdown()
        }
    }

    @Test func badSeedsAreClearErrors() async throws {
        #expect(throws: RedisError.self) { try RedisClusterClient(seeds: [], configuration: try testConfiguration(url: "redis://127.0.0.1:1")) }
        #expect(throws: RedisError.self) { try RedisClusterClient(seeds: ["no-port"], configuration: try testConfiguration(url: "redis://127.0.0.1:1")) }
        // A seed that does not answer, and one that is not in cluster mode: an error that says so, not a hang.
        var configuration = try testConfiguration(url: "redis://127.0.0.1:1")
        configuration.connectTimeout = .seconds(5)
        let unreachable = try RedisClusterClient(seeds: ["127.0.0.1:\(try LoopbackPort.free())"], configuration: configuration)
        await #expect(throws: RedisError.self) { try await unreachable.refreshTopology(timeout: .seconds(10)) }
        await unreachable.shutdown()
        try await withRedis { server, _ in
            let single = try RedisClusterClient(seeds: ["127.0.0.1:\(server.port)"], configuration: configuration)
            do {
                try await single.refreshTopology()
                Issue.record("a node without cluster mode was taken for a cluster")
            } catch let error as RedisError {
                #expect(error.kind == .configuration)
                #expect(error.message.contains("not a cluster node"))
            }
            await single.shutdown()
        }
    }
}

/// Runs `body` with a fresh local cluster (in this test's turn, see `LocalClusterTurns`) and a cluster client that
/// knows one seed.
func withCluster(_ body: (LocalRedisCluster, RedisClusterClient) async throws -> Void) async throws {
    TestLogging.bootstrap()
    try await withLocalCluster { cluster in
        let client = try RedisClusterClient(seeds: [cluster.seeds[0]], configuration: try testConfiguration(url: cluster.nodes[0].url))
        do {
            try await body(cluster, client)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }
}
