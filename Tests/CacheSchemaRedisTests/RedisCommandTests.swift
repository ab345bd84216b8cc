import CacheSchemaRESP
import NIOCore
import RedisTestSupport
import Testing

@testable import CacheSchemaRedis

/// The typed commands against a real redis-server.
@Suite struct RedisCommandTests {

    @Test func getSetVariants() async throws {
        try await withRedis { server, client in
            #expect(try await client.get("missing") == nil)
            #expect(try await client.set("k", "v1"))
            #expect(try await client.get("k") == ByteBuffer(string: "v1"))
            #expect(try await client.set("k", "v2", condition: .ifNotExists) == false)
            #expect(try await client.set("k", "v3", condition: .ifExists))
            #expect(try await client.set("absent", "x", condition: .ifExists) == false)
            #expect(try await client.setAndGet("k", "v4") == ByteBuffer(string: "v3"))
            try await client.set("ex", "x", expiration: .seconds(100))
            #expect((90...100).contains(try await client.ttl("ex")))
            // Wide bounds: on a loaded machine seconds can pass between two commands.
            try await client.set("px", "x", expiration: .after(.milliseconds(30_500)))
            #expect((20_000...30_500).contains(try await client.pttl("px")))
            try await client.set("px", "y", expiration: .keepTTL)
            #expect((15_000...30_500).contains(try await client.pttl("px")))
            #expect(try await client.ttl("k") == -1)
            #expect(try await client.ttl("missing") == -2)
        }
    }

    @Test func multiKeyCommands() async throws {
        try await withRedis { server, client in
            try await client.mset([("a", ByteBuffer(string: "1")), ("b", ByteBuffer(string: "2"))])
            #expect(try await client.mget(["a", "nope", "b"]) == [ByteBuffer(string: "1"), nil, ByteBuffer(string: "2")])
            #expect(try await client.exists(["a", "b", "nope"]) == 2)
            #expect(try await client.del(["a", "nope"]) == 1)
            #expect(try await client.unlink(["b"]) == 1)
            #expect(try await client.exists(["a", "b"]) == 0)
            #expect(try await client.incr("counter") == 1)
            #expect(try await client.incr("counter") == 2)
            #expect(try await client.expire("counter", seconds: 50))
            #expect(try await client.pexpire("counter", milliseconds: 50_000))
            #expect(try await client.expire("nope", seconds: 5) == false)
        }
    }

    @Test func scanAndSets() async throws {
        try await withRedis { server, client in
            for index in 0..<250 { try await client.set("scan:\(index)", "x") }
            try await client.sadd("scan:set", members: ["m1", "m2"])
            var keys = Set<String>()
            for try await key in client.scan(match: "scan:*", count: 50, type: "string") { keys.insert(String(buffer: key)) }
            #expect(keys.count == 250)
            #expect(!keys.contains("scan:set"))
            #expect(try await client.sadd("s", members: ["a", "b", "c"]) == 3)
            #expect(try await client.srem("s", members: ["c", "zz"]) == 1)
            #expect(Set(try await client.smembers("s").map { String(buffer: $0) }) == ["a", "b"])
            var members = Set<String>()
            for try await member in client.sscan("s", count: 1) { members.insert(String(buffer: member)) }
            #expect(members == ["a", "b"])
        }
    }

    @Test func scriptsReloadAfterFlush() async throws {
        try await withRedis { server, client in
            let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
            #expect(try await client.run(script, keys: ["n"], arguments: ["5"]) == .integer(5))
            #expect(try await client.eval("return 1") == .integer(1))
            let sha = try await client.scriptLoad("return 'ok'")
            #expect(try await client.evalsha(sha) == .bulkString(ByteBuffer(string: "ok")))
            _ = try await client.raw(["SCRIPT", "FLUSH"])
            // The cached SHA1 is gone from the server: NOSCRIPT, then the script runs by its text (EVAL caches it again).
            #expect(try await client.run(script, keys: ["n"], arguments: ["1"]) == .integer(6))
        }
    }

    @Test func serverInformation() async throws {
        try await withRedis { server, client in
            #expect(try await client.ping() == "PONG")
            #expect(try await client.info("server").contains("redis_version:7"))
            try await client.set("sized", String(repeating: "x", count: 1000))
            #expect((1000...1200).contains(try await client.memoryUsage("sized") ?? 0))
            #expect(try await client.memoryUsage("nothing") == nil)
        }
    }

    @Test func serverErrorsAreTyped() async throws {
        try await withRedis { server, client in
            try await client.sadd("aset", members: ["x"])
            do {
                _ = try await client.get("aset")
                Issue.record("expected WRONGTYPE")
            } catch let error as RedisError {
                #expect(error.kind == .server)
                #expect(error.server?.code == .wrongType)
                #expect(error.description.contains("WRONGTYPE"))
            }
            await #expect(throws: RedisError.self) { try await client.raw(["NOSUCHCOMMAND"]) }
        }
    }

    @Test func binaryValuesWithEveryByteAndTenMegabytes() async throws {
        try await withRedis { server, client in
            let everyByte = ByteBuffer(bytes: (0...255).map(UInt8.init) + (0...255).reversed().map(UInt8.init))
            try await client.set("binary", everyByte)
            #expect(try await client.get("binary") == everyByte)
            // Ten million bytes made off the cooperative pool (a debug build's byte loop holds a thread for seconds).
            let large = await runCPUBound { () -> ByteBuffer in
                var bytes = [UInt8](repeating: 0, count: 10 * 1024 * 1024)
                bytes.withUnsafeMutableBufferPointer { buffer in
                    for index in buffer.indices { buffer[index] = UInt8(truncatingIfNeeded: index &* 31) }
                }
                return ByteBuffer(bytes: bytes)
            }
            try await client.set("large", large, timeout: .seconds(20))
            #expect(try await client.get("large", timeout: .seconds(20)) == large)
        }
    }

    @Test func batchKeepsEveryReplyAndTransactions() async throws {
        try await withRedis { server, client in
            try await client.sadd("wrong", members: ["x"])
            let results = try await client.batch([
                RedisCommand("SET", "b1", "1"), RedisCommand("GET", "wrong"), RedisCommand("GET", "b1"), RedisCommand("INCR", "b1"),
            ])
            #expect(results.count == 4)
            #expect(try results[0].get() == .simpleString("OK"))
            #expect((try? results[1].get()) == nil)
            if case .failure(let error) = results[1] { #expect(error.server?.code == .wrongType) }
            #expect(try results[2].get() == .bulkString(ByteBuffer(string: "1")))
            #expect(try results[3].get() == .integer(2))
            let transaction = try await client.transaction([RedisCommand("INCR", "t"), RedisCommand("INCR", "t")])
            #expect(try transaction.map { try $0.get() } == [.integer(1), .integer(2)])
            let aborted = try await client.transaction([RedisCommand("INCR", "t"), RedisCommand("NOSUCHCMD")])
            #expect(aborted.allSatisfy { if case .failure = $0 { true } else { false } })
            #expect(try await client.get("t") == ByteBuffer(string: "2"))
        }
    }

    @Test func tenThousandConcurrentCommandsThroughThePool() async throws {
        try await withRedis { server, client in
            // The subject is correctness under concurrency, not speed: 10,000 tasks on a loaded two-core machine
            // (seen: 74 s beside two builds) get a deadline far above the harness's 30 s.
            let timeout = Duration.seconds(300)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<10_000 {
                    group.addTask {
                        let key = "c:\(index % 500)"
                        if index % 2 == 0 {
                            try await client.set(key, "\(index % 500)", timeout: timeout)
                        } else {
                            let value = try await client.get(key, timeout: timeout)
                            if let value { #expect(String(buffer: value) == "\(index % 500)") }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(client.openConnectionCount <= client.poolConfiguration.maximumConnections)
            #expect(try await server.cli(["GET", "c:42"]) == "42")
        }
    }
}
