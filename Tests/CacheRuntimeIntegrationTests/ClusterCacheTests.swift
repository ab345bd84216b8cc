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
}
