import CacheSchemaRESP
import CacheSchemaRedis
import Logging
import Synchronization

/// Keeps the near cache coherent: dedicated RESP3 connections, outside the pools, one to each node that takes writes
/// (the one node, or every primary of a cluster: ``CacheTrackedNodes``), in `CLIENT TRACKING ON BCAST PREFIX
/// <namespace>:` for every namespace whose keys are near-cached, whose invalidation pushes drop local copies.
///
/// Why BCAST on connections of their own: the pool's connections come and go and any of them may serve a read, so
/// per-connection tracking of the keys each one read (the default mode) would need every pooled connection to
/// track and redirect to one receiver, and a reconnect would silently lose what it tracked. In BCAST mode the server
/// keeps no per-key table (so `tracking-table-max-keys` never drops our keys) and pushes an invalidation for every
/// write under the prefixes, whichever client made it, to these connections. The cost: a push per write in those
/// namespaces, whether this process holds the key or not.
///
/// While the connections are not all up — before they are, after one is lost, after a cluster's primaries changed,
/// while they reconnect — the near cache stores nothing and is emptied; it fills again only once tracking is back
/// on every node. A server that speaks only RESP2 cannot push: the near cache stays off, with one warning.
final class CacheNearCacheTracker: Sendable {
    private struct State {
        var prefixes: Set<String> = []
        var running = false
        var connections: [RedisConnection] = []
        var disabled = false
    }

    private let nodes: CacheTrackedNodes
    private let checks: CacheNearCacheTracking
    private let nearCache: CacheNearCache
    private let logger: Logger
    private let state = Mutex(State())

    init(nodes: CacheTrackedNodes, checks: CacheNearCacheTracking, nearCache: CacheNearCache, logger: Logger) {
        self.nodes = nodes
        self.checks = checks
        self.nearCache = nearCache
        self.logger = logger
    }

    /// Whether the server cannot track (RESP2): the near cache is off.
    var isDisabled: Bool { state.withLock { $0.disabled } }

    /// Makes sure keys under `prefix` (`"shop:"`) are tracked: starts the connections on first use, and reconnects with
    /// the prefix added when it is new (the near cache is emptied meanwhile).
    func track(prefix: String) {
        let (start, restart) = state.withLock { state -> (Bool, [RedisConnection]) in
            guard !state.disabled, state.prefixes.insert(prefix).inserted else { return (false, []) }
            if !state.running {
                state.running = true
                return (true, [])
            }
            return (false, state.connections)
        }
        if start { Task { await self.run() } }
        if !restart.isEmpty { Task { for connection in restart { await connection.close() } } }
    }

    /// Connects, turns tracking on and waits until the connections no longer hear every write (``CacheTrackedNodes/watch(_:checks:)``),
    /// then does it again with a backoff, until the client is shut down or a server turns out to speak RESP2.
    private func run() async {
        var failures = 0
        while true {
            var opened: [RedisConnection] = []
            do {
                let nearCache = self.nearCache
                let tracked = try await nodes.connect { push in
                    guard let invalidation = RedisInvalidation(push: push) else { return }
                    if let keys = invalidation.keys {
                        nearCache.invalidate(keys)
                    } else {
                        nearCache.reset(live: true)  // FLUSHALL / FLUSHDB: everything went
                    }
                }
                opened = tracked.connections
                guard opened.allSatisfy({ $0.protocolVersion == 3 }) else {
                    for connection in opened { await connection.close() }
                    state.withLock { $0.disabled = true }
                    logger.warning("the Redis server speaks RESP2 only: CLIENT TRACKING cannot push invalidations, so the near cache is off")
                    return
                }
                let prefixes = state.withLock { state in
                    state.connections = opened
                    return state.prefixes.sorted()
                }
                let kept = Self.withoutOverlaps(prefixes)
                for connection in opened {
                    // The empty prefix (keys without a namespace) is BCAST without PREFIX: every key.
                    try await connection.clientTracking(true, broadcast: true, prefixes: kept == [""] ? [] : kept)
                }
                nearCache.reset(live: true)
                failures = 0
                await nodes.watch(tracked, checks: checks)
                nearCache.reset(live: false)
                state.withLock { $0.connections = [] }
            } catch {
                nearCache.reset(live: false)
                state.withLock { $0.connections = [] }
                for connection in opened { await connection.close() }
                if let redisError = error as? RedisError, redisError.kind == .shutDown { return }
                failures += 1
                logger.debug("near-cache tracking connection failed; the near cache is empty until it is back", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: Self.backoff.delay(afterFailures: failures))
            }
        }
    }

    /// The reconnect pause, as the pool's: 100 ms doubling to 5 s, jittered.
    private static let backoff = RedisReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(5))

    /// Redis refuses BCAST prefixes of which one starts another: keep the shortest of each such group.
    static func withoutOverlaps(_ prefixes: [String]) -> [String] {
        var kept: [String] = []
        for prefix in prefixes.sorted() where !kept.contains(where: { prefix.hasPrefix($0) }) { kept.append(prefix) }
        return kept
    }
}
