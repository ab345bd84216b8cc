import CacheSchemaRESP
import NIOCore
import NIOSSL
import NIOTLS

/// What callers hand to a connection: encoded commands and where their replies go. Callers append submissions to the
/// connection's queue from any thread; the event loop takes them all at once, so that commands from many tasks share
/// one write and one flush (see ``RedisConnection``).
struct RedisSubmission: Sendable {
    enum Replies: Sendable {
        /// One command; its task waits on the continuation.
        case single(UnsafeContinuation<RESPValue, any Error>)
        /// Several commands written together; one continuation for all of their replies.
        case batch(RedisBatchReplies)
    }

    /// Identifies the submission for cancellation (unique per connection).
    var id: UInt64
    var buffer: ByteBuffer
    var replies: Replies
    var deadline: NIODeadline
}

/// Gathers the replies of one batch and resumes its task once, when the last has arrived (or at once on
/// cancellation). Used on the connection's event loop only, after submission.
final class RedisBatchReplies: @unchecked Sendable {
    let count: Int
    private let address: String
    private var results: [Result<RESPValue, RedisError>] = []
    private var continuation: UnsafeContinuation<[Result<RESPValue, RedisError>], any Error>?

    init(count: Int, address: String, continuation: UnsafeContinuation<[Result<RESPValue, RedisError>], any Error>) {
        self.count = count
        self.address = address
        self.continuation = continuation
        results.reserveCapacity(count)
    }

    /// The next reply, in order: a batch's commands are contiguous in the queue and complete in queue order.
    func receive(_ value: RESPValue) {
        if let message = value.errorMessage {
            complete(.failure(.server(RedisServerError(message: message), address: address)))
        } else {
            complete(.success(value))
        }
    }

    func complete(_ result: Result<RESPValue, RedisError>) {
        guard let continuation else { return }
        results.append(result)
        if results.count == count {
            self.continuation = nil
            continuation.resume(returning: results)
            results = []
        }
    }

    /// Resumes the task with `error` now; replies still to come are dropped.
    func abandon(_ error: any Error) {
        guard let continuation else { return }
        self.continuation = nil
        results = []
        continuation.resume(throwing: error)
    }
}

/// The connection's protocol state machine, on its event loop: matches replies to commands in order, delivers push
/// messages, enforces deadlines, and fails everything in flight at once when the connection breaks.
///
/// A cancelled or timed-out command keeps its place in the queue with nothing waiting on it, so that its reply, when
/// it comes, is read and dropped and later replies still reach their own commands.
///
/// Deadlines, checked every `timerTick` while commands are in flight:
/// - A command whose deadline has passed fails with `timeout`, and only that command: commands behind it whose own
///   deadlines have not passed keep waiting (a slow read must not fail a write with more patience).
/// - The connection is closed only when every command still in flight has passed its deadline, that is when no one
///   is left waiting and even the oldest command has had no reply. A stalled or unreachable server (stopped,
///   blackholed) is detected that way and the pool opens a fresh connection; the pool stops sending new commands to a
///   connection whose replies have stopped coming (see ``RedisConnectionProgress``), so such a connection drains and
///   closes instead of being kept alive by fresh deadlines.
final class RedisChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        enum Waiter {
            case single(UnsafeContinuation<RESPValue, any Error>)
            case batch(RedisBatchReplies)
        }

        /// `nil` once the command was cancelled or timed out: its reply is dropped.
        var waiter: Waiter?
        var id: UInt64
        var deadline: NIODeadline
    }

    private var pending = CircularBuffer<Pending>(initialCapacity: 64)
    private var decoder: RESPDecoder
    private var cumulation: ByteBuffer?
    private var failure: RedisError?
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    private let address: String
    private let timerTick: TimeAmount
    /// Submissions taken from the connection's queue, swapped with it under its lock so that neither array is
    /// reallocated in the steady state.
    var taken: [RedisSubmission] = []
    /// Receives RESP3 push messages (CLIENT TRACKING invalidations, pub/sub).
    var onPush: (@Sendable (RESPValue) -> Void)?

    /// Whether the connection runs over TLS, and whether its handshake completed: a TLS connection that closes before
    /// the handshake completes failed TLS (a refused certificate), whatever event arrives first.
    private let expectsTLS: Bool
    private var tlsEstablished = false
    /// When replies last came, for the pool's choice of connection.
    let progress: RedisConnectionProgress

    init(
        address: String, expectsTLS: Bool = false, limits: RESPDecoder.Limits = .default, timerTick: TimeAmount = .milliseconds(10),
        progress: RedisConnectionProgress = RedisConnectionProgress()
    ) {
        self.address = address
        self.expectsTLS = expectsTLS
        self.progress = progress
        self.decoder = RESPDecoder(limits: limits)
        self.timerTick = timerTick
        taken.reserveCapacity(64)
    }

    /// Commands whose replies have not arrived.
    var inFlight: Int { pending.count }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failAll(RedisError(.connectionClosed, "the connection was closed", address: address))
        self.context = nil
    }

    // MARK: Outbound

    /// Queues and writes the submissions in `taken`, with one flush for all of them, and empties `taken`.
    func writeTaken() {
        guard !taken.isEmpty else { return }  // everything queued was cancelled before this drain
        defer { taken.removeAll(keepingCapacity: taken.capacity <= 1024) }
        guard let context, failure == nil, context.channel.isActive else {
            let error = failure ?? RedisError(.connectionClosed, "the connection was closed", address: address)
            for submission in taken { fail(submission.replies, error) }
            return
        }
        if pending.isEmpty { progress.startedWaiting(at: .now()) }
        for submission in taken {
            switch submission.replies {
            case .single(let continuation):
                pending.append(Pending(waiter: .single(continuation), id: submission.id, deadline: submission.deadline))
            case .batch(let replies):
                for _ in 0..<replies.count {
                    pending.append(Pending(waiter: .batch(replies), id: submission.id, deadline: submission.deadline))
                }
            }
            context.write(wrapOutboundOut(submission.buffer), promise: nil)
        }
        // A failed write closes the channel (NIO fires errorCaught and channelInactive), which fails every pending
        // command: no per-command write promise is needed.
        context.flush()
        armTimer(context: context)
    }

    private func fail(_ replies: RedisSubmission.Replies, _ error: RedisError) {
        switch replies {
        case .single(let continuation): continuation.resume(throwing: error)
        case .batch(let replies): for _ in 0..<replies.count { replies.complete(.failure(error)) }
        }
    }

    private func fail(_ waiter: Pending.Waiter, _ error: RedisError) {
        switch waiter {
        case .single(let continuation): continuation.resume(throwing: error)
        case .batch(let replies): replies.complete(.failure(error))
        }
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let waiting = pending.count
        defer {
            if pending.count < waiting { progress.replied(at: .now(), stillWaiting: !pending.isEmpty) }
        }
        var incoming = unwrapInboundIn(data)
        if cumulation == nil {
            decodeAll(&incoming, context: context)
            if incoming.readableBytes > 0 { cumulation = incoming }
        } else {
            cumulation!.writeBuffer(&incoming)
            var buffer = cumulation!
            cumulation = nil
            decodeAll(&buffer, context: context)
            if buffer.readableBytes > 0 {
                buffer.discardReadBytes()
                cumulation = buffer
            }
        }
    }

    private func decodeAll(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) {
        do {
            while let value = try decoder.decode(&buffer) {
                deliver(value, context: context)
                if failure != nil { return }
            }
        } catch {
            close(context: context, error: RedisError(.protocolError, error.description, address: address))
        }
    }

    private func deliver(_ value: RESPValue, context: ChannelHandlerContext) {
        var value = value
        while case .attribute(_, let inner) = value { value = inner }
        if case .push = value {
            onPush?(value)
            return
        }
        guard let next = pending.popFirst() else {
            close(context: context, error: RedisError(.protocolError, "the server sent a reply no command was waiting for", address: address))
            return
        }
        switch next.waiter {
        case .single(let continuation)?: continuation.resume(returning: value)
        case .batch(let replies)?: replies.receive(value)
        case nil: break
        }
        // The deadline timer is left to run out when the queue empties (it does not re-arm itself then): cancelling
        // and scheduling it again for every command costs more than one idle tick.
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent { tlsEstablished = true }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if expectsTLS && !tlsEstablished {
            failAll(RedisError(.tls, "the connection closed before the TLS handshake completed; check the CA certificate and the server name", address: address))
        }
        failAll(RedisError(.connectionClosed, "the server closed the connection with \(pending.count) command(s) in flight; they may or may not have run", address: address))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        close(context: context, error: RedisError.channelFailure(error, address: address, while: "connection error"))
    }

    // MARK: Cancellation and deadlines

    /// Drops the submission `id` (a command or a whole batch): its task resumes with `error` now, and its replies will
    /// be read and discarded. Nothing happens when it has already completed.
    func abandon(_ id: UInt64, with error: any Error) {
        var index = pending.startIndex
        while index != pending.endIndex {
            if pending[index].id == id, let waiter = pending[index].waiter {
                pending[index].waiter = nil
                switch waiter {
                case .single(let continuation):
                    continuation.resume(throwing: error)
                    return
                case .batch(let replies):
                    replies.abandon(error)  // the batch's other commands follow: clear them too
                }
            }
            index = pending.index(after: index)
        }
    }

    private func armTimer(context: ChannelHandlerContext) {
        guard timer == nil, !pending.isEmpty else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timerTick) {
            let handler = loopBound.value
            handler.timer = nil
            handler.checkDeadlines()
        }
    }

    /// Fails every overdue command, and closes the connection when every command in flight is overdue (see the
    /// type's documentation).
    private func checkDeadlines() {
        guard let context, !pending.isEmpty else { return }
        let now = NIODeadline.now()
        var everyDeadlinePassed = true
        var index = pending.startIndex
        while index != pending.endIndex {
            if pending[index].deadline > now {
                everyDeadlinePassed = false
            } else if let waiter = pending[index].waiter {
                pending[index].waiter = nil
                fail(waiter, RedisError(.timeout, "no reply before the command's deadline; the server is slow or unreachable (a longer timeout waits longer)", address: address))
            }
            index = pending.index(after: index)
        }
        if everyDeadlinePassed {
            // No one is left waiting and the oldest command is still unanswered: the server is stalled or the link is
            // broken. Close, so that the pool opens a fresh connection instead of queueing behind a reply that may
            // never come.
            close(context: context, error: RedisError(.connectionClosed, "the connection was closed: no reply came before the deadline of any command in flight", address: address))
            return
        }
        armTimer(context: context)
    }

    // MARK: Failure

    private func failAll(_ error: RedisError) {
        if failure == nil { failure = error }
        progress.stoppedWaiting()
        timer?.cancel()
        timer = nil
        while let next = pending.popFirst() {
            if let waiter = next.waiter { fail(waiter, error) }
        }
    }

    private func close(context: ChannelHandlerContext, error: RedisError) {
        failAll(error)
        context.close(promise: nil)
    }
}
