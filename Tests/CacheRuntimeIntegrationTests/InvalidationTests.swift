import CacheRuntime
import CacheSchemaRedis
import Foundation
import Testing

@Suite struct IndexedInvalidationTests {
    @Test func invalidationWithAMillionUnrelatedKeysDeletesExactlyTheEntitysKeys() async throws {
        try await withCache { server, cache in
            #expect(try await server.cli(["DEBUG", "POPULATE", "1000000", "shop:other"]) == "OK")
            let id = UUID(), other = UUID()
            for owner in [id, other] {
                try await cache.set(CacheKeys.user(userID: owner), UserDTO(id: owner, name: "n", email: "e"))
                for page in 1...20 {
                    try await cache.set(CacheKeys.userOrders(userID: owner, page: page, as: OrdersPage.self), OrdersPage(page: page, items: []))
                }
                try await cache.set(CacheKeys.restaurant(restaurantID: owner, as: String.self), "r")
            }
            let before = Int(try await server.cli(["DBSIZE"])) ?? 0
            let invalidator = CacheInvalidator(cache)
            #expect(try await server.cli(["CONFIG", "RESETSTAT"]) == "OK")
            let removed = try await cache.invalidateCounting(CacheInvalidations.userOrders(userID: id))
            // Through the index: no command that walks the keyspace ran (asserted on the server's own counters, not
            // on a duration, which a loaded machine can stretch).
            let commands = try await server.cli(["INFO", "commandstats"])
            #expect(!commands.contains("cmdstat_scan:") && !commands.contains("cmdstat_keys:"), "\(commands)")
            #expect(removed == 20)
            try await invalidator.invalidateUser(userID: id)
            let after = Int(try await server.cli(["DBSIZE"])) ?? 0
            // The user key, 20 pages and the two indexes are gone; generation markers stay (bumped), and the user's
            // related pattern, scanned, created the namespace's pattern markers, one per hash slot.
            #expect(before - after == 21 + 2 - 16_384)
            // Scan the keyspace for what is left of this user and of the other one.
            var remaining: [String] = []
            for try await key in try await cache.client.scanPrimaries(match: "shop:*\(CacheKeyEncoding.encode(id))*", count: 10_000, timeout: nil) { remaining.append(String(buffer: key)) }
            let encoded = CacheKeyEncoding.encode(id)
            // The restaurant that happens to share the UUID is another entity: untouched.
            #expect(remaining.sorted() == [
                "shop:restaurant:{\(encoded)}", "shop:~gen:restaurant:{\(encoded)}", "shop:~gen:user:{\(encoded)}",
                "shop:~gen:userOrders:{\(encoded)}", "shop:~idx:restaurant:{\(encoded)}",
            ])
            var others = 0
            for try await _ in try await cache.client.scanPrimaries(match: "shop:*\(CacheKeyEncoding.encode(other))*", count: 10_000, timeout: nil) { others += 1 }
            #expect(others == 1 + 20 + 1 + 6)  // the other owner's 22 keys, 3 indexes and 3 generation markers are untouched
            #expect(try await server.cli(["EXISTS", "shop:other:0", "shop:other:999999"]) == "2")
        }
    }

    @Test func hostileValuesNeverDeleteAnotherEntitysKeys() async throws {
        try await withCache { server, cache in
            let victim = UUID()
            try await cache.set(CacheKeys.user(userID: victim), UserDTO(id: victim, name: "v", email: "v@x"))
            try await cache.set(CacheKeys.userOrders(userID: victim, as: OrdersPage.self), OrdersPage(page: 1, items: []))
            for hostile in ["*", "?", "[a-z]", "\\", "{x}", "%", "a:b", "\n", "", "user:*", String(repeating: "*", count: 100_000)] {
                try await cache.set(CacheKeys.userByEmail(email: hostile, as: String.self), hostile)
                _ = try await cache.deletePattern(CacheGlob("shop:user:email:").hashTag(hostile))
            }
            let invalidation = try CacheKeys.schema.invalidation(entity: "userOrders", identity: ["user_id": UUID().uuidString])
            try await cache.invalidate(invalidation)
            #expect(await cache.get(CacheKeys.user(userID: victim)).value?.name == "v")
            #expect(await cache.get(CacheKeys.userOrders(userID: victim, as: OrdersPage.self)).value?.page == 1)
            #expect(try await server.cli(["KEYS", "shop:user:email:*"]).isEmpty)
        }
    }

    @Test func relatedPatternsWithoutAnIndexFallBackToScan() async throws {
        try await withCache { server, cache in
            let id = UUID()
            // A key written by other code under the user's related pattern: no index knows it.
            let stray = "shop:user:{\(CacheKeyEncoding.encode(id))}:avatar"
            _ = try await server.cli(["SET", stray, "x"])
            try await CacheInvalidator(cache).invalidateUser(userID: id)
            #expect(try await server.cli(["EXISTS", stray]) == "0")
        }
    }
}
