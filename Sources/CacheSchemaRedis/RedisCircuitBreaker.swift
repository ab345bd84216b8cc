import NIOCore

/// When a node stops answering, fail its commands at once instead of letting each wait out its deadline.
///
/// A stopped, frozen or blackholed server accepts connections and commands and answers none: without a breaker every
/// command (so every cache read of a request) costs its full deadline for as long as the stall lasts. After
/// ``RedisCircuitBreakerConfiguration/threshold`` commands in a row end without a reply (their deadline passed, or no
/// connection could be had before it), the breaker *opens*: commands fail at once with kind `circuitOpen`. Every
/// ``RedisCircuitBreakerConfiguration/probeInterval`` one command is let through as a probe (it waits its own deadline);
/// any reply — an error reply too — *closes* the breaker, a probe that times out keeps it open for another interval.
///
/// A pure state machine: the client asks it before each command and tells it how each ended; no I/O, no clock of its
/// own (tested without a socket).
struct RedisCircuitBreaker: Sendable {
    /// What to do with a command about to be sent.
    enum Admission: Equatable {
        /// Send it.
        case send
        /// Send it as the probe of an open breaker: its outcome decides.
        case probe
        /// Fail it at once: the breaker opened at `since`.
        case failFast(since: NIODeadline)
    }

    private enum State: Equatable {
        case closed(failuresInARow: Int)
        case open(since: NIODeadline, nextProbe: NIODeadline)
        case probing(since: NIODeadline)
    }

    let configuration: RedisCircuitBreakerConfiguration
    private var state = State.closed(failuresInARow: 0)

    init(configuration: RedisCircuitBreakerConfiguration) {
        self.configuration = configuration
    }

    /// Whether commands fail at once now (open, or probing).
    var isOpen: Bool {
        if case .closed = state { return false }
        return true
    }

    /// Decides about a command about to be sent.
    mutating func admit(now: NIODeadline) -> Admission {
        switch state {
        case .closed:
            return .send
        case .open(let since, let nextProbe):
            guard now >= nextProbe else { return .failFast(since: since) }
            state = .probing(since: since)
            return .probe
        case .probing(let since):
            return .failFast(since: since)
        }
    }

    /// A command got a reply (of any kind): the node answers. Returns `true` when this closed an open breaker.
    mutating func answered() -> Bool {
        let wasOpen = isOpen
        state = .closed(failuresInARow: 0)
        return wasOpen
    }

    /// A command ended without a reply before its deadline. Returns `true` when this opened the breaker.
    mutating func timedOut(now: NIODeadline, wasProbe: Bool) -> Bool {
        switch state {
        case .closed(let failures):
            guard configuration.threshold > 0 else { return false }
            if failures + 1 >= configuration.threshold {
                state = .open(since: now, nextProbe: now + TimeAmount(saturating: configuration.probeInterval))
                return true
            }
            state = .closed(failuresInARow: failures + 1)
            return false
        case .probing(let since) where wasProbe:
            state = .open(since: since, nextProbe: now + TimeAmount(saturating: configuration.probeInterval))
            return false
        case .open, .probing:
            // A command sent before the breaker opened, ending now: nothing new.
            return false
        }
    }

    /// A probe ended without telling anything (cancelled, or an error that is no timeout, such as a refused
    /// connection while the server restarts): the next command may probe again at once.
    mutating func probeAbandoned(now: NIODeadline) {
        if case .probing(let since) = state { state = .open(since: since, nextProbe: now) }
    }
}

/// When a node's commands fail at once instead of waiting out their deadlines (see the README, "The Redis client").
public struct RedisCircuitBreakerConfiguration: Sendable, Hashable {
    /// Commands in a row that end without a reply before the breaker opens; 0 turns the breaker off.
    public var threshold: Int
    /// How often an open breaker lets one command through to find out whether the node answers again.
    public var probeInterval: Duration

    /// Creates breaker settings: by default it opens after 3 commands in a row without a reply and probes every
    /// 250 ms, so that hits return within about a quarter of a second of the node answering again.
    public init(threshold: Int = 3, probeInterval: Duration = .milliseconds(250)) {
        self.threshold = max(0, threshold)
        self.probeInterval = max(.milliseconds(1), probeInterval)
    }
}
