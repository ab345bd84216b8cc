/// How a ``RedisCache`` keeps its near caches coherent: it checks the nodes it tracks every ``checkInterval`` and
/// empties the near cache when one does not answer within ``checkTimeout`` (see ``RedisCache`` and the README's
/// near-cache section for why: a stopped or blackholed server keeps its connection open and pushes nothing).
///
/// The two bound how long a copy can outlive a silent server or a failover: about `checkInterval + checkTimeout`
/// (1.25 s by default). Each check costs one `PING` (one `ROLE` per primary on a cluster) per process: 4 a second by
/// default, which a fleet of hundreds of processes may want to trade for a longer bound.
///
/// ```swift
/// let cache = RedisCache(client: client, nearCaching: CacheNearCacheTracking(checkInterval: .seconds(1)))
/// let noNearCache = RedisCache(client: client, nearCaching: nil)  // near-cached keys are read from Redis
/// ```
public struct CacheNearCacheTracking: Sendable, Hashable {
    /// How often every tracked node is asked to answer. Default 250 ms.
    public var checkInterval: Duration
    /// How long a tracked node may take to answer: long enough not to empty the near cache on a loaded machine's
    /// hiccup, short enough to bound what a silent server can leave stale. Default 1 second.
    public var checkTimeout: Duration

    /// A tracking policy.
    ///
    /// - Parameters:
    ///   - checkInterval: How often every tracked node is asked to answer (at least 10 ms).
    ///   - checkTimeout: How long a tracked node may take to answer (at least 10 ms).
    public init(checkInterval: Duration = .milliseconds(250), checkTimeout: Duration = .seconds(1)) {
        self.checkInterval = max(checkInterval, .milliseconds(10))
        self.checkTimeout = max(checkTimeout, .milliseconds(10))
    }
}
