import Synchronization

/// When the repair loop tries again after a failed attempt.
///
/// After a failure it waits a backoff (50 ms, doubling to 1 s), but a command of this cache that Redis answered
/// meanwhile (``wake()``) ends the wait early: the repairs run as soon as Redis is back instead of up to a backoff
/// later. That matters beyond this process: until a failed write's repair deletes the old value, other processes read
/// it from Redis. An attempt never follows a failed one by less than ``minimumSpacing``, so that a cluster with one
/// node down, whose other nodes keep answering, does not turn the loop into a busy one.
final class CacheRepairPacer: Sendable {
    /// The backoff after a first failure, and its cap.
    struct Backoff: Sendable {
        var initial: Duration
        var maximum: Duration
    }

    private struct State {
        var backoff: Backoff
        var next: Duration
        /// The wait in progress, cancelled by a wake.
        var sleeper: Task<Void, Never>?
        /// A wake came after the last failure and before the wait started.
        var woken = false
    }

    /// The shortest time between a failed attempt and the next.
    let minimumSpacing: Duration
    private let state: Mutex<State>

    init(backoff: Backoff = Backoff(initial: .milliseconds(50), maximum: .seconds(1)), minimumSpacing: Duration = .milliseconds(50)) {
        self.minimumSpacing = minimumSpacing
        self.state = Mutex(State(backoff: backoff, next: backoff.initial))
    }

    /// The backoff; tests lengthen it to tell a wake from a backoff that ran out.
    var backoff: Backoff {
        get { state.withLock { $0.backoff } }
        set { state.withLock { $0.backoff = newValue; $0.next = newValue.initial } }
    }

    /// An attempt succeeded: the next failure waits the initial backoff again.
    func succeeded() {
        state.withLock { $0.next = $0.backoff.initial }
    }

    /// An attempt failed: waits the current backoff (doubling it for the next failure), or until ``wake()``, but at
    /// least ``minimumSpacing``.
    func failed() async {
        let delay = state.withLock { state -> Duration in
            let delay = state.next
            state.next = min(state.next * 2, state.backoff.maximum)
            // A wake before this failure says nothing about the node that just failed.
            state.woken = false
            return delay
        }
        try? await Task.sleep(for: min(minimumSpacing, delay))
        let remaining = delay - minimumSpacing
        guard remaining > .zero else { return }
        let sleeper = state.withLock { state -> Task<Void, Never>? in
            guard !state.woken else { return nil }
            let sleeper = Task<Void, Never> { try? await Task.sleep(for: remaining) }
            state.sleeper = sleeper
            return sleeper
        }
        await sleeper?.value
        state.withLock { $0.sleeper = nil }
    }

    /// Redis answered a command of this cache: a waiting repair loop tries again now.
    func wake() {
        let sleeper = state.withLock { state -> Task<Void, Never>? in
            state.woken = true
            defer { state.sleeper = nil }
            return state.sleeper
        }
        sleeper?.cancel()
    }
}
