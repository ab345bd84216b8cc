import CacheSchemaRESP
import NIOCore
import RedisTestSupport
import Testing

@testable import CacheSchemaRedis

/// The typed commands, scripts, `MGET` and `SCAN` over a real local cluster.
@Suite(.serialized) struct ClusterRoutingTests {
    @Test func typedCommandsScriptsMgetAndScanAcrossTheCluster() async throws {
        try await withCluster { cluster, client in
            let keys = (0..<300).map { "item:\($0)" }
            for key in keys { #expect(try await client.routed(by: key).set(key, "v-\(key)")) }
            #expect(try await client.routed(by: keys[7]).get(keys[7]) == ByteBuffer(string: "v-item:7"))

            // MGET over many slots: split per slot, values in the caller's order, absent keys nil.
            let asked = keys.shuffled() + ["absent:1"]
            let values = try await client.mget(asked)
            #expect(values == asked.map { $0.hasPrefix("absent") ? nil : ByteBuffer(string: "v-\($0)") })

            // A script on keys of one slot runs; keys of two slots are refused before anything is sent.
            let script = RedisScript("return redis.call('GET', KEYS[1]) .. '+' .. redis.call('GET', KEYS[2])")
            for key in ["{user:1}:a", "{user:1}:b"] { _ = try await client.routed(by: key).set(key, key) }
            let joined = try await client.routed(byKeys: ["{user:1}:a", "{user:1}:b"]).run(script, keys: ["{user:1}:a", "{user:1}:b"])
            #expect(joined == .bulkString(ByteBuffer(string: "{user:1}:a+{user:1}:b")))
            #expect(throws: RedisCrossSlotError.self) { try client.routed(byKeys: ["item:1", "item:2", "item:3"]) }

            // NOSCRIPT after the node forgot its scripts (a failover does that): run by its text, which caches it again.
            let owner = try #require(client.topology?.primary(forSlot: RedisClusterSlot.of("{user:1}:a")))
            let node = try #require(cluster.nodes.first { $0.port == owner.port })
            #expect(try await node.cli(["SCRIPT", "FLUSH"]) == "OK")
            #expect(try await client.routed(byKeys: ["{user:1}:a", "{user:1}:b"]).run(script, keys: ["{user:1}:a", "{user:1}:b"]) == joined)

            // A batch over every node: one write per primary, results in the caller's order, a stale slot answered
            // with MOVED sent again through the routing.
            let batch = keys.prefix(60).map { (command: RedisCommand("GET", $0), key: $0) } + [(command: RedisCommand("GET", "absent:2"), key: "absent:2")]
            let replies = try await client.batch(batch)
            #expect(replies.count == batch.count)
            for (entry, reply) in zip(batch, replies) {
                #expect(try reply.get() == (entry.key.hasPrefix("absent") ? .null : .bulkString(ByteBuffer(string: "v-\(entry.key)"))))
            }

            // SCAN walks every primary: each key once.
            var seen: [String] = []
            for try await key in try await client.scanPrimaries(match: "item:*", count: 100) { seen.append(String(buffer: key)) }
            #expect(seen.sorted() == keys.sorted())
        }
    }

    @Test func theKeyedCommandsRunOnACluster() async throws {
        try await withCluster { _, client in
            try await exerciseKeyedClient(client)
            #expect(client.requiresOneSlotPerCommand)
            #expect {
                try client.routed(byKeys: ["item:1", "item:2"])
            } throws: { error in
                (error as? RedisCrossSlotError)?.slots == [RedisClusterSlot.of("item:1"), RedisClusterSlot.of("item:2")].sorted()
            }
        }
    }

    @Test func runRefreshesTheSlotMapPeriodically() async throws {
        TestLogging.bootstrap()
        try await withLocalCluster { cluster in
            let client = try RedisClusterClient(
                seeds: [cluster.seeds[0]], configuration: try testConfiguration(url: cluster.nodes[0].url), refreshInterval: .milliseconds(200))
            let service = Task { try await client.run() }
            try await waitUntil("run() read the slot map") { client.topology?.coversAllSlots == true }
            service.cancel()
            _ = try? await service.value
            await #expect(throws: RedisError.self) { _ = try await client.routed(by: "k").get("k") }
        }
    }
}
