import CacheSchemaRESP
import NIOCore
import RedisTestSupport
import Testing

@testable import CacheSchemaRedis

/// Bad input throws a typed error or saturates instead of trapping (issue 10, item 11): a short MGET reply (which a
/// real server never sends, hence the fake one), an absurdly long timeout.
@Suite struct RedisBadInputTests {
    @Test func aShortMGETReplyIsAProtocolError() async throws {
        // Two keys asked, one value answered: what a misbehaving proxy might send.
        let server = try await FakeRedisServer.start(respond: FakeReplies.afterHandshake { _ in Array("*1\r\n$1\r\nv\r\n".utf8) })
        defer { Task { await server.stop() } }
        let connection = try await RedisConnection.connect(configuration: try testConfiguration(url: server.url))
        defer { Task { await connection.close() } }
        do {
            let values = try await connection.mget(["a", "b"])
            Issue.record("expected a protocol error, got \(values.count) value(s)")
        } catch let error as RedisError {
            #expect(error.kind == .protocolError)
            #expect(error.message.contains("2 key(s)") && error.message.contains("1 value(s)"))
        }
        // A reply with the right count still works on the same connection.
        #expect(try await connection.mget(["a"]) == [ByteBuffer(string: "v")])
    }

    @Test(arguments: [Duration.seconds(Int64.max), .seconds(Int64.max / 2), .seconds(400 * 365 * 86_400)])
    func anAbsurdlyLongTimeoutMeansNoPracticalDeadline(timeout: Duration) async throws {
        try await withRedis { server, client in
            #expect(try await client.set("k", "v", timeout: timeout))
            #expect(try await client.get("k", timeout: timeout) == ByteBuffer(string: "v"))
            #expect(try await client.batch([RedisCommand("GET", "k")], timeout: timeout).count == 1)
            #expect(try await client.transaction([RedisCommand("GET", "k")], timeout: timeout).count == 1)
            let connection = try await RedisConnection.connect(configuration: try testConfiguration(url: server.url))
            defer { Task { await connection.close() } }
            #expect(try await connection.send(RedisCommand("PING"), timeout: timeout) == .simpleString("PONG"))
        }
    }

    @Test func anAbsurdlyLongConfiguredTimeoutIsAccepted() async throws {
        let practicallyForever: (inout RedisConnectionConfiguration) -> Void = { configuration in
            configuration.commandTimeout = .seconds(Int64.max)
            configuration.connectTimeout = .seconds(Int64.max)
        }
        try await withRedis(configure: practicallyForever) { _, client in
            let reply = try await client.ping()
            #expect(reply == "PONG")
        }
    }

    @Test func negativeAndHugeDurationsConvertSaturating() {
        #expect(TimeAmount(saturating: .seconds(Int64.max)) == .nanoseconds(.max))
        #expect(TimeAmount(saturating: .seconds(Int64.min)) == .nanoseconds(.min))
        #expect(TimeAmount(saturating: .milliseconds(1500)) == .milliseconds(1500))
        #expect(TimeAmount(saturating: .nanoseconds(-7)) == .nanoseconds(-7))
        #expect(RedisExpiration.after(.seconds(Int64.max)) == .milliseconds(.max))
        #expect(RedisExpiration.after(.seconds(Int64.min)) == .milliseconds(1))
        #expect(RedisExpiration.after(.milliseconds(1500)) == .milliseconds(1500))
    }
}
