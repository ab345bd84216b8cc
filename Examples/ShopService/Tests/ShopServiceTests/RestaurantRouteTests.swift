import Testing

/// Restaurants: cache-aside on `restaurant` and `restaurantMenu`; write-through of a new menu.
@Suite("Restaurant routes")
struct RestaurantRouteTests {
    @Test("GET /restaurants/{id} and /menu are cache-aside; PUT /menu writes through, so the next read is a hit with the new items")
    func menuWriteThrough() async throws {
        try await ShopUnderTest.run { shop in
            let restaurant = try await shop.seededRestaurant(2)
            let details = try await shop.http.get("/restaurants/\(restaurant)")
            #expect(details.status == 200 && details.xCache == "miss", "\(details)")
            #expect(try details.object()["id"] as? String == restaurant)
            #expect(try await shop.http.get("/restaurants/\(restaurant)").xCache == "hit")
            let before = try await shop.http.get("/restaurants/\(restaurant)/menu")
            #expect(before.status == 200 && before.xCache == "miss", "\(before)")
            #expect(try (before.object()["items"] as? [Any])?.isEmpty == false)

            let put = try await shop.http.request(
                .put, "/restaurants/\(restaurant)/menu", json: #"{"items": [{"name": "Soup", "price_cents": 450}, {"name": "Bread", "price_cents": 0}]}"#)
            #expect(put.status == 200 && put.xCacheWrite == "ok", "\(put)")
            let after = try await shop.http.get("/restaurants/\(restaurant)/menu")
            #expect(after.xCache == "hit", "\(after)")
            let items = try #require(try after.object()["items"] as? [[String: Any]])
            #expect(items.map { $0["name"] as? String } == ["Soup", "Bread"])
            #expect(items.map { $0["price_cents"] as? Int } == [450, 0])
            #expect(try after.object()["restaurant_id"] as? String == restaurant)
        }
    }
}
