import CacheSchemaRedis
import Foundation
import MetricsTestKit
import RedisTestSupport
import Testing

@testable import CacheRuntime

/// The near cache on a real redis-server: local hits, read-your-writes, other processes' writes arriving as pushes,
/// and the tracking connection's loss and a flush emptying it.
@Suite struct NearCacheTests {
    private static let policy = CacheNearCachePolicy(localTTL: .seconds(60), capacity: 100)

    @Test func aSecondReadIsANearHitAndAWriteHereIsReadAtOnce() async throws {
        let metrics = TestMetrics()
        try await withCache(nearCaching: CacheNearCacheTracking(), metrics: metrics) { _, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id).near(Self.policy)
            let first = UserDTO(id: id, name: "first", email: "f@x"), second = UserDTO(id: id, name: "second", email: "s@x")
            try await cache.set(key, first)
            try await waitForTracking(cache, key)
            #expect(try await cache.getOrSet(key) { nil } == first)  // from Redis, now held locally
            #expect(try await cache.getOrSet(key) { nil } == first)
            #expect(try metrics.expectCounter("cache_near_hits_total", [("key", "user")]).totalValue >= 1)
            // Read your writes: no push needed, no sleep.
            try await cache.set(key, second)
            #expect(try await cache.getOrSet(key) { nil } == second)
            _ = try await cache.getOrSet(key) { nil }
            try await cache.invalidate(CacheInvalidations.user(userID: id))
            #expect(try await cache.getOrSet(key) { nil } == nil, "the invalidation dropped the local copy at once")
        }
    }

    @Test func getReadsThroughTheNearCacheToo() async throws {
        let metrics = TestMetrics()
        try await withCache(nearCaching: CacheNearCacheTracking(), metrics: metrics) { _, cache in
            try await withOtherProcess(of: cache) { other in
                let ids = [UUID(), UUID()]
                let keys = ids.map { CacheKeys.user(userID: $0).near(Self.policy) }
                for (id, key) in zip(ids, keys) { try await cache.set(key, UserDTO(id: id, name: "1", email: "1@x")) }
                try await waitForTracking(cache, keys[0])
                #expect(await cache.get(keys[0]).value?.name == "1")  // from Redis, now held
                #expect(cache.nearCache.count == 1)
                #expect(await cache.get(keys[0]).value?.name == "1")
                #expect(try metrics.expectCounter("cache_near_hits_total", [("key", "user")]).totalValue == 1)
                // A multi-get answers the held key from memory and reads the other from Redis.
                #expect(await cache.get(keys).map { $0.value?.name } == ["1", "1"])
                #expect(try metrics.expectCounter("cache_near_hits_total", [("key", "user")]).totalValue == 2)
                // Read your writes, and another process's write by its push.
                try await cache.set(keys[0], UserDTO(id: ids[0], name: "2", email: "2@x"))
                #expect(await cache.get(keys[0]).value?.name == "2")
                try await other.set(keys[0], UserDTO(id: ids[0], name: "3", email: "3@x"))
                try await waitUntil("the push dropped the local copy") { cache.nearCache.count == 0 }
                #expect(await cache.get(keys[0]).value?.name == "3")
            }
        }
    }

    @Test func aServerWithoutRESP3LeavesTheNearCacheOffWithOneWarning() async throws {
        // HELLO renamed away: the client falls back to RESP2, where CLIENT TRACKING cannot push.
        let logs = LogCapture()
        try await withCache(nearCaching: CacheNearCacheTracking(), arguments: ["--rename-command", "HELLO", ""], logger: logs.logger) { _, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id).near(Self.policy)
            try await cache.set(key, UserDTO(id: id, name: "1", email: "1@x"))
            _ = cache.nearPolicy(key)
            try await waitUntil("the tracker found RESP2") { cache.nearTracker?.isDisabled == true }
            for _ in 0..<3 { #expect(try await cache.getOrSet(key) { nil }?.name == "1") }
            #expect(await cache.get(key).value?.name == "1")
            #expect(cache.nearCache.count == 0, "nothing is held without pushes")
            #expect(logs.messages.filter { $0.contains("RESP2") }.count == 1, "\(logs.messages)")
        }
    }

    @Test func anotherProcessesWriteArrivesAsAPush() async throws {
        try await withCache(nearCaching: CacheNearCacheTracking()) { _, cache in
            try await withOtherProcess(of: cache) { other in
                let id = UUID()
                let key = CacheKeys.user(userID: id).near(Self.policy)
                try await cache.set(key, UserDTO(id: id, name: "1", email: "1@x"))
                try await waitForTracking(cache, key)
                #expect(try await cache.getOrSet(key) { nil }?.name == "1")
                #expect(cache.nearCache.count == 1)
                try await other.set(key, UserDTO(id: id, name: "2", email: "2@x"))
                try await waitUntil("the push dropped the local copy") { cache.nearCache.count == 0 }
                #expect(try await cache.getOrSet(key) { nil }?.name == "2")
            }
        }
    }

    @Test func losingTheTrackingConnectionOrAFlushEmptiesTheNearCache() async throws {
        try await withCache(nearCaching: CacheNearCacheTracking()) { server, cache in
            let key = try await holdOneKey(in: cache)
            // CLIENT KILL of the tracking connection (the one in BCAST mode).
            let clients = try await cache.client.routed(by: key.rawValue).raw(["CLIENT", "LIST"]).text()
            // Its last command was CLIENT TRACKING; since then it only receives pushes.
            let tracking = try #require(clients.split(separator: "\n").first { $0.contains("cmd=client|tracking") }, "\(clients)")
            let clientID = try #require(tracking.split(separator: " ").first { $0.hasPrefix("id=") }?.dropFirst(3))
            _ = try await cache.client.routed(by: key.rawValue).raw(["CLIENT", "KILL", "ID", String(clientID)])
            try await waitUntil("emptied, then tracking again") { cache.nearCache.count == 0 && cache.nearCache.isLive }
            _ = try await cache.getOrSet(key) { nil }
            #expect(cache.nearCache.count == 1)
            _ = try await cache.client.routed(by: key.rawValue).raw(["FLUSHALL"])
            try await waitUntil("a flush pushes a null invalidation") { cache.nearCache.count == 0 }
            _ = server
        }
    }

    @Test func aServerThatStopsAnsweringEmptiesTheNearCache() async throws {
        // A stopped (or blackholed) server keeps the tracking connection open and pushes nothing, while another process
        // may change the source of truth and fail to write the cache: the copies must not outlive the checks.
        try await withCache(nearCaching: CacheNearCacheTracking()) { server, cache in
            let key = try await holdOneKey(in: cache)
            server.suspend()
            do {
                // The check interval (250 ms) and its timeout (1 s), not the local TTL (60 s).
                try await waitUntil("the near cache noticed the silent server", timeout: .seconds(20)) { cache.nearCache.count == 0 && !cache.nearCache.isLive }
            } catch {
                server.resume()
                throw error
            }
            server.resume()
            try await waitUntil("tracking is back", timeout: .seconds(30)) { cache.nearCache.isLive }
            try await waitUntil("held again") {
                _ = try await cache.getOrSet(key) { nil }
                return cache.nearCache.count == 1
            }
        }
    }

    @Test func theTrackedNodeIsCheckedAsOftenAsConfigured() async throws {
        // Counted by the server: each check is one PING on the tracking connection, and nothing else here sends PING.
        func pings(_ server: RedisServerProcess) async throws -> Int {
            let stats = try await server.cli(["INFO", "commandstats"])
            guard let line = stats.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("cmdstat_ping:") }) else { return 0 }
            return Int(line.dropFirst("cmdstat_ping:calls=".count).prefix { $0.isNumber }) ?? 0
        }
        // A long interval: not one check while the near cache stays live (a busy machine only delays checks).
        try await withCache(nearCaching: CacheNearCacheTracking(checkInterval: .seconds(600))) { server, cache in
            _ = try await holdOneKey(in: cache)
            let before = try await pings(server)
            try await Task.sleep(for: .seconds(2))
            #expect(try await pings(server) == before, "checks every 600 s, yet some came within 2 s")
            #expect(cache.nearCache.count == 1, "the near cache stays live between checks")
        }
        // A short one: checks keep coming (40 in 2 s at 50 ms on an idle machine; a loaded one takes longer).
        try await withCache(nearCaching: CacheNearCacheTracking(checkInterval: .milliseconds(50))) { server, cache in
            _ = try await holdOneKey(in: cache)
            let before = try await pings(server)
            try await waitUntil("ten checks", timeout: .seconds(60)) { try await pings(server) - before >= 10 }
        }
    }

    @Test func aSmallServerTrackingTableLeavesNoStaleCopy() async throws {
        // BCAST tracking keeps no per-key table on the server, so its limit cannot drop the keys this process holds.
        try await withCache(nearCaching: CacheNearCacheTracking(), arguments: ["--tracking-table-max-keys", "10"]) { _, cache in
            try await withOtherProcess(of: cache) { other in
                let keys = (0..<100).map { _ in CacheKeys.user(userID: UUID()).near(Self.policy) }
                for key in keys { try await cache.set(key, UserDTO(id: UUID(), name: "old", email: "o@x")) }
                try await waitForTracking(cache, keys[0])
                for key in keys { _ = try await cache.getOrSet(key) { nil } }
                #expect(cache.nearCache.count == 100)
                for key in keys { try await other.set(key, UserDTO(id: UUID(), name: "new", email: "n@x")) }
                try await waitUntil("every copy was dropped by its push") { cache.nearCache.count == 0 }
                for key in keys { #expect(try await cache.getOrSet(key) { nil }?.name == "new") }
            }
        }
    }

    @Test func aValueInItsStaleWindowOrAboutToExpireIsNotHeldLocally() {
        let now = ContinuousClock.now
        let freshness = CacheFreshness(staleWindow: .seconds(10))
        #expect(RedisCache.nearExpiry(policy: Self.policy, pttl: 5_000, freshness: freshness, now: now) == nil, "stale: Redis decides")
        #expect(RedisCache.nearExpiry(policy: Self.policy, pttl: 15_000, freshness: freshness, now: now) == now + .seconds(5))
        #expect(RedisCache.nearExpiry(policy: Self.policy, pttl: 600_000, freshness: .none, now: now) == now + .seconds(60))
        #expect(RedisCache.nearExpiry(policy: Self.policy, pttl: -2, freshness: .none, now: now) == nil)
    }
}

/// Waits until the cache's tracking connection is live (it starts on the first near-cached read).
/// Writes a near-cached key and reads it once tracking is live, so that it is held in process memory.
private func holdOneKey(in cache: RedisCache) async throws -> CacheKey<UserDTO> {
    let id = UUID()
    let key = CacheKeys.user(userID: id).near(CacheNearCachePolicy(localTTL: .seconds(60), capacity: 100))
    try await cache.set(key, UserDTO(id: id, name: "1", email: "1@x"))
    try await waitForTracking(cache, key)
    _ = try await cache.getOrSet(key) { nil }
    #expect(cache.nearCache.count == 1)
    return key
}

private func waitForTracking(_ cache: RedisCache, _ key: CacheKey<UserDTO>) async throws {
    _ = cache.nearPolicy(key)
    try await waitUntil("the tracking connection is live") { cache.nearCache.isLive }
}

extension CacheKey {
    /// The same key with a near cache.
    func near(_ policy: CacheNearCachePolicy) -> CacheKey { redeclared(nearCache: policy) }
}
