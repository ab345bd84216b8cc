/// How `getOrSet` keeps the processes of a fleet from loading one missing key all at once (a stampede when a hot key
/// expires): on a miss, one process per key takes a short lease in Redis (a random token with an expiry, in the
/// key's slot), loads and stores; the others wait for its value, reading the key again, and load themselves only when
/// the wait runs out, the holder gave up, or Redis cannot be read (fail-open: a caller never hangs on a lease).
///
/// The lease only saves work: whether a fill may store is still decided by the generation markers, so a lease that
/// expired, or a process that loaded without one, never makes a value stale. A fill stores while its process holds
/// the lease or nobody does; it is refused when another process holds it (that one's load is newer).
///
/// ```swift
/// let cache = RedisCache(client: client, fillLease: CacheFillLease(duration: .seconds(10), maximumWait: .seconds(10.5)))
/// let noLease = RedisCache(client: client, fillLease: nil)  // single-flight within each process only
/// ```
public struct CacheFillLease: Sendable, Hashable {
    /// How long a lease lasts. Make it longer than nearly every load of the keys: a load that takes longer lets one
    /// more process load the key (correct, but a second load), and a holder that dies holds its key's readers for up
    /// to this long. Default 3 seconds.
    public var duration: Duration
    /// How long a caller that found the lease taken waits for the holder's value before loading itself. Longer than
    /// ``duration`` by default, so that when a holder dies its lease expires first and one waiter takes it over
    /// instead of every waiter loading. Default 3.5 seconds.
    public var maximumWait: Duration
    /// The first pause between a waiter's looks at the key; each pause doubles up to ``maximumPollInterval``, and each
    /// is jittered (between half and all of it) so that waiters of many processes do not look in step. Default 5 ms.
    public var pollInterval: Duration
    /// The longest pause between looks. Default 50 ms: a waiter then learns of the value at most about 50 ms after
    /// it was stored, at the cost of 20 looks a second per waiting process.
    public var maximumPollInterval: Duration

    /// A lease policy.
    ///
    /// - Parameters:
    ///   - duration: How long a lease lasts (at least 1 ms).
    ///   - maximumWait: How long a waiter waits for the holder's value before loading itself.
    ///   - pollInterval: The first pause between a waiter's looks (at least 1 ms).
    ///   - maximumPollInterval: The longest pause between looks.
    public init(
        duration: Duration = .seconds(3), maximumWait: Duration = .milliseconds(3_500), pollInterval: Duration = .milliseconds(5),
        maximumPollInterval: Duration = .milliseconds(50)
    ) {
        self.duration = max(duration, .milliseconds(1))
        self.maximumWait = max(maximumWait, .zero)
        self.pollInterval = max(pollInterval, .milliseconds(1))
        self.maximumPollInterval = max(maximumPollInterval, self.pollInterval)
    }

    /// The pause before look `attempt` (0 for the first): `pollInterval` doubled `attempt` times, at most
    /// `maximumPollInterval`, times a random factor between 0.5 and 1.
    func pause(before attempt: Int, random: Double = .random(in: 0.5...1)) -> Duration {
        var pause = pollInterval
        for _ in 0..<min(attempt, 30) where pause < maximumPollInterval { pause *= 2 }
        return min(pause, maximumPollInterval) * random
    }
}
