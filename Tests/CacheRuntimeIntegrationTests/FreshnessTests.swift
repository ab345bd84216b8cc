import CacheSchemaRedis
import Foundation
import RedisTestSupport
import Testing

@testable import CacheRuntime

/// Early refresh, stale-while-revalidate and TTL jitter (``CacheFreshness``) on a real redis-server.
@Suite struct FreshnessTests {
    @Test func earlyRefreshServesTheValueAndRefreshesItInTheBackground() async throws {
        try await withCache { _, cache in
            // β so large that any recorded load time calls for a refresh at once.
            let key = CacheKeys.user(userID: UUID()).with(CacheFreshness(earlyRefresh: 1e9))
            let first = UserDTO(id: UUID(), name: "first", email: "f@x"), second = UserDTO(id: UUID(), name: "second", email: "s@x")
            #expect(try await cache.getOrSet(key) { try await Task.sleep(for: .milliseconds(20)); return first } == first)
            let refreshed = Latch()
            let result = try await cache.getOrSetReporting(key) {
                defer { refreshed.open() }
                return second
            }
            #expect(result.source == .hit)
            #expect(result.value == first, "the caller is answered from the current value, not the refresh")
            #expect(await refreshed.wait(atMost: .seconds(30)), "the refresh ran")
            try await waitUntil("the refresh stored its load") { await cache.get(key).value == second }
        }
    }

    @Test func withoutARecordedLoadTimeOrWithSmallBetaNoEarlyRefresh() async throws {
        try await withCache { _, cache in
            let key = CacheKeys.user(userID: UUID()).with(CacheFreshness(earlyRefresh: 1))
            let value = UserDTO(id: UUID(), name: "v", email: "v@x")
            // A written value has δ = 0: nothing to scale, so no early refresh.
            try await cache.set(key, value)
            let loads = Counter()
            for _ in 0..<20 { _ = try await cache.getOrSet(key) { await loads.increment(); return value } }
            #expect(await loads.value == 0)
            // A load of 10 ms with β 1 against a TTL of 5 minutes: XFetch's chance is e^(-30000), never.
            _ = try await cache.delete(key)
            _ = try await cache.getOrSet(key) { try await Task.sleep(for: .milliseconds(10)); return value }
            for _ in 0..<20 { _ = try await cache.getOrSet(key) { await loads.increment(); return value } }
            #expect(await loads.value == 0, "no hit called for an early refresh")
        }
    }

    @Test func aStaleValueIsServedWhileOneRefreshRuns() async throws {
        try await withCache { _, cache in
            let key = CacheKeys.user(userID: UUID()).with(CacheFreshness(staleWindow: .seconds(30)))
            let old = UserDTO(id: UUID(), name: "old", email: "o@x"), new = UserDTO(id: UUID(), name: "new", email: "n@x")
            _ = try await cache.getOrSet(key, ttl: .milliseconds(300)) { old }
            let pttl = try await cache.client.routed(by: key.rawValue).raw(["PTTL", key.rawValue]).integer()
            #expect(pttl > 10_000, "Redis keeps the value through the stale window, far past its 300 ms TTL (\(pttl) ms)")
            try await Task.sleep(for: .milliseconds(600))
            let loads = Counter()
            // The refresh finishes only once every caller was answered: they cannot have waited for it.
            let answered = Latch()
            let results = try await withThrowingTaskGroup(of: UserDTO?.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await cache.getOrSet(key, ttl: .seconds(60)) {
                            await loads.increment()
                            await answered.wait()
                            return new
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            answered.open()
            #expect(results.allSatisfy { $0 == old }, "every caller got the stale value at once")
            try await waitUntil("the refresh stored its load") { await cache.get(key).value == new }
            #expect(await loads.value == 1, "one refresh")
        }
    }

    @Test func aWriteDeleteOrInvalidationEndsTheStaleWindow() async throws {
        try await withCache { _, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id).with(CacheFreshness(staleWindow: .seconds(60)))
            let old = UserDTO(id: id, name: "old", email: "o@x"), new = UserDTO(id: id, name: "new", email: "n@x")
            for end in ["invalidate", "delete", "set"] {
                _ = try await cache.getOrSet(key, ttl: .milliseconds(200)) { old }
                try await Task.sleep(for: .milliseconds(400))  // into the stale window
                switch end {
                case "invalidate": try await cache.invalidate(CacheInvalidations.user(userID: id))
                case "delete": _ = try await cache.delete(key)
                default: try await cache.set(key, new)
                }
                let result = try await cache.getOrSetReporting(key) { new }
                #expect(result.value == new, "after \(end) the stale value is not served")
                _ = try await cache.delete(key)
            }
        }
    }

    @Test func jitterShortensTheTTLByUpToItsFraction() async throws {
        try await withCache { _, cache in
            var seen: Set<Int64> = []
            for _ in 0..<20 {
                let key = CacheKeys.user(userID: UUID()).with(CacheFreshness(ttlJitter: 0.5))
                let start = ContinuousClock.now
                try await cache.set(key, UserDTO(id: UUID(), name: "j", email: "j@x"), ttl: .seconds(100))
                let pttl = try await cache.client.routed(by: key.rawValue).raw(["PTTL", key.rawValue]).integer()
                // At least half the TTL was set; a loaded machine may take seconds between the SET and the PTTL.
                let elapsed = (ContinuousClock.now - start).components.seconds + 1
                #expect((50_000 - elapsed * 1_000...100_000).contains(pttl), "\(pttl) ms left after \(elapsed) s")
                seen.insert(pttl / 5_000)
            }
            #expect(seen.count > 1, "TTLs spread out")
        }
    }

    @Test func earlyRefreshUnderTheLeaseLoadsOnceAcrossProcesses() async throws {
        try await withCache { _, cache in
            try await withOtherProcess(of: cache) { other in
                let key = CacheKeys.user(userID: UUID()).with(CacheFreshness(earlyRefresh: 1e9))
                let value = UserDTO(id: UUID(), name: "v", email: "v@x")
                _ = try await cache.getOrSet(key) { try await Task.sleep(for: .milliseconds(20)); return value }
                let loads = Counter()
                let release = Latch()
                // Both processes call for a refresh at once; the lease lets one load.
                for process in [cache, other] {
                    _ = try await process.getOrSet(key) {
                        await loads.increment()
                        await release.wait()
                        return value
                    }
                }
                try await waitUntil("a refresh started") { await loads.value >= 1 }
                try await Task.sleep(for: .milliseconds(300))
                #expect(await loads.value == 1, "the other process left the refresh to the lease's holder")
                release.open()
            }
        }
    }

    @Test func xfetchDecidesFromTheRemainingTTLAndTheLoadTime() {
        let early = CacheFreshness(earlyRefresh: 1)
        // δ 100 ms, β 1: −ln(r) = 2 gives 200 ms of lead.
        let r = exp(-2.0)
        #expect(RedisCache.decide(pttl: 150, loadMilliseconds: 100, freshness: early, random: r) == .refresh(stale: false))
        #expect(RedisCache.decide(pttl: 250, loadMilliseconds: 100, freshness: early, random: r) == .serve)
        #expect(RedisCache.decide(pttl: 150, loadMilliseconds: nil, freshness: early, random: r) == .serve)
        #expect(RedisCache.decide(pttl: -1, loadMilliseconds: 100, freshness: early, random: r) == .serve)
        let stale = CacheFreshness(staleWindow: .seconds(10))
        #expect(RedisCache.decide(pttl: 10_001, loadMilliseconds: nil, freshness: stale, random: 0.5) == .serve)
        #expect(RedisCache.decide(pttl: 9_000, loadMilliseconds: nil, freshness: stale, random: 0.5) == .refresh(stale: true))
        #expect(RedisCache.storedTTL(.seconds(100), freshness: CacheFreshness(staleWindow: .seconds(10), ttlJitter: 0.2), random: 1) == .seconds(90))
    }
}

extension CacheKey {
    /// The same key with another freshness policy and near cache, as a schema declaring them would generate.
    func redeclared(freshness: CacheFreshness? = nil, nearCache: CacheNearCachePolicy? = nil) -> CacheKey {
        let d = descriptor
        return CacheKey(
            descriptor: CacheKeyDescriptor(
                name: d.name, entity: d.entity, pattern: d.pattern, namespace: d.namespace, parameters: d.parameters, ttl: d.ttl,
                ttlClass: d.ttlClass, valueType: d.valueType, invalidatedBy: d.invalidatedBy, freshness: freshness ?? d.freshness,
                nearCache: nearCache ?? d.nearCache),
            rawValue: rawValue, owners: owners)
    }

    /// The same key with another freshness policy.
    func with(_ freshness: CacheFreshness) -> CacheKey { redeclared(freshness: freshness) }
}
