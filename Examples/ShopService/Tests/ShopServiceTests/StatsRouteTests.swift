import Foundation
import Testing

/// `GET /restaurants/{id}/stats`: cache-aside on `restaurantStats` (1 minute) over an aggregate of the restaurant's
/// orders, deleted by every write that changes what it counts or shows.
@Suite("Restaurant stats")
struct StatsRouteTests {
    /// The parts of a stats body the tests read.
    struct Stats: Equatable, CustomStringConvertible {
        struct Customer: Equatable {
            var userID: String
            var name: String
            var orderCount: Int
            var spentCents: Int
        }

        var restaurantID: String
        var orderCount: Int
        var revenueCents: Int
        var topCustomers: [Customer]

        init(_ reply: HTTPReply) throws {
            let object = try reply.object()
            guard let id = object["restaurant_id"] as? String, let count = object["order_count"] as? Int,
                let revenue = object["revenue_cents"] as? Int, let top = object["top_customers"] as? [[String: Any]]
            else { throw ReplyError("not a stats body: \(reply)") }
            restaurantID = id
            orderCount = count
            revenueCents = revenue
            topCustomers = try top.map { customer in
                guard let userID = customer["user_id"] as? String, let name = customer["name"] as? String,
                    let orders = customer["order_count"] as? Int, let spent = customer["spent_cents"] as? Int
                else { throw ReplyError("not a top customer: \(customer)") }
                return Customer(userID: userID, name: name, orderCount: orders, spentCents: spent)
            }
        }

        var description: String { "\(orderCount) orders, \(revenueCents) cents, top \(topCustomers)" }
    }

    private func order(_ shop: ShopUnderTest, user: String, restaurant: String, cents: Int) async throws {
        let created = try await shop.http.request(
            .post, "/users/\(user)/orders", json: #"{"restaurant_id": "\#(restaurant)", "total_cents": \#(cents)}"#)
        try #require(created.status == 201 && created.xCacheWrite == "ok", "\(created)")
    }

    @Test("the seeded history: a miss, then a hit with the same body, under the key's 1m TTL; the aggregate is consistent")
    func missThenHit() async throws {
        try await ShopUnderTest.run { shop in
            let restaurant = try await shop.seededRestaurant(5)
            let first = try await shop.http.get("/restaurants/\(restaurant)/stats")
            #expect(first.status == 200 && first.xCache == "miss", "\(first)")
            let second = try await shop.http.get("/restaurants/\(restaurant)/stats")
            #expect(second.status == 200 && second.xCache == "hit", "\(second)")
            #expect(second.body == first.body)
            let ttl = try #require(Int(try await shop.redis.cli(["TTL", "shop:restaurant:{\(restaurant)}:stats"])))
            #expect((1...60).contains(ttl), "TTL \(ttl)")

            let stats = try Stats(first)
            #expect(stats.restaurantID == restaurant)
            // About 2,500 seeded orders a restaurant, 5 to 99.99 each.
            #expect((1_000...5_000).contains(stats.orderCount), "\(stats)")
            #expect((500 * stats.orderCount...9_999 * stats.orderCount).contains(stats.revenueCents), "\(stats)")
            #expect(stats.topCustomers.count == 5, "\(stats)")
            let spent = stats.topCustomers.map(\.spentCents)
            #expect(spent == spent.sorted(by: >), "ranked by money spent: \(stats)")
            #expect(spent.reduce(0, +) <= stats.revenueCents && stats.topCustomers.allSatisfy { !$0.name.isEmpty })
        }
    }

    @Test("a new order for the restaurant changes its stats on the next read; other restaurants' stay cached")
    func newOrderInvalidates() async throws {
        try await ShopUnderTest.run { shop in
            let restaurant = try await shop.seededRestaurant(7)
            let other = try await shop.seededRestaurant(8)
            let before = try Stats(try await shop.http.get("/restaurants/\(restaurant)/stats"))
            let cached = try await shop.http.get("/restaurants/\(restaurant)/stats")
            #expect(cached.xCache == "hit", "\(cached)")
            _ = try await shop.http.get("/restaurants/\(other)/stats")

            // Orders far above the seed's (at most 99.99 each), so that these three customers lead the ranking, in an
            // order that only a GROUP BY per customer and an ORDER BY on the sums give: 60.00M, 50.00M, then 30.00M.
            let (a, b, c) = (try await shop.newUser(name: "Big A"), try await shop.newUser(name: "Big B"), try await shop.newUser(name: "Big C"))
            try await order(shop, user: a.id, restaurant: restaurant, cents: 30_000_000)
            try await order(shop, user: b.id, restaurant: restaurant, cents: 50_000_000)
            for _ in 0..<3 { try await order(shop, user: c.id, restaurant: restaurant, cents: 10_000_000) }
            try await order(shop, user: a.id, restaurant: restaurant, cents: 30_000_000)

            let reply = try await shop.http.get("/restaurants/\(restaurant)/stats")
            #expect(reply.xCache == "miss", "a new order must delete the cached stats: \(reply)")
            let after = try Stats(reply)
            #expect(after.orderCount == before.orderCount + 6, "stale read: \(after)")
            #expect(after.revenueCents == before.revenueCents + 140_000_000, "stale read: \(after)")
            #expect(Array(after.topCustomers.prefix(3)) == [
                .init(userID: a.id, name: "Big A", orderCount: 2, spentCents: 60_000_000),
                .init(userID: b.id, name: "Big B", orderCount: 1, spentCents: 50_000_000),
                .init(userID: c.id, name: "Big C", orderCount: 3, spentCents: 30_000_000),
            ], "\(after)")
            #expect(Array(after.topCustomers.suffix(2)) == Array(before.topCustomers.prefix(2)), "\(after)")
            let again = try await shop.http.get("/restaurants/\(restaurant)/stats")
            #expect(again.xCache == "hit" && again.body == reply.body, "\(again)")
            #expect(try await shop.http.get("/restaurants/\(other)/stats").xCache == "hit", "only the ordered-at restaurant's stats go")
        }
    }

    @Test("renaming a top customer or deleting them changes the stats on the next read")
    func renameAndDeleteInvalidate() async throws {
        try await ShopUnderTest.run { shop in
            let restaurant = try await shop.seededRestaurant(9)
            let before = try Stats(try await shop.http.get("/restaurants/\(restaurant)/stats"))
            let user = try await shop.newUser(name: "Old Name")
            try await order(shop, user: user.id, restaurant: restaurant, cents: 100_000_000)
            #expect(try Stats(try await shop.http.get("/restaurants/\(restaurant)/stats")).topCustomers.first?.name == "Old Name")
            let cached = try await shop.http.get("/restaurants/\(restaurant)/stats")
            #expect(cached.xCache == "hit", "\(cached)")

            let renamed = try await shop.http.request(.put, "/users/\(user.id)", json: #"{"name": "New Name"}"#)
            #expect(renamed.status == 200 && renamed.xCacheWrite == "ok", "\(renamed)")
            let afterRename = try await shop.http.get("/restaurants/\(restaurant)/stats")
            #expect(afterRename.xCache == "miss", "\(afterRename)")
            #expect(try Stats(afterRename).topCustomers.first?.name == "New Name", "stale name: \(afterRename)")

            let deleted = try await shop.http.request(.delete, "/users/\(user.id)")
            #expect(deleted.status == 204 && deleted.xCacheWrite == "ok", "\(deleted)")
            let afterDelete = try await shop.http.get("/restaurants/\(restaurant)/stats")
            #expect(afterDelete.xCache == "miss", "\(afterDelete)")
            #expect(try Stats(afterDelete) == before, "the deleted user's order no longer counts: \(afterDelete)")
        }
    }

    @Test("an unknown restaurant is 404 (with X-Cache, not cached), a malformed id 400")
    func unknownAndMalformed() async throws {
        try await ShopUnderTest.run { shop in
            let unknown = UUID().uuidString.lowercased()
            let missing = try await shop.http.get("/restaurants/\(unknown)/stats")
            #expect(missing.status == 404 && missing.errorCode == "not_found" && missing.xCache == "miss", "\(missing)")
            #expect(try await shop.http.get("/restaurants/\(unknown)/stats").xCache == "miss", "a missing row is not cached")
            #expect(try await shop.redis.cli(["EXISTS", "shop:restaurant:{\(unknown)}:stats"]) == "0")
            for path in ["/restaurants/not-a-uuid/stats", "/restaurants/12345/stats", "/restaurants/%ZZ/stats"] {
                let bad = try await shop.http.get(path)
                #expect(bad.status == 400 && bad.errorCode == "bad_request", "\(path): \(bad)")
            }
        }
    }
}
