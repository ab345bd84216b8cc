import NIOCore

/// The connection's protocol decisions as a value: which command a reply answers, which commands a deadline fails,
/// when the connection must close and with what error (TLS or not), and what a write finds when the connection is
/// gone.
///
/// Each method takes an event and returns what to do; it never resumes, writes or closes anything itself. No
/// channel, event loop or continuation is inside: ``RedisChannelHandler`` keeps the machine on its event loop and
/// performs the returned actions, and tests drive it with plain values. `Waiter` is opaque here (a continuation or a
/// batch in the handler). The rules are those of the handler's documentation: replies match commands in order, a
/// cancelled or timed-out command keeps its place with no waiter (its reply is dropped), a deadline fails only its
/// own command, and the connection closes when every command in flight is overdue.
struct RedisChannelStateMachine<Waiter> {
    /// Fail each waiter with `error`, stop the deadline timer, and (when the event asks for it) close the channel.
    struct Failure {
        var waiters: [Waiter]
        var error: RedisError
    }

    /// What a drain of submissions does.
    enum WriteAction {
        /// Write them; `startedWaiting` when none was in flight before (the connection starts waiting on replies).
        case write(startedWaiting: Bool)
        /// The connection failed or closed: fail them with this error instead.
        case fail(RedisError)
    }

    /// What a decoded reply (not a push message) does.
    enum ReplyAction {
        /// It answers this waiter's command.
        case deliver(Waiter)
        /// Its command was cancelled or timed out: read and dropped.
        case drop
        /// No command was waiting for it: the server misbehaves. Close the connection.
        case close(Failure)
    }

    /// What the deadline timer does.
    struct DeadlineAction {
        enum Next {
            /// Nothing in flight: the timer stays off until the next write.
            case idle
            /// Check again after the next tick.
            case rearm
            /// Every command in flight is overdue: close the connection.
            case close(Failure)
        }

        /// Fail these with the machine's ``RedisChannelStateMachine/timeoutError``: their deadlines passed.
        var timedOut: [Waiter]
        var next: Next
    }

    private struct Pending {
        /// `nil` once the command was cancelled or timed out: its reply is dropped.
        var waiter: Waiter?
        var id: UInt64
        var deadline: NIODeadline
    }

    /// The server's `host:port`, for errors.
    let address: String
    private var pending = CircularBuffer<Pending>(initialCapacity: 64)
    /// The first error that broke the connection; later writes fail with it.
    private(set) var failure: RedisError?
    /// Whether the connection runs over TLS, and whether its handshake completed: a TLS connection that closes before
    /// the handshake completes failed TLS (a refused certificate), whatever event arrives first.
    private let expectsTLS: Bool
    private var tlsEstablished = false
    private(set) var isTimerArmed = false

    init(address: String, expectsTLS: Bool) {
        self.address = address
        self.expectsTLS = expectsTLS
    }

    /// Commands whose replies have not arrived (cancelled and timed-out ones included: their replies will come).
    var inFlight: Int { pending.count }

    // MARK: Writing

    /// Submissions are about to be written; `canWrite` when the handler is in a pipeline whose channel is active.
    func startWriting(canWrite: Bool) -> WriteAction {
        guard canWrite, failure == nil else {
            return .fail(failure ?? RedisError(.connectionClosed, "the connection was closed", address: address))
        }
        return .write(startedWaiting: pending.isEmpty)
    }

    /// A submission of `count` commands was written (all answering to `waiter`).
    mutating func written(_ waiter: Waiter, id: UInt64, deadline: NIODeadline, count: Int = 1) {
        for _ in 0..<count {
            pending.append(Pending(waiter: waiter, id: id, deadline: deadline))
        }
    }

    /// The writes were flushed: returns whether to schedule the deadline timer (once; it re-arms itself while
    /// commands are in flight).
    mutating func flushed() -> Bool {
        guard !isTimerArmed, !pending.isEmpty else { return false }
        isTimerArmed = true
        return true
    }

    // MARK: Reading

    /// A reply arrived.
    mutating func replyReceived() -> ReplyAction {
        guard let next = pending.popFirst() else {
            return .close(failAll(RedisError(.protocolError, "the server sent a reply no command was waiting for", address: address)))
        }
        // The deadline timer is left to run out when the queue empties (it does not re-arm itself then): cancelling
        // and scheduling it again for every command costs more than one idle tick.
        guard let waiter = next.waiter else { return .drop }
        return .deliver(waiter)
    }

    /// The server's bytes are not valid RESP: close the connection.
    mutating func decodingFailed(_ description: String) -> Failure {
        failAll(RedisError(.protocolError, description, address: address))
    }

    // MARK: Connection events

    /// The TLS handshake completed.
    mutating func tlsHandshakeCompleted() {
        tlsEstablished = true
    }

    /// The channel went inactive: everything in flight fails, with a TLS error when the handshake never completed.
    mutating func channelInactive() -> Failure {
        if expectsTLS && !tlsEstablished {
            return failAll(RedisError(.tls, "the connection closed before the TLS handshake completed; check the CA certificate and the server name", address: address))
        }
        return failAll(RedisError(.connectionClosed, "the server closed the connection with \(pending.count) command(s) in flight; they may or may not have run", address: address))
    }

    /// The pipeline reported an error (TLS failures are `tls`): close the connection.
    mutating func errorCaught(_ error: any Error) -> Failure {
        failAll(RedisError.channelFailure(error, address: address, while: "connection error"))
    }

    /// The handler left the pipeline.
    mutating func handlerRemoved() -> Failure {
        failAll(RedisError(.connectionClosed, "the connection was closed", address: address))
    }

    // MARK: Cancellation and deadlines

    /// Drops the submission `id` (a command or a whole batch): returns its waiter, to fail now, or `nil` when it has
    /// already completed. Its replies, when they come, are read and dropped.
    mutating func abandon(id: UInt64) -> Waiter? {
        var found: Waiter?
        var index = pending.startIndex
        while index != pending.endIndex {
            if pending[index].id == id {
                if found == nil { found = pending[index].waiter }
                pending[index].waiter = nil
            } else if found != nil {
                break  // a submission's commands are contiguous: the rest belong to others
            }
            index = pending.index(after: index)
        }
        return found
    }

    /// The deadline timer fired at `now`: overdue commands fail alone, and the connection closes when every command
    /// in flight is overdue (no one is left waiting and even the oldest command has had no reply).
    mutating func deadlineTimerFired(now: NIODeadline) -> DeadlineAction {
        isTimerArmed = false
        guard failure == nil, !pending.isEmpty else { return DeadlineAction(timedOut: [], next: .idle) }
        var timedOut: [Waiter] = []
        var everyDeadlinePassed = true
        var index = pending.startIndex
        while index != pending.endIndex {
            if pending[index].deadline > now {
                everyDeadlinePassed = false
            } else if let waiter = pending[index].waiter {
                pending[index].waiter = nil
                timedOut.append(waiter)
            }
            index = pending.index(after: index)
        }
        if everyDeadlinePassed {
            // The server is stalled or the link is broken: close, so that the pool opens a fresh connection instead
            // of queueing behind a reply that may never come.
            let closing = failAll(RedisError(.connectionClosed, "the connection was closed: no reply came before the deadline of any command in flight", address: address))
            return DeadlineAction(timedOut: timedOut, next: .close(closing))
        }
        isTimerArmed = true
        return DeadlineAction(timedOut: timedOut, next: .rearm)
    }

    /// The error of a command whose deadline passed (built only when one did: a tick with none allocates nothing).
    var timeoutError: RedisError {
        RedisError(.timeout, "no reply before the command's deadline; the server is slow or unreachable (a longer timeout waits longer)", address: address)
    }

    // MARK: Failure

    /// Takes every waiter out, to fail with `error`; the connection is broken from now on (the first error stays).
    private mutating func failAll(_ error: RedisError) -> Failure {
        if failure == nil { failure = error }
        isTimerArmed = false
        var waiters: [Waiter] = []
        while let next = pending.popFirst() {
            if let waiter = next.waiter { waiters.append(waiter) }
        }
        return Failure(waiters: waiters, error: error)
    }
}

extension RedisChannelStateMachine.Failure: Sendable where Waiter: Sendable {}
extension RedisChannelStateMachine.ReplyAction: Sendable where Waiter: Sendable {}
extension RedisChannelStateMachine.DeadlineAction: Sendable where Waiter: Sendable {}
extension RedisChannelStateMachine.DeadlineAction.Next: Sendable where Waiter: Sendable {}
