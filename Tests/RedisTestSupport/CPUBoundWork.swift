import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs CPU-bound test work (fuzz loops, large generated inputs) where it cannot starve the tests that run beside it.
///
/// Swift Testing runs suites in parallel in one process, on a cooperative pool of one thread per core. On a two-core
/// machine, seconds of CPU on that pool stall every other suite's tasks, and even off the pool a busy thread at normal
/// priority delays the event loops and redis-servers of the Redis suites. So the work runs:
/// - on a thread of its own, never on the cooperative pool;
/// - at the lowest scheduling priority (nice 19, per thread on Linux), so that latency-sensitive threads win the CPU
///   whenever they are ready;
/// - one job at a time in the test process (a process-wide lock taken on that thread), so that two fuzzers never
///   hold both cores together.
public func runCPUBound<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            lowerThisThreadsPriority()
            CPUBoundGate.lock.lock()
            defer { CPUBoundGate.lock.unlock() }
            do {
                continuation.resume(returning: try work())
            } catch {
                continuation.resume(throwing: error)
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// The non-throwing form of `runCPUBound`.
public func runCPUBound<Result: Sendable>(_ work: @escaping @Sendable () -> Result) async -> Result {
    await withCheckedContinuation { continuation in
        let thread = Thread {
            lowerThisThreadsPriority()
            CPUBoundGate.lock.lock()
            defer { CPUBoundGate.lock.unlock() }
            continuation.resume(returning: work())
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

private enum CPUBoundGate {
    static let lock = NSLock()
}

/// Sets the calling thread's nice value to 19. On Linux the nice value is per thread (`setpriority` with `who == 0`
/// changes the calling thread only), so the rest of the test process keeps its priority.
private func lowerThisThreadsPriority() {
    #if os(Linux)
    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
    #endif
}

/// The CPU time the calling thread spends in `work`, for bounds on how much work something does: unlike wall time, a
/// loaded machine does not stretch it, while a quadratic or exponential input still shows. `work` must not suspend
/// (it runs on one thread).
public func measureThreadCPUTime(_ work: () throws -> Void) rethrows -> Duration {
    func now() -> Duration {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return .seconds(spec.tv_sec) + .nanoseconds(spec.tv_nsec)
    }
    let start = now()
    try work()
    return now() - start
}
