import CacheSchemaRESP
import NIOCore
import RedisTestSupport
import Testing

@testable import CacheSchemaRedis

/// Scripts marked read-only run with `EVALSHA_RO`: a failover's `CLIENT PAUSE WRITE` does not hold them, and servers
/// before Redis 7 (no `EVALSHA_RO`) still run them.
@Suite struct ReadOnlyScriptTests {
    @Test func aReadOnlyScriptPassesAWritePauseThatHoldsOtherScripts() async throws {
        try await withRedis { server, client in
            #expect(try await client.set("k", "v"))
            let reader = RedisScript("return redis.call('GET', KEYS[1])", readOnly: true)
            let writer = RedisScript("return redis.call('GET', KEYS[1])")
            // Loaded before the pause (SCRIPT LOAD is not held, but this keeps the test about EVALSHA_RO).
            _ = try await client.run(reader, keys: ["k"])
            #expect(try await server.cli(["CLIENT", "PAUSE", "300000", "WRITE"]) == "OK")
            let read: RESPValue
            do {
                read = try await client.run(reader, keys: ["k"], timeout: .seconds(30))
            } catch {
                _ = try? await server.cli(["CLIENT", "UNPAUSE"])
                throw error
            }
            // A script without the read-only mark waits for the pause to end (its deadline passes first).
            await #expect(throws: RedisError.self) { _ = try await client.run(writer, keys: ["k"], timeout: .milliseconds(300)) }
            #expect(try await server.cli(["CLIENT", "UNPAUSE"]) == "OK")
            #expect(read == .bulkString(ByteBuffer(string: "v")))
        }
    }

    @Test func aServerWithoutEvalshaROGetsEvalsha() async throws {
        let sha = String(repeating: "a", count: 40)
        let server = try await FakeRedisServer.start(respond: FakeReplies.afterHandshake { request in
            if request.contains("EVALSHA_RO") { return Array("-ERR unknown command 'EVALSHA_RO', with args beginning with: \r\n".utf8) }
            if request.contains("SCRIPT") { return Array("$40\r\n\(sha)\r\n".utf8) }
            if request.contains("EVALSHA") { return Array(":7\r\n".utf8) }
            return Array("-ERR unexpected\r\n".utf8)
        })
        defer { Task { await server.stop() } }
        let connection = try await RedisConnection.connect(configuration: try testConfiguration(url: server.url))
        defer { Task { await connection.close() } }
        let script = RedisScript("return 7", readOnly: true)
        #expect(try await connection.run(script, keys: ["k"]) == .integer(7))
        #expect(script.command == "EVALSHA", "the script remembers that the server lacks EVALSHA_RO")
        #expect(try await connection.run(script, keys: ["k"]) == .integer(7))
    }
}
