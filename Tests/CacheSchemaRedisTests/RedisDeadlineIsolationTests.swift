import CacheSchemaRESP
import Foundation
import NIOCore
import RedisTestSupport
import Testing

@testable import CacheSchemaRedis

/// Deadlines are per command (issue 10, item 4), and the pool routes around connections stuck behind a blocked
/// command (item 5b).
///
/// Delays come from the server (DEBUG SLEEP, CLIENT PAUSE, SIGSTOP), never from racing the scheduler; every bound that
/// is not the subject of a test is seconds long.
@Suite struct RedisDeadlineIsolationTests {
    // MARK: 4. A command's deadline fails that command only

    // The commands of each test start on the connection's event loop, one right after the other and in order (see
    // onEventLoop), so that the ones behind the blocked command are in flight long before its deadline, however busy
    // the cooperative pool is with other suites.

    @Test func anOverdueCommandDoesNotFailAWriteWithALaterDeadlineOnTheSameConnection() async throws {
        try await withRedis { server, _ in
            let connection = try await RedisConnection.connect(configuration: try testConfiguration(url: server.url))
            defer { Task { await connection.close() } }
            // The server sleeps 3 s on the first command, whose own deadline is 1 s…
            let sleep = onEventLoop(of: connection) { try await connection.send(RedisCommand("DEBUG", "SLEEP", "3"), timeout: .seconds(1)) }
            // …and a write queued behind it on the same connection (sent right after it, in order, by the event loop)
            // has a deadline well past the sleep. (No poll for both being in flight: a starved poller could miss the
            // 3 s window in which they are.)
            let write = onEventLoop(of: connection) { try await connection.send(RedisCommand("SET", "k", "written"), timeout: .seconds(30)) }
            do {
                _ = try await sleep.value
                Issue.record("the 1 s command should time out during a 2 s sleep")
            } catch let error as RedisError {
                #expect(error.kind == .timeout)
            }
            #expect(try await write.value == .simpleString("OK"), "the write ran and was answered within its own deadline")
            #expect(connection.isActive, "a timeout that leaves others waiting does not close the connection")
            // The sleep's late reply was read and dropped: the connection is in step.
            #expect(try await connection.send(RedisCommand("GET", "k")) == .bulkString(ByteBuffer(string: "written")))
            #expect(try await server.cli(["GET", "k"]) == "written")
        }
    }

    @Test func aBlockedCommandsDeadlineFailsItAloneAndLaterRepliesReachTheirCommands() async throws {
        try await withRedis { server, _ in
            let connection = try await RedisConnection.connect(configuration: try testConfiguration(url: server.url))
            defer { Task { await connection.close() } }
            // BLPOP blocks this connection (only) until something is pushed: the delay is the server's.
            let blocked = onEventLoop(of: connection) { try await connection.send(RedisCommand("BLPOP", "list", "0"), timeout: .seconds(1)) }
            let read = onEventLoop(of: connection) { try await connection.send(RedisCommand("GET", "k"), timeout: .seconds(20)) }
            let write = onEventLoop(of: connection) { try await connection.send(RedisCommand("INCR", "n"), timeout: .seconds(20)) }
            try await waitUntil(timeout: .seconds(10)) { await connection.inFlightCount() == 3 }
            do {
                _ = try await blocked.value
                Issue.record("BLPOP should time out: nothing was pushed")
            } catch let error as RedisError {
                #expect(error.kind == .timeout)
            }
            try await Task.sleep(for: .milliseconds(100))  // the connection survives ticks past the first deadline
            #expect(connection.isActive)
            _ = try await server.cli(["RPUSH", "list", "x"])
            #expect(try await read.value == .null)
            #expect(try await write.value == .integer(1))
            #expect(try await server.cli(["LLEN", "list"]) == "0", "the timed-out BLPOP still ran; its reply was dropped")
        }
    }

    @Test func aStoppedServerIsDetectedAndTheConnectionClosedOnceEveryDeadlinePassed() async throws {
        try await withRedis { server, _ in
            let connection = try await RedisConnection.connect(configuration: try testConfiguration(url: server.url))
            defer { Task { await connection.close() } }
            server.suspend()
            defer { server.resume() }
            let clock = ContinuousClock()
            let start = clock.now
            let read = onEventLoop(of: connection) { try await connection.send(RedisCommand("GET", "k"), timeout: .seconds(1)) }
            let write = onEventLoop(of: connection) { try await connection.send(RedisCommand("SET", "k", "v"), timeout: .seconds(2)) }
            for result in [await read.result, await write.result] {
                guard case .failure(let error as RedisError) = result else {
                    Issue.record("expected a timeout, got \(result)")
                    continue
                }
                #expect(error.kind == .timeout, "each command fails at its own deadline")
            }
            // Closed once the last deadline passed (the server never answers), not left open for ever.
            try await connection.closeFuture.get()
            #expect(!connection.isActive)
            #expect(clock.now - start < .seconds(60))
        }
    }

    @Test func thePoolRecoversFromAStoppedServer() async throws {
        let pool = RedisPoolConfiguration(minimumConnections: 1, maximumConnections: 2, initialBackoff: .milliseconds(20), maximumBackoff: .milliseconds(200))
        try await withRedis(pool: pool, configure: { $0.connectTimeout = .milliseconds(500) }) { server, client in
            try await client.set("k", "v")
            server.suspend()
            defer { server.resume() }  // SIGCONT to a running server does nothing
            // Commands while it is stopped fail at their deadlines (or at once while the pool backs off), never hang.
            let clock = ContinuousClock()
            for _ in 0..<5 {
                let start = clock.now
                await #expect(throws: RedisError.self) { try await client.get("k", timeout: .milliseconds(300)) }
                #expect(clock.now - start < .seconds(5))
            }
            server.resume()
            var value: ByteBuffer?
            for _ in 0..<100 where value == nil {
                value = try? await client.get("k", timeout: .seconds(2))
                if value == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(value == ByteBuffer(string: "v"))
        }
    }

    // MARK: 5b. Reads do not queue behind a blocked write

    @Test func readsKeepFlowingWhileAWriteIsHeldByClientPauseWrite() async throws {
        // Default pool settings: one connection is open when the write blocks.
        try await withRedis { server, client in
            try await client.set("k", "cached")
            #expect(client.openConnectionCount == 1)
            // The pause is far longer than the test and ended by UNPAUSE below, so that a starved test process cannot
            // outlive it; reads answered before UNPAUSE were answered while the write was held.
            _ = try await server.cli(["CLIENT", "PAUSE", "120000", "WRITE"])
            let write = Task { try await client.set("w", "after-pause", timeout: .seconds(20)) }
            // The server holds the write: wait until it says so, then past the pool's stall threshold.
            try await waitUntil(timeout: .seconds(10)) { try await server.cli(["INFO", "clients"]).contains("blocked_clients:1") }
            try await Task.sleep(for: .milliseconds(400))
            // A read queued behind the held write would wait for the whole pause and miss its 10 s deadline.
            for _ in 0..<5 {
                #expect(try await client.get("k", timeout: .seconds(10)) == ByteBuffer(string: "cached"))
            }
            let concurrent = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                for _ in 0..<20 { group.addTask { try await client.get("k", timeout: .seconds(10)) } }
                return try await group.reduce(into: [ByteBuffer?]()) { $0.append($1) }
            }
            #expect(concurrent.allSatisfy { $0 == ByteBuffer(string: "cached") })
            #expect(try await server.cli(["GET", "w"]) == "", "the write is still held by the pause")
            _ = try await server.cli(["CLIENT", "UNPAUSE"])
            #expect(try await write.value == true)
            #expect(try await client.get("w") == ByteBuffer(string: "after-pause"))
        }
    }

    @Test func whenEveryConnectionIsStalledACommandWaitsForOneToAnswer() async throws {
        let pool = RedisPoolConfiguration(minimumConnections: 1, maximumConnections: 1, stallThreshold: .milliseconds(20))
        try await withRedis(pool: pool) { server, client in
            try await client.set("k", "v")
            // A pause far longer than the test, ended by UNPAUSE below (a short one could end before a starved test
            // process even sends the write).
            _ = try await server.cli(["CLIENT", "PAUSE", "120000", "WRITE"])
            let write = Task { try await client.set("w", "x", timeout: .seconds(60)) }
            try await waitUntil(timeout: .seconds(30)) { try await server.cli(["INFO", "clients"]).contains("blocked_clients:1") }
            try await Task.sleep(for: .milliseconds(200))
            // The only connection is stalled and the pool is full: the read waits for it, and gets it when the
            // pause ends (well before its 60 s deadline), not a timeout.
            let read = Task { try await client.get("k", timeout: .seconds(60)) }
            try await Task.sleep(for: .milliseconds(300))
            _ = try await server.cli(["CLIENT", "UNPAUSE"])
            #expect(try await read.value == ByteBuffer(string: "v"))
            #expect(try await write.value == true)
            #expect(client.openConnectionCount == 1)
        }
    }
}

/// Starts `body` on the connection's event loop. Tasks started this way run in the order they were started, and a
/// cooperative pool busy with other suites cannot delay their commands past a short deadline.
func onEventLoop<Success: Sendable>(of connection: RedisConnection, _ body: @escaping @Sendable () async throws -> Success) -> Task<Success, any Error> {
    Task(executorPreference: RedisEventLoopExecutor(eventLoop: connection.channel.eventLoop)) { try await body() }
}
