import CacheRuntime
import CacheSchemaRedis
import Foundation
import Logging
import Tracing
import MetricsTestKit
import NIOPosix
import RedisTestSupport
import Synchronization

/// A private redis-server, a client and a cache for one test; everything is shut down afterwards.
///
/// Deadlines are far above any scheduling delay (30 s): tests run in parallel on a two-core machine, beside CPU-bound
/// suites and builds, and a read that misses a short deadline because the machine is busy rightly fails open, which
/// would turn a hit or a miss into a bypass and the test into a coin toss. Only tests about deadlines pass a short
/// `readTimeout`, and then the delay comes from the server (paused, sleeping, stopped), not from the scheduler.
///
/// The near cache is off unless a test asks for it: the reference schema near-caches `user`, and tests of the Redis
/// path (hits, bypasses, the breaker) must read from Redis.
func withCache(
    nearCaching: CacheNearCacheTracking? = nil,
    readTimeout: Duration = .seconds(30),
    arguments: [String] = [],
    metrics: TestMetrics? = nil,
    logger: Logger? = nil,
    tracer: (any Tracer)? = nil,
    circuitBreaker: RedisCircuitBreakerConfiguration = RedisCircuitBreakerConfiguration(),
    _ body: (RedisServerProcess, RedisCache) async throws -> Void
) async throws {
    let server = try await RedisServerProcess.start(arguments: arguments)
    var configuration = try RedisConnectionConfiguration(url: server.url)
    configuration.connectTimeout = .seconds(30)
    configuration.commandTimeout = .seconds(30)
    // An event loop of the test's own, so that one test's busy loop never delays another test's replies.
    let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    var pool = RedisPoolConfiguration(initialBackoff: .milliseconds(20), maximumBackoff: .milliseconds(200))
    pool.circuitBreaker = circuitBreaker
    let client = RedisClient(configuration: configuration, pool: pool, eventLoopGroup: eventLoops)
    let cache = RedisCache(
        client: client, readTimeout: readTimeout, writeTimeout: .seconds(30), nearCaching: nearCaching, logger: logger ?? Logger(label: "cache-schema.cache"),
        metricsFactory: metrics, tracer: tracer)
    do {
        try await body(server, cache)
    } catch {
        await client.shutdown()
        await server.stop()
        try? await eventLoops.shutdownGracefully()
        throw error
    }
    await client.shutdown()
    await server.stop()
    try await eventLoops.shutdownGracefully()
}

/// Counts loader calls across tasks.
actor Counter {
    private(set) var value = 0
    func increment() { value += 1 }
}

/// A one-shot signal between tasks: `wait()` returns once `open()` has been called, before or after. Race tests
/// order a loader and a writer with it (the loader opens one when it starts and waits on another), never with sleeps
/// that a busy machine can reorder.
final class Latch: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    var isOpen: Bool { state.withLock { $0.open } }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let open = state.withLock { state in
                if !state.open { state.waiters.append(continuation) }
                return state.open
            }
            if open { continuation.resume() }
        }
    }

    /// Polls until the latch is open or `timeout` has passed; whether it opened.
    func wait(atMost timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !isOpen && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        return isOpen
    }
}

/// A local Redis Cluster (3 primaries, 3 replicas, in this test's turn: see `LocalClusterTurns`), a cluster client
/// and a cache for one test; everything is shut down afterwards. Deadlines as in ``withCache(nearCaching:readTimeout:arguments:metrics:logger:tracer:circuitBreaker:_:)``.
func withClusterCache(nearCaching: CacheNearCacheTracking? = nil, _ body: (LocalRedisCluster, RedisClusterClient, RedisCache) async throws -> Void) async throws {
    try await withLocalCluster { cluster in
        var configuration = RedisConnectionConfiguration()
        configuration.connectTimeout = .seconds(30)
        configuration.commandTimeout = .seconds(30)
        let client = try RedisClusterClient(seeds: cluster.seeds, configuration: configuration)
        let cache = RedisCache(client: client, readTimeout: .seconds(30), writeTimeout: .seconds(30), nearCaching: nearCaching)
        do {
            try await body(cluster, client, cache)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }
}
