/// How long to wait before the next connection attempt after consecutive failures: the initial delay doubled per
/// failure, capped at the maximum, minus up to 20% jitter so that many clients do not reconnect in lockstep. The
/// pool uses it, and so does any connection kept outside it (the cache runtime's tracking connection).
public struct RedisReconnectBackoff: Sendable, Hashable {
    /// The delay after the first failure.
    public let initial: Duration
    /// The longest delay.
    public let maximum: Duration

    /// A backoff from `initial` doubling up to `maximum`.
    public init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The delay after `failures` consecutive failures (1 for the first); `jitter` (0...1, drawn at random by the
    /// caller) is the share of the 20% taken off.
    public func delay(afterFailures failures: Int, jitter: Double = .random(in: 0...1)) -> Duration {
        // The shift is bounded so that a long outage cannot overflow the multiplication.
        let doubled = initial * (1 << min(max(failures, 1) - 1, 16))
        return min(doubled, maximum) * (1 - 0.2 * min(max(jitter, 0), 1))
    }
}
