import CacheSchemaRedis
import Foundation
import MetricsTestKit
import RedisTestSupport
import Testing

@testable import CacheRuntime

/// A write or invalidation that fails after the source changed is retried until Redis takes it, and the old value is
/// never served meanwhile, even when Redis comes back with its data (persistence on).
@Suite struct RepairTests {
    /// Redis with an append-only file synced on every write, so a restart brings the old values back.
    static let persistent = ["--appendonly", "yes", "--appendfsync", "always"]

    @Test func aFailedWriteThroughCarriesTheResultAndTheOldValueNeverComesBack() async throws {
        try await withCache(arguments: Self.persistent) { server, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let old = UserDTO(id: id, name: "old", email: "old@x")
            let new = UserDTO(id: id, name: "new", email: "new@x")
            try await cache.set(key, old)
            await server.stop()

            do {
                _ = try await cache.writeThrough(key) { new }
                Issue.record("expected the cache write to fail")
            } catch let error as CacheWriteThroughError<UserDTO> {
                #expect(error.result == new, "the source's result is not lost")
                #expect(error.cacheError.kind == .redis)
            }
            #expect(cache.pendingRepairCount == 1)

            try await server.restart()
            // Redis is back with the old value on disk; until the repair has deleted it, reads must not return it.
            try await expectNeverOld(cache, key, old: old, current: new)
            // The last read may have refilled the key with the current value right after the repair.
            #expect(await cache.get(key).value != old, "the repair deleted the old value")
            _ = try await cache.getOrSet(key) { new }
            #expect(try await cache.getOrSetReporting(key) { new }.source == .hit, "the key is cached again")
        }
    }

    /// Until a failed write's repair has run, other processes read the old value from Redis: the repair must not wait
    /// out a backoff once Redis answers again. Here the backoff is two minutes, so only the wake from another read
    /// can make it run within the test.
    @Test func aRepairRunsAsSoonAsRedisAnswersAnotherReadNotAfterItsBackoff() async throws {
        let logs = LogCapture()
        let metrics = TestMetrics()
        try await withCache(arguments: Self.persistent, metrics: metrics, logger: logs.logger) { server, cache in
            cache.repairPacer.backoff = .init(initial: .seconds(120), maximum: .seconds(120))
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let old = UserDTO(id: id, name: "old", email: "old@x")
            try await cache.set(key, old)
            await server.stop()
            await #expect(throws: CacheError.self) { try await cache.set(key, UserDTO(id: id, name: "new", email: "new@x")) }
            #expect(cache.pendingRepairCount == 1)
            try await waitUntil("the repair's first attempt failed", timeout: .seconds(30)) {
                logs.messages.contains { $0.hasPrefix("cache repair failed") }
            }
            try await server.restart()
            // Nothing reads for a while: the repair stays in its backoff, and the old value is in Redis (persistence on).
            try await Task.sleep(for: .seconds(1))
            #expect(cache.pendingRepairCount == 1, "the repair waited for its backoff or a wake")
            #expect(try metrics.expectCounter("cache_repair_attempts_failed_total", []).totalValue >= 1)
            let other = CacheKeys.user(userID: UUID())
            let clock = ContinuousClock()
            let readsStarted = clock.now
            while cache.pendingRepairCount > 0 && clock.now - readsStarted < .seconds(60) {
                _ = await cache.get(other)
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(cache.pendingRepairCount == 0, "reads of another key woke the repair")
            #expect(await cache.get(key).value == nil, "the repair deleted the old value")
            #expect(try metrics.expectCounter("cache_repairs_total", [("result", "done")]).totalValue == 1)
        }
    }

    @Test func aFailedInvalidationIsRetriedAndItsKeysAreNotReadMeanwhile() async throws {
        try await withCache(arguments: Self.persistent) { server, cache in
            let id = UUID()
            // userOrders pages are indexed under their instance: reads of every page are blocked until the repair.
            let pages = (1...3).map { CacheKeys.userOrders(userID: id, page: $0, as: OrdersPage.self) }
            for (index, page) in pages.enumerated() { try await cache.set(page, OrdersPage(page: index + 1, items: ["old"])) }
            let otherUser = CacheKeys.userOrders(userID: UUID(), page: 1, as: OrdersPage.self)
            try await cache.set(otherUser, OrdersPage(page: 1, items: ["other"]))
            await server.stop()

            await #expect(throws: CacheError.self) { try await CacheInvalidator(cache).invalidateUserOrders(userID: id) }
            #expect(cache.pendingRepairCount == 1)
            try await server.restart()
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(20)
            while cache.pendingRepairCount > 0 && clock.now < deadline {
                for page in pages {
                    let result = try await cache.getOrSetReporting(page) { OrdersPage(page: 0, items: ["new"]) }
                    #expect(result.value?.items == ["new"], "an invalidated page was served before its repair")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(cache.pendingRepairCount == 0)
            for page in pages { #expect(await cache.get(page).value?.items != ["old"]) }
            #expect(await cache.get(otherUser).value?.items == ["other"], "only the instance's keys are removed")
        }
    }

    @Test func aFailedDeleteThroughCarriesTheResult() async throws {
        try await withCache { server, cache in
            let id = UUID()
            await server.stop()
            do {
                _ = try await cache.deleteThrough(CacheInvalidations.user(userID: id)) { "deleted" }
                Issue.record("expected the invalidation to fail")
            } catch let error as CacheWriteThroughError<String> {
                #expect(error.result == "deleted")
                #expect(error.cacheError.kind == .invalidation)
            }
            #expect(cache.pendingRepairCount == 1)
            try await server.restart()
            try await waitForRepairs(cache)
        }
    }

    @Test func pendingRepairsAreBoundedAndDropTheOldest() async throws {
        try await withCache { server, cache in
            let bounded = RedisCache(client: cache.client, readTimeout: .seconds(30), writeTimeout: .seconds(30), repairCapacity: 2, nearCaching: nil)
            let keys = (0..<3).map { _ in CacheKeys.user(userID: UUID()) }
            await server.stop()
            for key in keys {
                await #expect(throws: CacheError.self) { try await bounded.delete(key) }
            }
            #expect(bounded.pendingRepairCount == 2)
            // The dropped (oldest) key is readable again; the two pending ones are not.
            if case .missWithError(let error) = await bounded.get(keys[2]) {
                #expect(error.kind == .repairPending)
            } else {
                Issue.record("a key with a pending repair must not be read")
            }
            if case .missWithError(let error) = await bounded.get(keys[0]) {
                #expect(error.kind == .redis, "the dropped repair no longer blocks reads")
            } else {
                Issue.record("expected a miss with the Redis error (the server is down)")
            }
            try await server.restart()
            try await waitForRepairs(bounded)
        }
    }

    /// Reads the key until the pending repairs are done (at most 20 s), and checks that no read returns `old`.
    private func expectNeverOld(_ cache: RedisCache, _ key: CacheKey<UserDTO>, old: UserDTO, current: UserDTO) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        while cache.pendingRepairCount > 0 && clock.now < deadline {
            let result = try await cache.getOrSetReporting(key) { current }
            #expect(result.value != old, "the old value was served before its repair")
            #expect(result.source == .bypass, "a key with a pending repair is neither read nor stored")
            if case .hit = await cache.get(key) { Issue.record("get returned a value with a pending repair") }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(cache.pendingRepairCount == 0, "the repair ran once Redis was back")
    }

    private func waitForRepairs(_ cache: RedisCache) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        while cache.pendingRepairCount > 0 && clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(cache.pendingRepairCount == 0)
    }
}
