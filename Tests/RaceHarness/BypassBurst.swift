/// Where a run's bypasses fell (reads the loader served because Redis could not be read in time), against the window
/// of a disturbance the run caused (a restart, a failover, a slot move): a disturbance may cost a burst of bypasses
/// while it lasts and shortly after; a bypass anywhere else is a fault of the client or the cache.
public struct BypassBurst: Sendable, Hashable {
    /// Every bypass of the run.
    public var count = 0
    /// Bypasses that started before the disturbance or ended more than the settling time after it (all of them when
    /// the run had no disturbance).
    public var outside = 0
    /// Nanoseconds from the start of the first bypass to the end of the last (0 without bypasses).
    public var span: UInt64 = 0

    /// A burst with these counts.
    public init(count: Int = 0, outside: Int = 0, span: UInt64 = 0) {
        self.count = count
        self.outside = outside
        self.span = span
    }

    /// Counts the bypasses among `events`.
    ///
    /// - Parameters:
    ///   - disturbance: From when the disturbance began to when it was over (monotonic nanoseconds), if there was one.
    ///   - settle: How long after the disturbance bypasses still count as its burst (clients find the new topology,
    ///     connections reopen).
    public static func measure(_ events: [RaceEvent], disturbance: ClosedRange<UInt64>?, settle: UInt64) -> BypassBurst {
        var burst = BypassBurst()
        var first = UInt64.max, last: UInt64 = 0
        for case .read(_, let start, let end, _, "bypass") in events {
            burst.count += 1
            first = min(first, start)
            last = max(last, end)
            if let disturbance, start >= disturbance.lowerBound, end <= disturbance.upperBound &+ settle {
                continue
            }
            burst.outside += 1
        }
        burst.span = burst.count == 0 ? 0 : last - first
        return burst
    }
}
