import CacheSchemaRESP
import CacheSchemaRedis
import Logging
import Synchronization

/// Keeps the near cache coherent: one dedicated RESP3 connection per cache, outside the pool, in `CLIENT TRACKING ON
/// BCAST PREFIX <namespace>:` for every namespace whose keys are near-cached, whose invalidation pushes drop local
/// copies.
///
/// Why BCAST on a connection of its own: the pool's connections come and go and any of them may serve a read, so
/// per-connection tracking of the keys each one read (the default mode) would need every pooled connection to
/// track and redirect to one receiver, and a reconnect would silently lose what it tracked. In BCAST mode the server
/// keeps no per-key table (so `tracking-table-max-keys` never drops our keys) and pushes an invalidation for every
/// write under the prefixes, whichever client made it, to this one connection. The cost: a push per write in those
/// namespaces, whether this process holds the key or not.
///
/// While the connection is down — before it is up, after a loss, while it reconnects — the near cache stores
/// nothing and is emptied; it fills again only once tracking is back on. A server that speaks only RESP2 cannot push:
/// the near cache stays off, with one warning.
final class CacheNearCacheTracker: Sendable {
    private struct State {
        var prefixes: Set<String> = []
        var running = false
        var connection: RedisConnection?
        var disabled = false
    }

    private let client: RedisClient
    private let nearCache: CacheNearCache
    private let logger: Logger
    private let state = Mutex(State())

    init(client: RedisClient, nearCache: CacheNearCache, logger: Logger) {
        self.client = client
        self.nearCache = nearCache
        self.logger = logger
    }

    /// Whether the server cannot track (RESP2): the near cache is off.
    var isDisabled: Bool { state.withLock { $0.disabled } }

    /// Makes sure keys under `prefix` (`"shop:"`) are tracked: starts the connection on first use, and reconnects with
    /// the prefix added when it is new (the near cache is emptied meanwhile).
    func track(prefix: String) {
        let (start, restart) = state.withLock { state -> (Bool, RedisConnection?) in
            guard !state.disabled, state.prefixes.insert(prefix).inserted else { return (false, nil) }
            if !state.running {
                state.running = true
                return (true, nil)
            }
            return (false, state.connection)
        }
        if start { Task { await self.run() } }
        if let restart { Task { await restart.close() } }
    }

    /// Connects, turns tracking on and waits for the connection to end, then does it again with a backoff, until the
    /// client is shut down or the server turns out to speak RESP2.
    private func run() async {
        var failures = 0
        while true {
            do {
                let nearCache = self.nearCache
                let connection = try await client.makeDedicatedConnection { push in
                    guard let invalidation = RedisInvalidation(push: push) else { return }
                    if let keys = invalidation.keys {
                        nearCache.invalidate(keys)
                    } else {
                        nearCache.reset(live: true)  // FLUSHALL / FLUSHDB: everything went
                    }
                }
                guard connection.protocolVersion == 3 else {
                    await connection.close()
                    state.withLock { $0.disabled = true }
                    logger.warning("the Redis server speaks RESP2 only: CLIENT TRACKING cannot push invalidations, so the near cache is off")
                    return
                }
                let prefixes = state.withLock { state in
                    state.connection = connection
                    return state.prefixes.sorted()
                }
                let kept = Self.withoutOverlaps(prefixes)
                // The empty prefix (keys without a namespace) is BCAST without PREFIX: every key.
                try await connection.clientTracking(true, broadcast: true, prefixes: kept == [""] ? [] : kept)
                nearCache.reset(live: true)
                failures = 0
                try? await connection.closeFuture.get()
                nearCache.reset(live: false)
                state.withLock { $0.connection = nil }
            } catch {
                nearCache.reset(live: false)
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
