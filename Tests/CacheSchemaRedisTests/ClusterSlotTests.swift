import CacheSchemaRESP
import NIOCore
import RedisTestSupport
import Testing

@testable import CacheSchemaRedis

/// Hash slots: Redis's own examples, and 10,000 random keys (braces in odd places, non-ASCII bytes) against
/// `CLUSTER KEYSLOT` on a real cluster-enabled redis-server.
@Suite struct ClusterSlotTests {
    @Test func redisDocumentedExamples() {
        #expect(RedisClusterSlot.of("123456789") == 12739)
        #expect(RedisClusterSlot.crc16(Array("123456789".utf8)) == 0x31C3, "CRC16-XMODEM's check value")
        #expect(RedisClusterSlot.of("{user1000}.following") == RedisClusterSlot.of("{user1000}.followers"))
        #expect(RedisClusterSlot.of("{user1000}.following") == RedisClusterSlot.of("user1000"))
        // An empty tag does not count: the whole key is hashed.
        #expect(RedisClusterSlot.of("foo{}{bar}") == Int(RedisClusterSlot.crc16(Array("foo{}{bar}".utf8)) % 16384))
        // The tag ends at the first `}` after the first `{`.
        #expect(RedisClusterSlot.of("foo{{bar}}zap") == RedisClusterSlot.of("{bar"))
        #expect(RedisClusterSlot.of("foo{bar}{zap}") == RedisClusterSlot.of("bar"))
        #expect(RedisClusterSlot.of("") == 0)
        #expect(RedisClusterSlot.of("no-braces}{") == Int(RedisClusterSlot.crc16(Array("no-braces}{".utf8)) % 16384))
    }

    @Test func tenThousandRandomKeysAgreeWithClusterKeyslot() async throws {
        // A cluster-enabled node answers CLUSTER KEYSLOT before any slot is assigned; its bus port is chosen free too.
        let busPort = try LoopbackPort.free()
        try await withRedis(arguments: ["--cluster-enabled", "yes", "--cluster-port", String(busPort)]) { _, client in
            var random = SystemRandomNumberGenerator()
            let alphabet: [UInt8] = Array("ab{}:{}x".utf8) + [0xC3, 0xA9, 0x00, 0x7B, 0x7D]
            let keys: [[UInt8]] = (0..<10_000).map { _ in
                (0..<Int.random(in: 0...24, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
            }
            var mismatches: [String] = []
            // 50 at a time through the pool: 10,000 commands in a few seconds.
            for batch in stride(from: 0, to: keys.count, by: 50) {
                let slots = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                    for index in batch..<min(batch + 50, keys.count) {
                        group.addTask {
                            let reply = try await client.execute(RedisCommand("CLUSTER", StaticString("KEYSLOT"), ByteBuffer(bytes: keys[index])))
                            return (index, Int(try reply.integer()))
                        }
                    }
                    return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
                }
                for (index, slot) in slots where RedisClusterSlot.of(bytes: keys[index]) != slot {
                    mismatches.append("\(keys[index]): server \(slot), ours \(RedisClusterSlot.of(bytes: keys[index]))")
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
            #expect(keys.contains { $0.contains(UInt8(ascii: "{")) && $0.contains(UInt8(ascii: "}")) }, "the keys exercise hash tags")
        }
    }
}
