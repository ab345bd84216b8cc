import NIOCore
import Synchronization

/// Whether a connection is stuck waiting on the server, shared by its channel handler (on the event loop, which
/// writes it) and the pool (on any thread, which reads it before leasing the connection).
///
/// Redis answers one connection's commands in order, so a command sent behind a blocked one (a write under
/// `CLIENT PAUSE WRITE`, a slow script, a stopped server) waits as long as it does. The pool reads
/// ``isStalled(at:)`` to send new commands to another connection instead.
final class RedisConnectionProgress: Sendable {
    /// Uptime nanoseconds since which commands have been in flight without a reply arriving; 0 when none is in flight.
    private let waitingSince = Atomic<UInt64>(0)
    /// How long in flight without a reply counts as stalled, in nanoseconds.
    private let stallThreshold: UInt64
    /// Runs on the event loop when a stalled connection answers again (the pool hands it to commands that waited).
    private let onRecovery: (@Sendable () -> Void)?

    /// - Parameters:
    ///   - stallThreshold: How long without a reply counts as stalled; never, by default (a connection outside the
    ///     pool has no one to tell).
    ///   - onRecovery: Runs on the event loop when a reply arrives on a connection that was stalled.
    init(stallThreshold: TimeAmount = .nanoseconds(.max), onRecovery: (@Sendable () -> Void)? = nil) {
        self.stallThreshold = UInt64(max(0, stallThreshold.nanoseconds))
        self.onRecovery = onRecovery
    }

    /// The handler wrote commands to a connection that had none in flight.
    func startedWaiting(at now: NIODeadline) {
        waitingSince.store(max(1, now.uptimeNanoseconds), ordering: .relaxed)
    }

    /// The handler received at least one reply; `stillWaiting` when commands remain in flight.
    func replied(at now: NIODeadline, stillWaiting: Bool) {
        let previous = waitingSince.exchange(stillWaiting ? max(1, now.uptimeNanoseconds) : 0, ordering: .relaxed)
        if previous != 0, now.uptimeNanoseconds > previous, now.uptimeNanoseconds - previous > stallThreshold {
            onRecovery?()
        }
    }

    /// The handler has nothing in flight any more (the connection failed).
    func stoppedWaiting() {
        waitingSince.store(0, ordering: .relaxed)
    }

    /// Whether commands are in flight (cheap: lets the pool skip reading the clock for idle connections).
    var isWaiting: Bool { waitingSince.load(ordering: .relaxed) != 0 }

    /// Whether, at `now`, commands have been in flight for longer than the stall threshold with no reply arriving.
    func isStalled(at now: NIODeadline) -> Bool {
        let since = waitingSince.load(ordering: .relaxed)
        return since != 0 && now.uptimeNanoseconds > since && now.uptimeNanoseconds - since > stallThreshold
    }
}
