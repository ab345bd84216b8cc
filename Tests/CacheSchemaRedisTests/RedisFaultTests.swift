import CacheSchemaRESP
import NIOCore
import RedisTestSupport
import Testing

@testable import CacheSchemaRedis

/// Faults: deadlines, cancellation, dead and restarted servers, garbage from the wire.
@Suite struct RedisFaultTests {
    @Test func cancellingACommandLeavesTheConnectionInStep() async throws {
        try await withRedis(pool: RedisPoolConfiguration(minimumConnections: 1, maximumConnections: 1)) { _, client in
            try await client.set("k", "v")
            let slow = Task { try await client.raw(["DEBUG", "SLEEP", "8"]) }
            try await Task.sleep(for: .milliseconds(50))
            slow.cancel()
            let clock = ContinuousClock()
            let start = clock.now
            await #expect(throws: CancellationError.self) { try await slow.value }
            // The reply comes after 8 s; a cancelled caller must not wait for it (bounds are loose for loaded machines).
            #expect(clock.now - start < .seconds(6), "cancellation must not wait for the reply")
            // The sleep's reply is read and dropped; the next reply reaches its own command.
            #expect(try await client.get("k") == ByteBuffer(string: "v"))
            #expect(try await client.ping() == "PONG")
            #expect(client.openConnectionCount == 1)
        }
    }

    @Test func aStalledReplyTimesOutAtItsDeadlineAndClosesTheConnection() async throws {
        let server = try await FakeRedisServer.start(respond: FakeReplies.afterHandshake { _ in nil })
        defer { Task { await server.stop() } }
        // The handshake with the harness's long deadline (a loaded machine may take longer than 200 ms to answer it);
        // the short deadline is the command's.
        let connection = try await RedisConnection.connect(configuration: try testConfiguration(url: server.url))
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try await connection.send(RedisCommand("GET", "k"), timeout: .milliseconds(200))
            Issue.record("expected a timeout")
        } catch let error as RedisError {
            #expect(error.kind == .timeout)
            #expect(error.address == "127.0.0.1:\(server.port)")
        }
        let elapsed = clock.now - start
        #expect(elapsed >= .milliseconds(190) && elapsed < .seconds(5))
        try await connection.closeFuture.get()
        #expect(!connection.isActive)
    }

    @Test func garbageFromTheServerIsAProtocolErrorAndClosesTheConnection() async throws {
        let server = try await FakeRedisServer.start(respond: FakeReplies.afterHandshake { _ in Array("?garbage\r\n".utf8) })
        defer { Task { await server.stop() } }
        let connection = try await RedisConnection.connect(configuration: try testConfiguration(url: server.url))
        do {
            _ = try await connection.send(RedisCommand("GET", "k"))
            Issue.record("expected a protocol error")
        } catch let error as RedisError {
            #expect(error.kind == .protocolError)
            #expect(!error.description.contains("garbage"))
        }
        try await connection.closeFuture.get()
    }

    @Test func aReplySplitByteByByteDecodes() async throws {
        let value = String(repeating: "v", count: 300)
        let server = try await FakeRedisServer.start(trickle: true, respond: FakeReplies.afterHandshake { _ in
            Array("*3\r\n$300\r\n\(value)\r\n:42\r\n%1\r\n+k\r\n#t\r\n".utf8)
        })
        defer { Task { await server.stop() } }
        // The long deadline: the fake server trickles the reply a byte at a time, slower on a loaded machine.
        let connection = try await RedisConnection.connect(configuration: try testConfiguration(url: server.url))
        let reply = try await connection.send(RedisCommand("ANY"))
        #expect(reply == .array([.bulkString(ByteBuffer(string: value)), .integer(42), .map([RESPPair(key: .simpleString("k"), value: .boolean(true))])]))
        await connection.close()
    }

    @Test func serverKilledMidPipelineFailsEveryCommandAtOnce() async throws {
        try await withRedis(pool: RedisPoolConfiguration(minimumConnections: 1, maximumConnections: 1)) { server, client in
            try await client.set("k", "v")
            let clock = ContinuousClock()
            let start = clock.now
            let results = await withTaskGroup(of: Result<RESPValue, any Error>.self) { group in
                group.addTask { await Result(catching: { try await client.raw(["DEBUG", "SLEEP", "25"]) }) }
                for _ in 0..<200 {
                    group.addTask { await Result(catching: { try await client.send(RedisCommand("GET", "k")) }) }
                }
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(100))
                    await server.kill()
                    return .success(.null)
                }
                var results: [Result<RESPValue, any Error>] = []
                for await result in group { results.append(result) }
                return results
            }
            // The server sleeps 25 s and the commands' deadline is 30 s: failing well before either shows they failed
            // when the connection died. The margin is wide because a loaded machine can take seconds to kill and reap
            // the server (8 s was seen beside a build).
            #expect(clock.now - start < .seconds(20), "in-flight commands must fail when the connection dies, not at their deadline")
            let failures = results.compactMap { result -> RedisError? in
                if case .failure(let error) = result { return error as? RedisError }
                return nil
            }
            #expect(failures.count >= 200)
            #expect(failures.allSatisfy { $0.kind == .connectionClosed || $0.kind == .poolUnavailable })
        }
    }

    @Test func thePoolRecoversAfterARestartWithoutTheCallerDoingAnything() async throws {
        try await withRedis(pool: RedisPoolConfiguration(minimumConnections: 2, maximumConnections: 2, initialBackoff: .milliseconds(20), maximumBackoff: .milliseconds(200))) { server, client in
            try await client.set("k", "before")
            await server.stop()
            // While it is down: fast failures, no hang.
            let clock = ContinuousClock()
            let start = clock.now
            await #expect(throws: RedisError.self) { try await client.get("k") }
            #expect(clock.now - start < .seconds(5))
            try await server.restart()
            // Commands succeed again within a few backoff periods.
            var recovered = false
            for _ in 0..<100 {
                if (try? await client.set("k", "after")) == true {
                    recovered = true
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(recovered)
            #expect(try await client.get("k") == ByteBuffer(string: "after"))
        }
    }

    @Test func shutDownClientRefusesCommands() async throws {
        try await withRedis { _, client in
            try await client.set("k", "v")
            await client.shutdown()
            do {
                _ = try await client.get("k")
                Issue.record("expected shutDown")
            } catch let error as RedisError {
                #expect(error.kind == .shutDown)
            }
        }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
