import CacheSchemaRESP
import NIOCore
import RedisTestSupport
import Testing

@testable import CacheSchemaRedis

/// The one protocol the cache runtime takes either client through: the same code on one node and on a cluster
/// (the cluster half runs in ``ClusterRoutingTests``, beside the other tests of a local cluster).
@Suite struct RedisKeyedClientTests {
    @Test func theKeyedCommandsRunOnOneNode() async throws {
        TestLogging.bootstrap()
        let server = try await RedisServerProcess.start()
        let client = RedisClient(configuration: try testConfiguration(url: server.url))
        do {
            try await exerciseKeyedClient(client)
            // One node runs a script on keys of any slots: nothing to refuse.
            #expect(!client.requiresOneSlotPerCommand)
            #expect(try client.routed(byKeys: ["item:1", "item:2"]).key == "item:1")
        } catch {
            await client.shutdown()
            await server.stop()
            throw error
        }
        await client.shutdown()
        await server.stop()
    }
}

/// What the cache runtime asks of a client, through `any RedisKeyedClient` only: routed typed commands, a script on
/// keys of one hash tag, `MGET` and `UNLINK` of keys in many slots, a batch, `SCAN` of every primary, `PING`, and a
/// task on the client's event loop.
func exerciseKeyedClient(_ client: any RedisKeyedClient) async throws {
    let keys = (0..<200).map { "keyed:\($0)" }
    for key in keys { #expect(try await client.routed(by: key).set(key, "v-\(key)")) }
    #expect(try await client.routed(by: keys[3]).get(keys[3]) == ByteBuffer(string: "v-keyed:3"))

    let asked = keys.shuffled() + ["keyed:absent"]
    #expect(try await client.mget(asked, timeout: nil) == asked.map { $0.hasSuffix("absent") ? nil : ByteBuffer(string: "v-\($0)") })

    // Keys of one hash tag share a slot: one script runs on them on either client.
    let tagged = ["{keyed:7}:a", "{keyed:7}:b"]
    for key in tagged { _ = try await client.routed(by: key).set(key, key) }
    let script = RedisScript("return redis.call('GET', KEYS[1]) .. '+' .. redis.call('GET', KEYS[2])")
    #expect(try await client.routed(byKeys: tagged).run(script, keys: tagged) == .bulkString(ByteBuffer(string: "{keyed:7}:a+{keyed:7}:b")))

    let batch = keys.prefix(40).map { (command: RedisCommand("GET", $0), key: $0) }
    let replies = try await client.batch(batch, timeout: nil)
    #expect(try replies.map { try $0.get() } == batch.map { .bulkString(ByteBuffer(string: "v-\($0.key)")) })

    var seen: [String] = []
    for try await key in try await client.scanPrimaries(match: "keyed:*", count: 50, timeout: nil) { seen.append(String(buffer: key)) }
    #expect(Set(seen) == Set(keys))

    #expect(try await client.ping(timeout: nil) == "PONG")
    let onLoop = try await Task(executorPreference: client.taskExecutor) {
        try await client.routed(by: keys[0]).get(keys[0])
    }.value
    #expect(onLoop == ByteBuffer(string: "v-keyed:0"))

    // UNLINK of keys in many slots: every key removed, counted once.
    #expect(try await client.unlink(keys + tagged + ["keyed:absent"], timeout: nil) == keys.count + tagged.count)
    #expect(try await client.mget(keys, timeout: nil).allSatisfy { $0 == nil })
}
