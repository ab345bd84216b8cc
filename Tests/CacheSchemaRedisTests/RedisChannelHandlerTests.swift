import CacheSchemaRESP
import NIOCore
import NIOEmbedded
import NIOSSL
import NIOTLS
import Synchronization
import Testing

@testable import CacheSchemaRedis

/// The channel handler with its submission queue, in a testing channel instead of a socket: RESP bytes are fed in,
/// and the tests check what was written and which commands completed, with what.
@Suite struct RedisChannelHandlerTests {
    /// A handler in an active testing channel, and the queue tasks send commands through (as in a real connection).
    struct Harness {
        let channel: NIOAsyncTestingChannel
        let queue: RedisCommandQueue

        init(expectsTLS: Bool = false, onPush: (@Sendable (RESPValue) -> Void)? = nil) async throws {
            let channel = NIOAsyncTestingChannel()
            let handler = try await channel.testingEventLoop.executeInContext {
                let handler = RedisChannelHandler(address: "test:6379", expectsTLS: expectsTLS)
                handler.onPush = onPush
                try channel.pipeline.syncOperations.addHandler(handler)
                return NIOLoopBound(handler, eventLoop: channel.eventLoop)
            }
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379))
            self.channel = channel
            self.queue = RedisCommandQueue(eventLoop: channel.eventLoop, handler: handler, address: "test:6379")
        }

        /// Sends `command` from a task of its own and returns that task once the command's bytes were written.
        func send(_ command: RedisCommand, deadline: NIODeadline = .now() + .seconds(60)) async throws -> Task<RESPValue, any Error> {
            let queue = self.queue
            let task = Task { try await queue.send(command.buffer, deadline: deadline) }
            let written = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
            #expect(written == command.buffer, "the command's bytes go to the channel as encoded")
            return task
        }

        func reply(_ resp: String) async throws {
            try await channel.writeInbound(ByteBuffer(string: resp))
        }

        /// Closes the channel and stops its event loop, dropping the deadline timer: a testing event loop must not be
        /// freed with a task still scheduled.
        func finish() async {
            try? await channel.close()
            await channel.testingEventLoop.shutdownGracefully()
        }

        func inFlight() async throws -> Int {
            let handler = queue.handler
            return try await channel.testingEventLoop.executeInContext { handler.value.inFlight }
        }
    }

    @Test func aCommandIsWrittenAndItsReplyResumesIt() async throws {
        try await withHarness { harness in
            let get = try await harness.send(RedisCommand("GET", "k"))
            try await harness.reply("$1\r\nv\r\n")
            #expect(try await get.value == .bulkString(ByteBuffer(string: "v")))
            #expect(try await harness.inFlight() == 0)
        }
    }

    @Test func pipelinedCommandsGetTheirOwnRepliesEvenWhenTheBytesAreSplit() async throws {
        try await withHarness { harness in
            let first = try await harness.send(RedisCommand("GET", "a"))
            let second = try await harness.send(RedisCommand("INCR", "n"))
            let third = try await harness.send(RedisCommand("GET", "missing"))
            // One reply and a half, then the rest: the decoder keeps the partial bytes between reads.
            try await harness.reply("+first\r\n:4")
            try await harness.reply("2\r\n_\r\n")
            #expect(try await first.value == .simpleString("first"))
            #expect(try await second.value == .integer(42))
            #expect(try await third.value == .null)
        }
    }

    @Test func aBatchGetsEveryReplyInOrderAndAnErrorReplyFailsOnlyItsCommand() async throws {
        try await withHarness { harness in
            let queue = harness.queue
            let commands = [RedisCommand("SET", "k", "v"), RedisCommand("INCR", "k"), RedisCommand("GET", "k")]
            var buffer = ByteBuffer()
            for command in commands { buffer.writeImmutableBuffer(command.buffer) }
            let sent = buffer
            let batch = Task { try await queue.batch(sent, count: commands.count, deadline: .now() + .seconds(60)) }
            #expect(try await harness.channel.waitForOutboundWrite(as: ByteBuffer.self) == sent, "one write for the whole batch")
            try await harness.reply("+OK\r\n-ERR value is not an integer\r\n$1\r\nv\r\n")
            let results = try await batch.value
            #expect(results.count == 3)
            #expect(try results[0].get() == .simpleString("OK"))
            #expect(try results[2].get() == .bulkString(ByteBuffer(string: "v")))
            guard case .failure(let error) = results[1] else {
                Issue.record("expected the error reply to fail its command")
                return
            }
            #expect(error.kind == .server && error.server?.code == .err)
        }
    }

    @Test func pushMessagesGoToTheirHandlerNotToACommand() async throws {
        let pushes = PushLog()
        try await withHarness(onPush: { value in pushes.values.withLock { $0.append(value) } }) { harness in
            let get = try await harness.send(RedisCommand("GET", "k"))
            try await harness.reply(">2\r\n+invalidate\r\n*1\r\n+k\r\n$1\r\nv\r\n")
            #expect(try await get.value == .bulkString(ByteBuffer(string: "v")))
            #expect(pushes.values.withLock { $0 } == [.push([.simpleString("invalidate"), .array([.simpleString("k")])])])
        }
    }

    @Test func aConnectionClosingMidCommandFailsExactlyItsPendingCommands() async throws {
        try await withHarness { harness in
            let answered = try await harness.send(RedisCommand("GET", "a"))
            let pending = try await harness.send(RedisCommand("GET", "b"))
            try await harness.reply("$1\r\na\r\n")
            #expect(try await answered.value == .bulkString(ByteBuffer(string: "a")))
            try await harness.channel.close()
            #expect(await failureKind(of: pending) == .connectionClosed)
            // A command sent afterwards fails at once: nothing is written to a closed channel.
            let queue = harness.queue
            let late = Task { try await queue.send(RedisCommand("PING").buffer, deadline: .now() + .seconds(60)) }
            #expect(await failureKind(of: late) == .connectionClosed)
        }
    }

    @Test func garbageFailsTheCommandWithAProtocolErrorAndClosesTheChannel() async throws {
        try await withHarness { harness in
            let get = try await harness.send(RedisCommand("GET", "k"))
            try await harness.reply("?garbage\r\n")
            #expect(await failureKind(of: get) == .protocolError)
            try await harness.channel.closeFuture.get()
        }
    }

    @Test func anUnsolicitedReplyClosesTheChannel() async throws {
        try await withHarness { harness in
            try await harness.reply("+OK\r\n")
            try await harness.channel.closeFuture.get()
            #expect(!harness.channel.isActive)
        }
    }

    @Test func anOverdueCommandTimesOutAloneAndTheNextGetsItsOwnReply() async throws {
        try await withHarness { harness in
            // Due at once: the deadline has passed when the timer first fires.
            let overdue = try await harness.send(RedisCommand("GET", "slow"), deadline: .now())
            let patient = try await harness.send(RedisCommand("GET", "k"))
            // The timer runs on the channel's event loop, whose time the test moves.
            await harness.channel.testingEventLoop.advanceTime(by: .milliseconds(20))
            #expect(await failureKind(of: overdue) == .timeout)
            #expect(harness.channel.isActive, "a command is still waiting: the connection stays")
            try await harness.reply("$4\r\nslow\r\n$1\r\nv\r\n")
            #expect(try await patient.value == .bulkString(ByteBuffer(string: "v")), "the late reply was dropped")
        }
    }

    @Test func whenEveryCommandIsOverdueTheChannelCloses() async throws {
        try await withHarness { harness in
            let overdue = try await harness.send(RedisCommand("GET", "slow"), deadline: .now())
            await harness.channel.testingEventLoop.advanceTime(by: .milliseconds(20))
            #expect(await failureKind(of: overdue) == .timeout)
            try await harness.channel.closeFuture.get()
        }
    }

    @Test func aCancelledCommandFailsAtOnceAndItsReplyIsDropped() async throws {
        try await withHarness { harness in
            let cancelled = try await harness.send(RedisCommand("GET", "a"))
            let next = try await harness.send(RedisCommand("GET", "b"))
            cancelled.cancel()
            await #expect(throws: CancellationError.self) { try await cancelled.value }
            try await harness.reply("$1\r\na\r\n$1\r\nb\r\n")
            #expect(try await next.value == .bulkString(ByteBuffer(string: "b")))
        }
    }

    @Test func aTLSConnectionClosedBeforeItsHandshakeFailsWithTLS() async throws {
        try await withHarness(expectsTLS: true) { harness in
            let get = try await harness.send(RedisCommand("GET", "k"))
            try await harness.channel.close()
            #expect(await failureKind(of: get) == .tls)
        }
    }

    @Test func aTLSConnectionClosedAfterItsHandshakeIsAnOrdinaryClose() async throws {
        try await withHarness(expectsTLS: true) { harness in
            harness.channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil))
            let get = try await harness.send(RedisCommand("GET", "k"))
            try await harness.channel.close()
            #expect(await failureKind(of: get) == .connectionClosed)
        }
    }

    @Test func aTLSErrorInThePipelineFailsWithTLSAndCloses() async throws {
        try await withHarness(expectsTLS: true) { harness in
            let get = try await harness.send(RedisCommand("GET", "k"))
            harness.channel.pipeline.fireErrorCaught(NIOSSLError.uncleanShutdown)
            #expect(await failureKind(of: get) == .tls)
            try await harness.channel.closeFuture.get()
        }
    }

    /// Runs `body` with a fresh harness, and finishes it whatever happens.
    func withHarness(
        expectsTLS: Bool = false, onPush: (@Sendable (RESPValue) -> Void)? = nil, _ body: (Harness) async throws -> Void
    ) async throws {
        let harness = try await Harness(expectsTLS: expectsTLS, onPush: onPush)
        do {
            try await body(harness)
        } catch {
            await harness.finish()
            throw error
        }
        await harness.finish()
    }

    /// The kind of the `RedisError` the task failed with; `nil` when it succeeded or failed otherwise.
    func failureKind(of task: Task<RESPValue, any Error>) async -> RedisError.Kind? {
        do {
            _ = try await task.value
            return nil
        } catch {
            return (error as? RedisError)?.kind
        }
    }
}

/// The push messages a handler delivered.
private final class PushLog: Sendable {
    let values = Mutex<[RESPValue]>([])
}
