import CacheRuntime
import CacheSchemaMessagePack
import CacheSchemaRedis
import Foundation
import Testing

/// The MessagePack codec through a real Redis: hits, and a switch of codec reads as a miss that is overwritten.
@Suite struct MessagePackCacheTests {
    @Test func aCacheOnMessagePackStoresReadsAndTreatsJSONValuesAsMisses() async throws {
        try await withCache { _, json in
            let packed = RedisCache(client: json.client, codec: MessagePackCacheCodec(), readTimeout: .seconds(10), writeTimeout: .seconds(10), nearCaching: nil)
            let id = UUID()
            let key = CacheKeys.user(userID: id)
            let user = UserDTO(id: id, name: "Ada", email: "ada@x")
            // Written by a deploy that still used JSON: a miss for the MessagePack reader, then overwritten.
            try await json.set(key, user)
            let first = try await packed.getOrSetReporting(key) { user }
            #expect(first.source == .miss)
            #expect(first.value == user)
            let second = try await packed.getOrSetReporting(key) { nil }
            #expect(second.source == .hit)
            #expect(second.value == user)
            // And the other way round.
            #expect(await json.get(key).value == nil)
            let page = CacheKeys.userOrders(userID: id, page: 1, as: OrdersPage.self)
            try await packed.set(page, OrdersPage(page: 1, items: ["a", "b"]))
            #expect(await packed.get(page).value == OrdersPage(page: 1, items: ["a", "b"]))
        }
    }
}
