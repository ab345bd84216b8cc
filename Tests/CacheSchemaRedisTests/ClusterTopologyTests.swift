import CacheSchemaRESP
import Testing

@testable import CacheSchemaRedis

/// Reading `CLUSTER SHARDS` and `CLUSTER SLOTS` replies, and choosing among views, without a cluster.
@Suite struct ClusterTopologyTests {
    private let queried = RedisClusterNode(host: "10.0.0.9", port: 7000)

    private func text(_ value: String) -> RESPValue { .bulkString(.init(string: value)) }

    /// A `CLUSTER SHARDS` node as RESP3 sends it.
    private func node(ip: String, port: Int, role: String, health: String = "online", endpoint: String? = nil, tlsPort: Int? = nil) -> RESPValue {
        var pairs: [RESPPair] = [
            RESPPair(key: text("id"), value: text(String(repeating: "a", count: 40))),
            RESPPair(key: text("port"), value: .integer(Int64(port))),
            RESPPair(key: text("ip"), value: text(ip)),
            RESPPair(key: text("endpoint"), value: text(endpoint ?? ip)),
            RESPPair(key: text("role"), value: text(role)),
            RESPPair(key: text("replication-offset"), value: .integer(42)),
            RESPPair(key: text("health"), value: text(health)),
        ]
        if let tlsPort { pairs.append(RESPPair(key: text("tls-port"), value: .integer(Int64(tlsPort)))) }
        return .map(pairs)
    }

    private func shard(_ slots: [Int], _ nodes: [RESPValue]) -> RESPValue {
        .map([
            RESPPair(key: text("slots"), value: .array(slots.map { .integer(Int64($0)) })),
            RESPPair(key: text("nodes"), value: .array(nodes)),
        ])
    }

    private var threeShards: RESPValue {
        .array([
            shard([0, 5460], [node(ip: "127.0.0.1", port: 7000, role: "master"), node(ip: "127.0.0.1", port: 7003, role: "replica")]),
            shard([5461, 10922], [node(ip: "127.0.0.1", port: 7001, role: "master"), node(ip: "127.0.0.1", port: 7004, role: "replica", health: "failed")]),
            shard([10923, 16383], [node(ip: "127.0.0.1", port: 7005, role: "replica"), node(ip: "127.0.0.1", port: 7002, role: "master")]),
        ])
    }

    @Test func clusterShardsInRESP3() throws {
        let topology = try RedisClusterTopology(shardsReply: threeShards, queried: queried)
        #expect(topology.coversAllSlots)
        #expect(topology.primaries.map(\.port) == [7000, 7001, 7002])
        #expect(topology.primary(forSlot: 0)?.port == 7000)
        #expect(topology.primary(forSlot: 5461)?.port == 7001)
        #expect(topology.primary(forSlot: 16383)?.port == 7002)
        #expect(topology.shard(forSlot: 0)?.replicas.map(\.port) == [7003])
        #expect(topology.shard(forSlot: 6000)?.replicas.isEmpty == true, "a failed replica is not listed")
        #expect(topology.primary(forSlot: 16384) == nil)
    }

    @Test func clusterShardsInRESP2IsTheSameTopology() throws {
        func flatten(_ value: RESPValue) -> RESPValue {
            switch value {
            case .map(let pairs): return .array(pairs.flatMap { [flatten($0.key), flatten($0.value)] })
            case .array(let items): return .array(items.map(flatten))
            default: return value
            }
        }
        #expect(try RedisClusterTopology(shardsReply: flatten(threeShards), queried: queried) == RedisClusterTopology(shardsReply: threeShards, queried: queried))
    }

    @Test func endpointsAndTLSPorts() throws {
        let reply: RESPValue = .array([
            shard([0, 16383], [node(ip: "", port: 7000, role: "master", endpoint: "?", tlsPort: 17000)]),
        ])
        #expect(try RedisClusterTopology(shardsReply: reply, queried: queried).primaries == [RedisClusterNode(host: "10.0.0.9", port: 7000)])
        #expect(try RedisClusterTopology(shardsReply: reply, queried: queried, tls: true).primaries == [RedisClusterNode(host: "10.0.0.9", port: 17000)])
        let named: RESPValue = .array([shard([0, 16383], [node(ip: "10.1.1.1", port: 7000, role: "master", endpoint: "redis-0.internal")])])
        #expect(try RedisClusterTopology(shardsReply: named, queried: queried).primaries.map(\.host) == ["redis-0.internal"])
    }

    @Test func clusterSlots() throws {
        func entry(_ start: Int, _ end: Int, _ ports: [Int], host: String = "127.0.0.1") -> RESPValue {
            .array([.integer(Int64(start)), .integer(Int64(end))] + ports.map { .array([text(host), .integer(Int64($0)), text("id")]) })
        }
        let reply: RESPValue = .array([entry(0, 100, [7000, 7003]), entry(101, 16383, [7001], host: ""), entry(200, 200, [7000])])
        // Slot 200 appears twice: once in 101...16383 for 7001, once alone for 7000.
        #expect(throws: RedisError.self) { try RedisClusterTopology(slotsReply: reply, queried: queried) }
        let valid: RESPValue = .array([entry(0, 100, [7000, 7003]), entry(101, 16383, [7001], host: "")])
        let topology = try RedisClusterTopology(slotsReply: valid, queried: queried)
        #expect(topology.coversAllSlots)
        #expect(topology.primary(forSlot: 101) == RedisClusterNode(host: "10.0.0.9", port: 7001), "an empty host is the node that answered")
        #expect(topology.shard(forSlot: 0)?.replicas == [RedisClusterNode(host: "127.0.0.1", port: 7003)])
    }

    @Test func badRepliesAreTypedErrors() {
        #expect(throws: RedisError.self) { try RedisClusterTopology(shardsReply: .integer(1), queried: queried) }
        #expect(throws: RedisError.self) { try RedisClusterTopology(shardsReply: .array([shard([5, 1], [node(ip: "h", port: 1, role: "master")])]), queried: queried) }
        #expect(throws: RedisError.self) { try RedisClusterTopology(shardsReply: .array([shard([0, 16384], [node(ip: "h", port: 1, role: "master")])]), queried: queried) }
        #expect(throws: RedisError.self) { try RedisClusterTopology(shardsReply: .array([shard([0], [node(ip: "h", port: 1, role: "master")])]), queried: queried) }
    }

    @Test func aShardWithoutAPrimaryServesNothing() throws {
        let reply: RESPValue = .array([shard([0, 16383], [node(ip: "127.0.0.1", port: 7003, role: "replica")])])
        let topology = try RedisClusterTopology(shardsReply: reply, queried: queried)
        #expect(!topology.coversAllSlots)
        #expect(topology.primary(forSlot: 0) == nil)
    }

    @Test func movedSlotGoesToTheNamedPrimary() throws {
        let topology = try RedisClusterTopology(shardsReply: threeShards, queried: queried)
        let a = RedisClusterNode(host: "127.0.0.1", port: 7001)
        let moved = topology.moving(slot: 0, to: a)
        #expect(moved.primary(forSlot: 0) == a)
        #expect(moved.primary(forSlot: 1)?.port == 7000)
        #expect(moved.coversAllSlots)
        let elsewhere = topology.moving(slot: 16383, to: RedisClusterNode(host: "127.0.0.1", port: 7999))
        #expect(elsewhere.primary(forSlot: 16383)?.port == 7999)
        #expect(elsewhere.primary(forSlot: 16382)?.port == 7002)
    }

    @Test func consensusIsTheViewMostNodesGive() throws {
        let full = try RedisClusterTopology(shardsReply: threeShards, queried: queried)
        let moved = full.moving(slot: 7, to: RedisClusterNode(host: "127.0.0.1", port: 7001))
        #expect(RedisClusterTopology.consensus([moved, full, full]) == full)
        #expect(RedisClusterTopology.consensus([moved, moved, full]) == moved)
        #expect(RedisClusterTopology.consensus([]) == nil)
        let partial = try RedisClusterTopology(shards: [RedisClusterShard(slots: [0...10], primary: queried)])
        #expect(RedisClusterTopology.consensus([partial, full]) == full, "a tie goes to the view covering more slots")
    }
}
