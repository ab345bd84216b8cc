import Foundation
import Testing

/// Orders: cache-aside on `userOrders` (pages of 20, newest first) and `order`; a new order invalidates the pages.
@Suite("Order routes")
struct OrderRouteTests {
    @Test("a new order invalidates the user's cached pages: the next read is a miss that shows it first")
    func createInvalidatesPages() async throws {
        try await ShopUnderTest.run { shop in
            let user = try await shop.newUser()
            let restaurant = try await shop.seededRestaurant(3)
            let empty = try await shop.http.get("/users/\(user.id)/orders")
            #expect(empty.status == 200 && empty.xCache == "miss", "\(empty)")
            #expect(try (empty.object()["items"] as? [Any])?.isEmpty == true)

            for total in 100..<125 {
                let created = try await shop.http.request(
                    .post, "/users/\(user.id)/orders", json: #"{"restaurant_id": "\#(restaurant)", "total_cents": \#(total)}"#)
                try #require(created.status == 201 && created.xCacheWrite == "ok", "\(created)")
            }
            func totals(_ reply: HTTPReply) throws -> [Int] {
                try (reply.object()["items"] as? [[String: Any]] ?? []).compactMap { $0["total_cents"] as? Int }
            }
            let page1 = try await shop.http.get("/users/\(user.id)/orders?page=1")
            #expect(page1.xCache == "miss", "creating orders must invalidate the cached page: \(page1)")
            #expect(try totals(page1) == Array((105..<125).reversed()), "\(page1)")
            let page1Again = try await shop.http.get("/users/\(user.id)/orders")
            #expect(page1Again.xCache == "hit" && page1Again.body == page1.body, "\(page1Again)")
            let page2 = try await shop.http.get("/users/\(user.id)/orders?page=2")
            #expect(try totals(page2) == Array((100..<105).reversed()), "\(page2)")
            #expect(try totals(try await shop.http.get("/users/\(user.id)/orders?page=3")).isEmpty)

            let newest = try await shop.http.request(.post, "/users/\(user.id)/orders", json: #"{"restaurant_id": "\#(restaurant)", "total_cents": 999}"#)
            let newestID = try #require(try newest.object()["id"] as? String, "\(newest)")
            let changed = try await shop.http.get("/users/\(user.id)/orders")
            #expect(try changed.xCache == "miss" && (totals(changed).first) == 999, "\(changed)")
            #expect(try totals(try await shop.http.get("/users/\(user.id)/orders?page=2")) == Array((100..<106).reversed()))

            let order = try await shop.http.get("/orders/\(newestID)")
            #expect(order.status == 200 && order.xCache == "miss", "\(order)")
            let orderAgain = try await shop.http.get("/orders/\(newestID)")
            #expect(try orderAgain.xCache == "hit" && (orderAgain.object()["total_cents"] as? Int) == 999, "\(orderAgain)")
            #expect(try orderAgain.object()["user_id"] as? String == user.id)
        }
    }

    @Test("an order for an unknown user is 404, for an unknown restaurant 400")
    func unknownOwners() async throws {
        try await ShopUnderTest.run { shop in
            let restaurant = try await shop.seededRestaurant()
            let unknownUser = try await shop.http.request(
                .post, "/users/\(UUID().uuidString.lowercased())/orders", json: #"{"restaurant_id": "\#(restaurant)", "total_cents": 1}"#)
            #expect(unknownUser.status == 404 && unknownUser.errorCode == "not_found", "\(unknownUser)")
            let user = try await shop.newUser()
            let unknownRestaurant = try await shop.http.request(
                .post, "/users/\(user.id)/orders", json: #"{"restaurant_id": "\#(UUID().uuidString.lowercased())", "total_cents": 1}"#)
            #expect(unknownRestaurant.status == 400 && unknownRestaurant.errorCode == "bad_request", "\(unknownRestaurant)")
        }
    }
}
