import CacheRuntime
import CacheSchemaRedis
import Foundation
import RedisTestSupport
import Testing

/// The cache on a real local Redis Cluster: every key carries its instance's hash tag, so an instance's keys, index
/// and markers share a slot and each script runs on one node.
@Suite(.serialized) struct ClusterCacheTests {
    @Test func cacheAsideSingleFlightWriteThroughAndInvalidationRunOnACluster() async throws {
        try await withClusterCache { cluster, client, cache in
            // Filler keys in every slot, so that an invalidation that walked the keyspace would show.
            let filler = (0..<100_000).map { "other:\($0)" }
            // Batches of 1,000: a first batch of 10,000 on a just-started cluster timed out whole in some runs (not yet
            // explained; see the closing note of issue 15), which is not what this test is about.
            for start in stride(from: 0, to: filler.count, by: 1_000) {
                let part = filler[start..<start + 1_000].map { (command: RedisCommand("SET", $0, "x"), key: $0) }
                let results = try await client.batch(part, timeout: nil)
                let failed = results.filter { (try? $0.get()) != .simpleString("OK") }
                #expect(failed.isEmpty, "\(failed.count) of \(part.count) filler SETs failed, first: \(failed.first.map { "\($0)" } ?? "")")
            }

            let id = UUID()
            let loads = Counter()
            let user = UserDTO(id: id, name: "Ada", email: "ada@example.com")
            // Twenty callers of one missing key: one load, everyone gets its value; then a hit.
            try await withThrowingTaskGroup(of: UserDTO?.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await cache.getOrSet(CacheKeys.user(userID: id)) {
                            await loads.increment()
                            try await Task.sleep(for: .milliseconds(200))
                            return user
                        }
                    }
                }
                for try await value in group { #expect(value == user) }
            }
            #expect(await loads.value == 1)
            #expect(try await cache.getOrSetReporting(CacheKeys.user(userID: id)) { user }.source == .hit)

            let renamed = UserDTO(id: id, name: "Ada L.", email: "ada@example.com")
            _ = try await cache.writeThrough(CacheKeys.user(userID: id)) { renamed }
            #expect(await cache.get(CacheKeys.user(userID: id)).value == renamed)

            for page in 1...20 {
                try await cache.set(CacheKeys.userOrders(userID: id, page: page, as: OrdersPage.self), OrdersPage(page: page, items: []))
            }
            for node in cluster.nodes { _ = try? await node.cli(["CONFIG", "RESETSTAT"]) }
            #expect(try await cache.invalidateCounting(CacheInvalidations.userOrders(userID: id)) == 20)
            for node in cluster.nodes {
                let commands = try await node.cli(["INFO", "commandstats"])
                #expect(!commands.contains("cmdstat_scan:"), "an indexed invalidation walked the keyspace of \(node.port)")
            }
            try await CacheInvalidator(cache).invalidateUser(userID: id)
            #expect(await cache.get(CacheKeys.user(userID: id)).value == nil)
            for page in 1...20 { #expect(await cache.get(CacheKeys.userOrders(userID: id, page: page, as: OrdersPage.self)).value == nil) }
            #expect(try await client.mget(Array(filler.prefix(100)), timeout: nil).allSatisfy { $0 != nil }, "other keys are untouched")
        }
    }

    @Test func aFillThatRacedAWriteOrAnInvalidationStoresNothingOnACluster() async throws {
        try await withClusterCache { _, _, cache in
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let fresh = UserDTO(id: id, name: "fresh", email: "f@x")
            // An invalidation between the fill's snapshot and its store: the key stays empty.
            let first = try await StaleFillTests.race(cache, key, stale: UserDTO(id: id, name: "stale", email: "s@x")) {
                try await CacheInvalidator(cache).invalidateUser(userID: id)
            }
            #expect(try await first.value?.name == "stale")
            #expect(await cache.get(key).value == nil)
            // A write-through between them: the fill's older value is refused, the written one stays. (The key must
            // be absent when a race starts, or the fill is a hit and its loader never runs.)
            let second = try await StaleFillTests.race(cache, key, stale: UserDTO(id: id, name: "stale", email: "s@x")) {
                _ = try await cache.writeThrough(key) { fresh }
            }
            _ = try await second.value
            #expect(await cache.get(key).value == fresh)
        }
    }

    @Test func keysOwnedAcrossSlotsAreInvalidatedSlotBySlotOnACluster() async throws {
        try await withClusterCache { _, _, cache in
            try await ForeignOwnerTests.exercise(cache, slotsDiffer: true)
        }
    }

    /// A primary killed: reads of its slots bypass (answered by the loader, never an error, never a hang) while the
    /// slots have no primary, and hit again once its replica is promoted, with the value it had replicated.
    @Test func aKilledPrimaryCostsBypassesUntilItsReplicaIsPromotedThenHits() async throws {
        try await withClusterCache { cluster, client, _ in
            let cache = RedisCache(client: client, readTimeout: .seconds(1), writeTimeout: .seconds(2), nearCaching: nil)
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let user = UserDTO(id: id, name: "Ada", email: "ada@example.com")
            try await cache.set(key, user)
            let topology = try await client.refreshTopology()
            let owner = try #require(topology.primary(forSlot: RedisClusterSlot.of(key.rawValue)))
            let primary = try #require(cluster.nodes.first { $0.port == owner.port })
            // The replica has the value before the primary dies (WAIT: replication is asynchronous).
            _ = try await client.send(RedisCommand("WAIT", "1", "5000"), routedBy: key.rawValue, idempotent: true, timeout: .seconds(10))
            await primary.kill()

            let clock = ContinuousClock()
            let start = clock.now
            var bypasses = 0
            var longest = Duration.zero
            var hitAgain: Duration?
            while clock.now - start < .seconds(60) {
                let attempt = clock.now
                let result = try await cache.getOrSetReporting(key) { user }
                longest = max(longest, clock.now - attempt)
                #expect(result.value == user)
                if result.source == .hit, bypasses > 0 {
                    hitAgain = clock.now - start
                    break
                }
                if result.source == .bypass { bypasses += 1 }
                try await Task.sleep(for: .milliseconds(100))
            }
            let recovered = try #require(hitAgain, "no hit within 60 s of the kill (\(bypasses) bypasses)")
            #expect(bypasses > 0)
            #expect(longest < .seconds(10), "a read while the primary is down must fail open within its deadline, not hang (longest \(longest))")
            print("primary killed under the cache: \(bypasses) bypasses (longest read \(longest)), hits again \(recovered) after the kill")
        }
    }

    /// A write-through that fails on the key's node (its writes paused past the write deadline) is repaired once the
    /// node takes writes again, and the old value is not read meanwhile.
    @Test func aWriteThroughThatFailedOnItsNodeIsRepairedOnACluster() async throws {
        try await withClusterCache { cluster, client, _ in
            let cache = RedisCache(client: client, readTimeout: .seconds(30), writeTimeout: .milliseconds(500), nearCaching: nil)
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let old = UserDTO(id: id, name: "old", email: "o@x"), new = UserDTO(id: id, name: "new", email: "n@x")
            try await cache.set(key, old)
            let owner = try #require(try await client.refreshTopology().primary(forSlot: RedisClusterSlot.of(key.rawValue)))
            let primary = try #require(cluster.nodes.first { $0.port == owner.port })
            #expect(try await primary.cli(["CLIENT", "PAUSE", "20000", "WRITE"]) == "OK")
            await #expect(throws: CacheWriteThroughError<UserDTO>.self) { _ = try await cache.writeThrough(key) { new } }
            #expect(cache.pendingRepairCount == 1)
            guard case .missWithError(let error) = await cache.get(key) else {
                Issue.record("a key with a pending repair was read from the cache")
                return
            }
            #expect(error.kind == .repairPending)
            #expect(try await primary.cli(["CLIENT", "UNPAUSE"]) == "OK")
            try await waitUntil("the repair is done", timeout: .seconds(60)) { cache.pendingRepairCount == 0 }
            #expect(await cache.get(key).value == nil, "the repair deleted the old value")
            #expect(try await cache.getOrSetReporting(key) { new }.source == .miss)
            #expect(await cache.get(key).value == new)
        }
    }

    /// Repairs on a healthy primary do not wait behind repairs on a primary that still refuses writes: the keys
    /// whose writes failed on the healthy one are deleted (other processes stop reading their old values) while the
    /// other node stays paused.
    @Test func aNodeThatRefusesWritesDoesNotHoldUpRepairsOnTheOthers() async throws {
        try await withClusterCache { cluster, client, _ in
            let cache = RedisCache(client: client, readTimeout: .seconds(30), writeTimeout: .milliseconds(500), nearCaching: nil)
            let topology = try await client.refreshTopology()
            func primary(of key: String) throws -> LocalRedisServer {
                let owner = try #require(topology.primary(forSlot: RedisClusterSlot.of(key)))
                return try #require(cluster.nodes.first { $0.port == owner.port })
            }
            let stuckID = UUID()
            let stuckKey = CacheKeys.user(userID: stuckID)
            var candidate = UUID()
            while try primary(of: CacheKeys.user(userID: candidate).rawValue).port == primary(of: stuckKey.rawValue).port { candidate = UUID() }
            let healthyID = candidate
            let healthyKey = CacheKeys.user(userID: healthyID)
            let stuck = try primary(of: stuckKey.rawValue), healthy = try primary(of: healthyKey.rawValue)
            let oldHealthy = UserDTO(id: healthyID, name: "old", email: "o@x")
            try await cache.set(healthyKey, oldHealthy)

            // The older repair is on the node that stays paused; the newer one on a node that comes back.
            #expect(try await stuck.cli(["CLIENT", "PAUSE", "60000", "WRITE"]) == "OK")
            await #expect(throws: CacheWriteThroughError<UserDTO>.self) { _ = try await cache.writeThrough(stuckKey) { UserDTO(id: stuckID, name: "new", email: "n@x") } }
            #expect(try await healthy.cli(["CLIENT", "PAUSE", "60000", "WRITE"]) == "OK")
            await #expect(throws: CacheWriteThroughError<UserDTO>.self) { _ = try await cache.writeThrough(healthyKey) { UserDTO(id: healthyID, name: "new", email: "n@x") } }
            #expect(cache.pendingRepairCount == 2)
            #expect(try await healthy.cli(["CLIENT", "UNPAUSE"]) == "OK")

            // Well inside the other node's pause: before, this repair waited for it (the loop stopped at the first
            // failure, oldest first).
            try await waitUntil("the healthy node's repair is done", timeout: .seconds(30)) { cache.pendingRepairCount == 1 }
            let raw = try await client.routed(by: healthyKey.rawValue).get(healthyKey.rawValue)
            #expect(raw == nil, "the old value is gone from Redis, where other processes read it")
            #expect(try await stuck.cli(["CLIENT", "UNPAUSE"]) == "OK")
            try await waitUntil("the paused node's repair is done", timeout: .seconds(60)) { cache.pendingRepairCount == 0 }
        }
    }
}
