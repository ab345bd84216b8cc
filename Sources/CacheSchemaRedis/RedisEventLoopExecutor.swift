import NIOCore

/// A task executor that runs jobs on one NIO event loop: the one a ``RedisClient``'s pooled connections use
/// (``RedisClient/taskExecutor``).
///
/// A task that prefers it sends commands and resumes with their replies on the connection's own thread, so a command
/// costs no thread hop on either side; by default a task runs on Swift's global executor, and each command then hops
/// to the event loop and back. This matters most when few commands are in flight (one request waiting on one reply at
/// a time); with many in flight the hops are shared by many commands.
///
/// ```swift
/// try await withTaskExecutorPreference(client.taskExecutor) {
///     let value = try await client.get("user:42")
/// }
/// ```
///
/// Only what runs in the task moves to the event loop: keep CPU-heavy or blocking work out of such tasks, as for any
/// code on an event loop.
public final class RedisEventLoopExecutor: TaskExecutor {
    /// The event loop jobs run on.
    public let eventLoop: any EventLoop

    /// An executor for `eventLoop`.
    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Runs `job` on the event loop, in the order jobs were enqueued.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
