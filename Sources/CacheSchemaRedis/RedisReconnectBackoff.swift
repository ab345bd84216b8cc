/// How long the pool waits before the next connection attempt after consecutive failures: the initial delay doubled
/// per failure, capped at the maximum, minus up to 20% jitter so that many clients do not reconnect in lockstep.
struct RedisReconnectBackoff: Sendable, Hashable {
    /// The delay after the first failure.
    let initial: Duration
    /// The longest delay.
    let maximum: Duration

    /// The delay after `failures` consecutive failures (1 for the first); `jitter` (0...1, drawn at random by the
    /// caller) is the share of the 20% taken off.
    func delay(afterFailures failures: Int, jitter: Double) -> Duration {
        // The shift is bounded so that a long outage cannot overflow the multiplication.
        let doubled = initial * (1 << min(max(failures, 1) - 1, 16))
        return min(doubled, maximum) * (1 - 0.2 * min(max(jitter, 0), 1))
    }
}
