import CacheSchemaLocalRedis
import CacheSchemaRedis
import Foundation
import RedisTestSupport
import Testing

@testable import CacheRuntime

/// The near cache on a real local Redis Cluster: a tracking connection per primary hears writes on every primary,
/// through a slot migration, and a failover (where the old primary's connection stays open but stops hearing
/// writes) empties it and tracks the new primaries.
@Suite(.serialized) struct ClusterNearCacheTests {
    private static let policy = CacheNearCachePolicy(localTTL: .seconds(120), capacity: 100)

    @Test func writesOnEveryPrimaryThroughASlotMoveAndAFailoverReachTheNearCache() async throws {
        try await withClusterCache(nearCaching: CacheNearCacheTracking()) { cluster, client, cache in
            try await withOtherClusterProcess(of: client) { other in
                let topology = try await client.refreshTopology()
                #expect(topology.primaries.count == 3)
                let all = Self.oneKeyPerPrimary(topology)
                func user(_ key: CacheKey<UserDTO>, _ name: String) -> UserDTO { UserDTO(id: UUID(), name: name, email: "\(name)@x") }
                for key in all { try await cache.set(key, user(key, "1")) }
                _ = cache.nearPolicy(all[0])
                try await waitUntil("tracking is on every primary") { cache.nearCache.isLive }

                // Held locally, then dropped by the push of another process's write, whichever primary took it.
                try await holdAll(all, in: cache, named: "1")
                for key in all { try await other.set(key, user(key, "2")) }
                try await waitUntil("every primary's push dropped its key") { cache.nearCache.count == 0 }
                for key in all { #expect(try await cache.getOrSet(key) { nil }?.name == "2") }

                // A slot migrated to another primary: the write lands there, which is tracked too.
                try await holdAll(all, in: cache, named: "2")
                let moved = all[0]
                _ = try await cluster.moveSlot(RedisClusterSlot.of(moved.rawValue))
                try await other.set(moved, user(moved, "3"))
                try await waitUntil("the new owner's push dropped the moved key") { cache.nearCache.count == all.count - 1 }
                #expect(try await cache.getOrSet(moved) { nil }?.name == "3")

                // A failover: the old primary's tracking connection stays open but no longer hears writes of its
                // slots. The near cache must notice, empty itself and track the new primary.
                // A key on each primary again (the move left one primary without any).
                let before = Self.oneKeyPerPrimary(try await client.refreshTopology())
                for key in before { try await cache.set(key, user(key, "1")) }
                try await holdAll(all + before, in: cache, named: nil)
                let promoted = try await cluster.failOver()
                // Noticed by ROLE on the tracking connections (every 250 ms), not left to the demoted node's
                // replication, whose pushes a broken link would hold back.
                try await waitUntil("the failover emptied the near cache") { cache.nearCache.count == 0 }
                let promotedNode = RedisClusterNode(host: "127.0.0.1", port: promoted.port)
                // The nodes agree on the new slot map a moment after the promoted node says it is a primary.
                var shard: RedisClusterShard?
                try await waitUntil("the slot map names the promoted primary") {
                    shard = try await other.clusterClient.refreshTopology().shards.first { $0.primary == promotedNode }
                    return shard != nil
                }
                let failedOver = try #require(shard)
                let victim = try #require(before.first { key in failedOver.slots.contains { $0.contains(RedisClusterSlot.of(key.rawValue)) } })
                try await other.set(victim, user(victim, "4"))
                // Within the check interval (250 ms) and a reconnect, not the local TTL (120 s).
                try await waitUntil("the failed-over key is read fresh", timeout: .seconds(30)) {
                    try await cache.getOrSet(victim) { nil }?.name == "4"
                }
                try await waitUntil("tracking is back on every primary") { cache.nearCache.isLive }
                try await holdAll(all + before, in: cache, named: nil)
                try await other.set(victim, user(victim, "5"))
                try await waitUntil("the new primary's push dropped its key") { cache.nearCache.count == all.count + before.count - 1 }
                #expect(try await cache.getOrSet(victim) { nil }?.name == "5")
            }
        }
    }

    /// A new near-cached key in a slot of each primary of `topology`.
    private static func oneKeyPerPrimary(_ topology: RedisClusterTopology) -> [CacheKey<UserDTO>] {
        var keys: [RedisClusterNode: CacheKey<UserDTO>] = [:]
        while keys.count < topology.primaries.count {
            let key = CacheKeys.user(userID: UUID()).near(policy)
            if let primary = topology.primary(forSlot: RedisClusterSlot.of(key.rawValue)), keys[primary] == nil { keys[primary] = key }
        }
        return Array(keys.values)
    }
}

/// Reads every key until each is held in the near cache (checking its name when given).
private func holdAll(_ keys: [CacheKey<UserDTO>], in cache: RedisCache, named name: String?) async throws {
    try await waitUntil("every key is held locally") {
        for key in keys {
            let value = try await cache.getOrSet(key) { nil }
            if let name { #expect(value?.name == name) }
        }
        return cache.nearCache.count == keys.count
    }
}

/// A second cache on its own cluster client and event loop, as another process would have.
private func withOtherClusterProcess(of client: RedisClusterClient, _ body: (RedisCache) async throws -> Void) async throws {
    let other = try RedisClusterClient(seeds: client.seeds.map(\.description), configuration: client.configuration)
    let cache = RedisCache(client: other, readTimeout: .seconds(30), writeTimeout: .seconds(30))
    do {
        try await body(cache)
    } catch {
        await other.shutdown()
        throw error
    }
    await other.shutdown()
}

extension RedisCache {
    /// The cluster client, in tests that made one.
    fileprivate var clusterClient: RedisClusterClient { client as! RedisClusterClient }
}
