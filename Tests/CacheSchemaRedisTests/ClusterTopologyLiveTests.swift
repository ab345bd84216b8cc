import CacheSchemaRESP
import NIOCore
import RedisTestSupport
import Testing

@testable import CacheSchemaRedis

/// The topology a real local cluster (3 primaries, 3 replicas) reports, read through the client.
@Suite(.serialized) struct ClusterTopologyLiveTests {
    @Test func everyNodeReportsTheSameFullTopologyAndItRoutesLikeTheServers() async throws {
        TestLogging.bootstrap()
        try await withLocalCluster { cluster in
            var views: [RedisClusterTopology] = []
            for node in cluster.nodes {
                let connection = try await RedisConnection.connect(configuration: try testConfiguration(url: node.url))
                let reply = try await connection.execute(RedisCommand("CLUSTER", StaticString("SHARDS")))
                views.append(try RedisClusterTopology(shardsReply: reply, queried: RedisClusterNode(host: "127.0.0.1", port: node.port)))
                let slotsReply = try await connection.execute(RedisCommand("CLUSTER", StaticString("SLOTS")))
                let fromSlots = try RedisClusterTopology(slotsReply: slotsReply, queried: RedisClusterNode(host: "127.0.0.1", port: node.port))
                #expect(fromSlots == views.last, "CLUSTER SLOTS and CLUSTER SHARDS agree")
                await connection.close()
            }
            let topology = try #require(RedisClusterTopology.consensus(views))
            #expect(views.allSatisfy { $0 == topology }, "every node gives one view")
            #expect(topology.coversAllSlots)
            #expect(topology.shards.count == 3)
            #expect(topology.shards.allSatisfy { $0.replicas.count == 1 })
            #expect(Set(topology.primaries + topology.shards.flatMap(\.replicas)).count == 6)

            // A key sent to the primary our slot map names is served; sent to another primary, it is MOVED to
            // exactly that slot and node.
            for key in ["user:1", "{user:1}:orders", "shop:user:{7c9e6679-7425-40de-944b-e07fc1f90ae7}", "a{b}c"] {
                let slot = RedisClusterSlot.of(key)
                let owner = try #require(topology.primary(forSlot: slot))
                let right = try await RedisConnection.connect(configuration: try testConfiguration(url: "redis://\(owner)"))
                #expect(try await right.execute(RedisCommand("SET", key, "v")) == .simpleString("OK"))
                await right.close()
                let other = try #require(topology.primaries.first { $0 != owner })
                let wrong = try await RedisConnection.connect(configuration: try testConfiguration(url: "redis://\(other)"))
                do {
                    _ = try await wrong.execute(RedisCommand("GET", key))
                    Issue.record("a key of slot \(slot) was served by \(other), not by \(owner)")
                } catch let error as RedisError {
                    #expect(error.server?.redirection == RedisServerError.Redirection(slot: slot, host: owner.host, port: owner.port))
                }
                await wrong.close()
            }
        }
    }
}
