import CacheSchemaRESP
import NIOCore
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

/// The connection's channel handler, on its event loop: decodes replies and hands them to the commands that wait for
/// them, delivers push messages, runs the deadline timer, and fails everything in flight at once when the connection
/// breaks. What each event means is decided by ``RedisChannelStateMachine``; this class performs it (resumes tasks,
/// writes, schedules the timer, closes the channel).
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

    /// What waits for a reply.
    enum Waiter {
        case single(UnsafeContinuation<RESPValue, any Error>)
        case batch(RedisBatchReplies)
    }

    private var state: RedisChannelStateMachine<Waiter>
    private var decoder: RESPDecoder
    private var cumulation: ByteBuffer?
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    private let timerTick: TimeAmount
    /// Submissions taken from the connection's queue, swapped with it under its lock so that neither array is
    /// reallocated in the steady state.
    var taken: [RedisSubmission] = []
    /// Receives RESP3 push messages (CLIENT TRACKING invalidations, pub/sub).
    var onPush: (@Sendable (RESPValue) -> Void)?
    /// When replies last came, for the pool's choice of connection.
    let progress: RedisConnectionProgress

    init(
        address: String, expectsTLS: Bool = false, limits: RESPDecoder.Limits = .default, timerTick: TimeAmount = .milliseconds(10),
        progress: RedisConnectionProgress = RedisConnectionProgress()
    ) {
        self.state = RedisChannelStateMachine(address: address, expectsTLS: expectsTLS)
        self.progress = progress
        self.decoder = RESPDecoder(limits: limits)
        self.timerTick = timerTick
        taken.reserveCapacity(64)
    }

    /// Commands whose replies have not arrived.
    var inFlight: Int { state.inFlight }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        perform(state.handlerRemoved())
        self.context = nil
    }

    // MARK: Outbound

    /// Queues and writes the submissions in `taken`, with one flush for all of them, and empties `taken`.
    func writeTaken() {
        guard !taken.isEmpty else { return }  // everything queued was cancelled before this drain
        defer { taken.removeAll(keepingCapacity: taken.capacity <= 1024) }
        let canWrite = context.map { $0.channel.isActive } ?? false
        switch state.startWriting(canWrite: canWrite) {
        case .fail(let error):
            for submission in taken { fail(submission.replies, error) }
        case .write(let startedWaiting):
            guard let context else { return }
            if startedWaiting { progress.startedWaiting(at: .now()) }
            for submission in taken {
                switch submission.replies {
                case .single(let continuation):
                    state.written(.single(continuation), id: submission.id, deadline: submission.deadline)
                case .batch(let replies):
                    state.written(.batch(replies), id: submission.id, deadline: submission.deadline, count: replies.count)
                }
                context.write(wrapOutboundOut(submission.buffer), promise: nil)
            }
            // A failed write closes the channel (NIO fires errorCaught and channelInactive), which fails every pending
            // command: no per-command write promise is needed.
            context.flush()
            if state.flushed() { scheduleTimer(context: context) }
        }
    }

    private func fail(_ replies: RedisSubmission.Replies, _ error: RedisError) {
        switch replies {
        case .single(let continuation): continuation.resume(throwing: error)
        case .batch(let replies): for _ in 0..<replies.count { replies.complete(.failure(error)) }
        }
    }

    private func fail(_ waiter: Waiter, _ error: RedisError) {
        switch waiter {
        case .single(let continuation): continuation.resume(throwing: error)
        case .batch(let replies): replies.complete(.failure(error))
        }
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let waiting = state.inFlight
        defer {
            if state.inFlight < waiting { progress.replied(at: .now(), stillWaiting: state.inFlight > 0) }
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
                if state.failure != nil { return }
            }
        } catch {
            close(context: context, state.decodingFailed(error.description))
        }
    }

    private func deliver(_ value: RESPValue, context: ChannelHandlerContext) {
        var value = value
        while case .attribute(_, let inner) = value { value = inner }
        if case .push = value {
            onPush?(value)
            return
        }
        switch state.replyReceived() {
        case .deliver(.single(let continuation)): continuation.resume(returning: value)
        case .deliver(.batch(let replies)): replies.receive(value)
        case .drop: break
        case .close(let failure): close(context: context, failure)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent { state.tlsHandshakeCompleted() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        perform(state.channelInactive())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        close(context: context, state.errorCaught(error))
    }

    // MARK: Cancellation and deadlines

    /// Drops the submission `id` (a command or a whole batch): its task resumes with `error` now, and its replies will
    /// be read and discarded. Nothing happens when it has already completed.
    func abandon(_ id: UInt64, with error: any Error) {
        switch state.abandon(id: id) {
        case .single(let continuation)?: continuation.resume(throwing: error)
        case .batch(let replies)?: replies.abandon(error)
        case nil: break
        }
    }

    private func scheduleTimer(context: ChannelHandlerContext) {
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
        guard let context else { return }
        let action = state.deadlineTimerFired(now: .now())
        if !action.timedOut.isEmpty {
            let error = state.timeoutError
            for waiter in action.timedOut { fail(waiter, error) }
        }
        switch action.next {
        case .idle: break
        case .rearm: scheduleTimer(context: context)
        case .close(let failure): close(context: context, failure)
        }
    }

    // MARK: Failure

    /// Fails the waiters the machine took out, and stops the timer (the machine disarmed it).
    private func perform(_ failure: RedisChannelStateMachine<Waiter>.Failure) {
        progress.stoppedWaiting()
        timer?.cancel()
        timer = nil
        for waiter in failure.waiters { fail(waiter, failure.error) }
    }

    private func close(context: ChannelHandlerContext, _ failure: RedisChannelStateMachine<Waiter>.Failure) {
        perform(failure)
        context.close(promise: nil)
    }
}
