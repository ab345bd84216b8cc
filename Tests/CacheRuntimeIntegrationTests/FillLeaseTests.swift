import CacheSchemaRedis
import Foundation
import MetricsTestKit
import NIOPosix
import RedisTestSupport
import Synchronization
import Testing

@testable import CacheRuntime

/// The fill lease across processes, each played by a cache with a client and event loop of its own on one
/// redis-server: what one process's single-flight cannot do, the lease in Redis must.
@Suite struct FillLeaseTests {
    @Test func manyProcessesReadingOneColdKeyLoadItOnce() async throws {
        try await withCache { server, _ in
            let metrics = TestMetrics()
            // A lease far longer than the load: on a machine busy enough to stretch a 300 ms load past it, a waiter
            // rightly loads too (and the metrics say so); such a round proves nothing, and another round is run.
            let lease = CacheFillLease(duration: .seconds(20), maximumWait: .seconds(25))
            try await withProcesses(4, on: server, fillLease: lease, metrics: metrics) { caches in
                func count(_ name: String) throws -> Int64 { try metrics.expectCounter(name, [("key", "user")]).totalValue }
                var cleanRounds = 0
                for _ in 0..<5 where cleanRounds == 0 {
                    let key = CacheKeys.user(userID: UUID())
                    let value = UserDTO(id: UUID(), name: "Ada", email: "ada@x")
                    let loads = Counter()
                    let disturbancesBefore = (try? count("cache_errors_total") + count("cache_lease_timeouts_total")) ?? 0
                    let results = try await readTogether(caches, tasksEach: 50, key) {
                        await loads.increment()
                        try await Task.sleep(for: .milliseconds(300))
                        return value
                    }
                    #expect(results.allSatisfy { $0 == value }, "every caller got the value")
                    #expect(await caches[0].get(key).value == value)
                    guard try count("cache_errors_total") + count("cache_lease_timeouts_total") == disturbancesBefore else { continue }
                    cleanRounds += 1
                    let loaded = await loads.value
                    #expect(loaded == 1, "four processes × 50 tasks, one load (\(loaded) loads)")
                }
                #expect(cleanRounds == 1, "every round had a cache error or a lease timeout")
                // Each process that found the lease taken waited (a process the machine delayed past the load may
                // have found the value instead).
                #expect(try count("cache_lease_waits_total") >= 1)
            }
        }
    }

    @Test func withoutTheLeaseEachProcessLoads() async throws {
        try await withCache { server, _ in
            try await withProcesses(4, on: server, fillLease: nil) { caches in
                let key = CacheKeys.user(userID: UUID())
                let value = UserDTO(id: UUID(), name: "Ada", email: "ada@x")
                let loads = Counter()
                _ = try await readTogether(caches, tasksEach: 50, key) {
                    await loads.increment()
                    try await Task.sleep(for: .milliseconds(300))
                    return value
                }
                // Single-flight holds within each process only: up to one load per process.
                #expect(await loads.value > 1)
                #expect(await loads.value <= 4)
            }
        }
    }

    @Test func aHolderThatStopsLoadingLosesTheLeaseWhenItExpires() async throws {
        try await withCache { server, _ in
            // Long enough that a busy machine cannot let it expire before the test looks at it.
            let lease = CacheFillLease(duration: .seconds(8), maximumWait: .seconds(60))
            try await withProcesses(2, on: server, fillLease: lease) { caches in
                let key = CacheKeys.user(userID: UUID())
                let value = UserDTO(id: UUID(), name: "Ada", email: "ada@x")
                // Process A takes the lease and its load never ends (a process stuck or dead mid-load: Redis sees the
                // same thing, a lease nobody renews).
                let started = Latch(), never = Latch()
                let stuck = Task { try await caches[0].getOrSet(key) { started.open(); await never.wait(); return value } }
                await started.wait()
                let leaseKey = CacheIndexKeys.lease(of: key)
                #expect(try await caches[1].client.routed(by: leaseKey).exists([leaseKey]) == 1, "A holds the lease")

                // Process B waits for A's value, and takes the lease over once it expires.
                let start = ContinuousClock.now
                let loads = Counter()
                let result = try await caches[1].getOrSetReporting(key) {
                    await loads.increment()
                    return value
                }
                let waited = ContinuousClock.now - start
                #expect(result.value == value)
                #expect(result.source == .miss, "B loaded it")
                #expect(await loads.value == 1)
                #expect(waited >= .seconds(1), "B waited for the lease to expire, not loading at once (waited \(waited))")
                #expect(await caches[0].get(key).value == value, "B's load was stored")
                never.open()
                _ = try await stuck.value
            }
        }
    }

    @Test func aHolderWhoseLoaderFindsNothingReleasesTheWaitersAtOnce() async throws {
        try await withCache { server, _ in
            let lease = CacheFillLease(duration: .seconds(20), maximumWait: .seconds(20))
            try await withProcesses(2, on: server, fillLease: lease) { caches in
                let key = CacheKeys.user(userID: UUID())
                let started = Latch(), finish = Latch()
                let holder = Task { try await caches[0].getOrSet(key) { started.open(); await finish.wait(); return nil } }
                await started.wait()
                let waiter = Task { try await caches[1].getOrSetReporting(key) { UserDTO(id: UUID(), name: "B", email: "b@x") } }
                // The waiter is waiting (it cannot have a value: the holder's loader has not returned).
                try await Task.sleep(for: .milliseconds(200))
                let released = ContinuousClock.now
                finish.open()
                #expect(try await holder.value == nil)
                let result = try await waiter.value
                #expect(result.source == .miss, "the waiter loaded itself")
                #expect(result.value?.name == "B")
                // Below the lease's 20 s, with room for a loaded CI machine (11.6 s seen at load 15).
                #expect(ContinuousClock.now - released < .seconds(16), "released when the holder gave up, not at the lease's end")
            }
        }
    }

    @Test func aWriteDuringTheHoldersLoadKeepsItsOlderValueOut() async throws {
        try await withCache { server, _ in
            try await withProcesses(2, on: server) { caches in
                let id = UUID()
                let key = CacheKeys.user(userID: id)
                let older = UserDTO(id: id, name: "old", email: "o@x"), newer = UserDTO(id: id, name: "new", email: "n@x")
                let started = Latch(), finish = Latch()
                let holder = Task { try await caches[0].getOrSet(key) { started.open(); await finish.wait(); return older } }
                await started.wait()
                // Another process changes the source and invalidates while the holder loads the older row.
                try await caches[1].invalidate(CacheInvalidations.user(userID: id))
                finish.open()
                #expect(try await holder.value == older, "the holder's caller gets its load")
                #expect(await caches[1].get(key).value == nil, "the older value was not stored")
                #expect(try await caches[1].getOrSet(key) { newer } == newer)
            }
        }
    }

    @Test func withRedisStoppedEveryCallerLoadsWithinTheReadDeadline() async throws {
        try await withCache { server, _ in
            let metrics = TestMetrics()
            try await withProcesses(3, on: server, readTimeout: .milliseconds(500), metrics: metrics) { caches in
                await server.stop()
                let key = CacheKeys.user(userID: UUID())
                let value = UserDTO(id: UUID(), name: "Ada", email: "ada@x")
                let start = ContinuousClock.now
                let loads = Counter()
                let results = try await readTogether(caches, tasksEach: 10, key) {
                    await loads.increment()
                    try await Task.sleep(for: .milliseconds(100))
                    return value
                }
                #expect(results.allSatisfy { $0 == value })
                // Each process loads for its own callers (single-flight shares a load among those that came while it
                // ran); no lease can be taken, so no process waits for another.
                #expect((3...30).contains(await loads.value))
                #expect(try metrics.expectCounter("cache_lease_waits_total", [("key", "user")]).totalValue == 0)
                // The read deadline and a loader, stretched by a busy machine's scheduling; far below the lease's.
                #expect(ContinuousClock.now - start < .seconds(20))
            }
        }
    }

    @Test func pausesDoubleUpToTheirMaximumWithJitter() {
        let lease = CacheFillLease(pollInterval: .milliseconds(5), maximumPollInterval: .milliseconds(100))
        #expect(lease.pause(before: 0, random: 1) == .milliseconds(5))
        #expect(lease.pause(before: 1, random: 1) == .milliseconds(10))
        #expect(lease.pause(before: 4, random: 1) == .milliseconds(80))
        #expect(lease.pause(before: 5, random: 1) == .milliseconds(100))
        #expect(lease.pause(before: 1_000, random: 1) == .milliseconds(100))
        #expect(lease.pause(before: 2, random: 0.5) == .milliseconds(10))
    }
}

/// `count` caches on `server`, each with a client and an event loop of its own, as separate processes would have.
private func withProcesses(
    _ count: Int, on server: RedisServerProcess, readTimeout: Duration = .seconds(30), fillLease: CacheFillLease? = CacheFillLease(),
    metrics: TestMetrics? = nil, _ body: ([RedisCache]) async throws -> Void
) async throws {
    var configuration = try RedisConnectionConfiguration(url: server.url)
    configuration.connectTimeout = .seconds(30)
    configuration.commandTimeout = .seconds(30)
    var processes: [(RedisClient, MultiThreadedEventLoopGroup, RedisCache)] = []
    for _ in 0..<count {
        let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = RedisClient(
            configuration: configuration, pool: RedisPoolConfiguration(initialBackoff: .milliseconds(20), maximumBackoff: .milliseconds(200)),
            eventLoopGroup: eventLoops)
        let cache = RedisCache(client: client, readTimeout: readTimeout, writeTimeout: .seconds(30), fillLease: fillLease, nearCaching: nil, metricsFactory: metrics)
        processes.append((client, eventLoops, cache))
    }
    func shutDown() async {
        for (client, eventLoops, _) in processes {
            await client.shutdown()
            try? await eventLoops.shutdownGracefully()
        }
    }
    do {
        try await body(processes.map(\.2))
    } catch {
        await shutDown()
        throw error
    }
    await shutDown()
}

/// `tasksEach` tasks per cache calling `getOrSet(key)` at once; every result.
private func readTogether(
    _ caches: [RedisCache], tasksEach: Int, _ key: CacheKey<UserDTO>, loader: @escaping @Sendable () async throws -> UserDTO?
) async throws -> [UserDTO?] {
    let go = Latch()
    return try await withThrowingTaskGroup(of: UserDTO?.self) { group in
        for cache in caches {
            for _ in 0..<tasksEach {
                group.addTask {
                    await go.wait()
                    return try await cache.getOrSet(key, loader: loader)
                }
            }
        }
        go.open()
        return try await group.reduce(into: []) { $0.append($1) }
    }
}
