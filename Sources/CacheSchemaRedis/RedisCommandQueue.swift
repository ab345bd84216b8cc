import CacheSchemaRESP
import NIOCore
import Synchronization

/// The caller side of a connection: tasks on any thread append encoded commands to a locked queue, and the event loop
/// takes everything queued at once and writes it with one flush.
///
/// Per command this costs one short lock and no allocation beyond the task's own continuation; the event loop is
/// woken once per batch of submissions, not once per command, so commands from many tasks coalesce into the same
/// writes. Replies resume the waiting task's continuation directly from the handler (no `EventLoopPromise`, no
/// future callbacks).
///
/// Cancellation: a submission still in the queue is removed and fails at once; one already taken by the event loop
/// is abandoned there (its reply is read and dropped). The event loop runs tasks in the order they were submitted, so
/// an abandon request always runs after the drain that took its submission.
final class RedisCommandQueue: Sendable {
    private struct State: Sendable {
        var submissions: [RedisSubmission] = []
        var drainScheduled = false
    }

    let eventLoop: any EventLoop
    let handler: NIOLoopBound<RedisChannelHandler>
    let address: String
    private let state: Mutex<State>
    private let ids = Atomic<UInt64>(0)

    init(eventLoop: any EventLoop, handler: NIOLoopBound<RedisChannelHandler>, address: String) {
        self.eventLoop = eventLoop
        self.handler = handler
        self.address = address
        var initial = State()
        initial.submissions.reserveCapacity(64)
        state = Mutex(initial)
    }

    /// Sends one encoded command and waits for its reply (a server error reply is a value).
    func send(_ buffer: ByteBuffer, deadline: NIODeadline) async throws -> RESPValue {
        let id = ids.wrappingAdd(1, ordering: .relaxed).newValue
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<RESPValue, any Error>) in
                submit(RedisSubmission(id: id, buffer: buffer, replies: .single(continuation), deadline: deadline))
            }
        } onCancel: {
            cancel(id)
        }
    }

    /// Sends `count` encoded commands in one buffer and waits for all their replies, in order; server error replies
    /// are `.failure(.server(…))`, and a connection failure fails each command that had no reply yet.
    func batch(_ buffer: ByteBuffer, count: Int, deadline: NIODeadline) async throws -> [Result<RESPValue, RedisError>] {
        let id = ids.wrappingAdd(1, ordering: .relaxed).newValue
        let address = self.address
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<[Result<RESPValue, RedisError>], any Error>) in
                let replies = RedisBatchReplies(count: count, address: address, continuation: continuation)
                submit(RedisSubmission(id: id, buffer: buffer, replies: .batch(replies), deadline: deadline))
            }
        } onCancel: {
            cancel(id)
        }
    }

    private enum SubmitOutcome {
        case queued
        case queuedAndScheduleDrain
        case cancelled
    }

    private func submit(_ submission: RedisSubmission) {
        let outcome = state.withLock { state -> SubmitOutcome in
            // Checked under the lock: a cancellation handler that ran before this point found nothing to remove, so
            // the command must not be queued.
            if Task.isCancelled { return .cancelled }
            state.submissions.append(submission)
            if state.drainScheduled { return .queued }
            state.drainScheduled = true
            return .queuedAndScheduleDrain
        }
        switch outcome {
        case .queued:
            break
        case .queuedAndScheduleDrain:
            eventLoop.execute { self.drain() }
        case .cancelled:
            Self.fail(submission.replies, CancellationError())
        }
    }

    /// On the event loop: takes every queued submission and writes them with one flush.
    private func drain() {
        let handler = self.handler.value
        state.withLock { state in
            state.drainScheduled = false
            swap(&state.submissions, &handler.taken)
        }
        handler.writeTaken()
    }

    private func cancel(_ id: UInt64) {
        let removed = state.withLock { state -> RedisSubmission? in
            guard let index = state.submissions.firstIndex(where: { $0.id == id }) else { return nil }
            return state.submissions.remove(at: index)
        }
        if let removed {
            Self.fail(removed.replies, CancellationError())
            return
        }
        let handler = self.handler
        eventLoop.execute { handler.value.abandon(id, with: CancellationError()) }
    }

    private static func fail(_ replies: RedisSubmission.Replies, _ error: any Error) {
        switch replies {
        case .single(let continuation): continuation.resume(throwing: error)
        case .batch(let replies): replies.abandon(error)
        }
    }
}
