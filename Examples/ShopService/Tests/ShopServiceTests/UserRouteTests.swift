import Foundation
import Testing

/// `/users`: cache-aside on `user` and `userByEmail`, write-through on update, invalidation on delete.
@Suite("User routes")
struct UserRouteTests {
    @Test("POST /users stores the user; the first read is a miss, the next a hit with the same body, under the schema's TTL")
    func createThenReadMissThenHit() async throws {
        try await ShopUnderTest.run { shop in
            let created = try await shop.http.request(.post, "/users", json: #"{"name": "Ada", "email": "Ada.Test@Example.org"}"#)
            try #require(created.status == 201, "\(created)")
            let id = try #require(try created.object()["id"] as? String)
            #expect(UUID(uuidString: id) != nil && id == id.lowercased(), "\(id)")
            #expect(try created.object()["email"] as? String == "ada.test@example.org")

            let first = try await shop.http.get("/users/\(id)")
            #expect(first.status == 200 && first.xCache == "miss", "\(first)")
            let second = try await shop.http.get("/users/\(id)")
            #expect(second.status == 200 && second.xCache == "hit", "\(second)")
            #expect(second.body == first.body)
            // The schema's `user: 5m`, on the concrete key in Redis itself.
            let ttl = try #require(Int(try await shop.redis.cli(["TTL", "shop:user:{\(id)}"])))
            #expect((1...300).contains(ttl), "TTL \(ttl)")

            let duplicate = try await shop.http.request(.post, "/users", json: #"{"name": "Other", "email": "ada.test@example.org"}"#)
            #expect(duplicate.status == 409 && duplicate.errorCode == "conflict", "\(duplicate)")
        }
    }

    @Test("GET /users/by-email/{email} is cache-aside on userByEmail, in lower case; an unknown e-mail is 404")
    func byEmail() async throws {
        try await ShopUnderTest.run { shop in
            let user = try await shop.newUser()
            let first = try await shop.http.get("/users/by-email/\(user.email)")
            #expect(first.status == 200 && first.xCache == "miss", "\(first)")
            #expect(try first.object()["id"] as? String == user.id)
            let second = try await shop.http.get("/users/by-email/\(user.email.uppercased())")
            #expect(second.status == 200 && second.xCache == "hit", "\(second)")
            #expect(try await shop.redis.cli(["EXISTS", "shop:user:email:{\(user.email)}"]) == "1")
            let unknown = try await shop.http.get("/users/by-email/nobody-\(UUID().uuidString.prefix(6))@example.org")
            #expect(unknown.status == 404 && unknown.errorCode == "not_found", "\(unknown)")
        }
    }

    @Test("PUT /users/{id} writes through: the next read is a hit with the new values; the old e-mail is gone")
    func updateWritesThrough() async throws {
        try await ShopUnderTest.run { shop in
            let user = try await shop.newUser()
            _ = try await shop.http.get("/users/\(user.id)")
            _ = try await shop.http.get("/users/by-email/\(user.email)")
            let newEmail = "renamed.\(UUID().uuidString.prefix(8).lowercased())@example.org"

            let updated = try await shop.http.request(.put, "/users/\(user.id)", json: #"{"name": "Renamed", "email": "\#(newEmail)"}"#)
            #expect(updated.status == 200 && updated.xCacheWrite == "ok", "\(updated)")
            let read = try await shop.http.get("/users/\(user.id)")
            #expect(read.xCache == "hit", "written through: \(read)")
            #expect(try read.object()["name"] as? String == "Renamed", "stale read: \(read)")
            #expect(try read.object()["email"] as? String == newEmail, "stale read: \(read)")

            let old = try await shop.http.get("/users/by-email/\(user.email)")
            #expect(old.status == 404, "the old e-mail must be gone: \(old)")
            #expect(try await shop.redis.cli(["EXISTS", "shop:user:email:{\(user.email)}"]) == "0")
            let new = try await shop.http.get("/users/by-email/\(newEmail)")
            #expect(try new.status == 200 && (new.object()["id"] as? String) == user.id, "\(new)")
        }
    }

    @Test("DELETE /users/{id} invalidates every key that held the user: by id, by e-mail, order pages, orders")
    func deleteInvalidatesRelatedKeys() async throws {
        try await ShopUnderTest.run { shop in
            let user = try await shop.newUser()
            let restaurant = try await shop.seededRestaurant()
            let order = try await shop.http.request(.post, "/users/\(user.id)/orders", json: #"{"restaurant_id": "\#(restaurant)", "total_cents": 500}"#)
            let orderID = try #require(try order.object()["id"] as? String, "\(order)")
            let paths = ["/users/\(user.id)", "/users/by-email/\(user.email)", "/users/\(user.id)/orders", "/orders/\(orderID)"]
            for path in paths {
                _ = try await shop.http.get(path)
                let cached = try await shop.http.get(path)
                #expect(cached.status == 200 && cached.xCache == "hit", "\(path) before DELETE: \(cached)")
            }

            let deleted = try await shop.http.request(.delete, "/users/\(user.id)")
            #expect(deleted.status == 204 && deleted.xCacheWrite == "ok", "\(deleted)")
            #expect(try await shop.redis.cli(["EXISTS", "shop:user:{\(user.id)}"]) == "0")
            for path in paths {
                let reply = try await shop.http.get(path)
                #expect(reply.status == 404, "after DELETE, \(path): \(reply)")
            }
            let again = try await shop.http.request(.delete, "/users/\(user.id)")
            #expect(again.status == 404)
        }
    }

    @Test("GET /users?limit=N lists the seed from SQLite, uncached")
    func listIsNotCached() async throws {
        try await ShopUnderTest.run { shop in
            let users = try await shop.http.get("/users?limit=1000")
            #expect(users.status == 200 && users.xCache == nil, "\(users)")
            #expect(try users.array().count == 1000)
            #expect(try users.array().first?["email"] as? String == "user1@shop.example")
            let restaurants = try await shop.http.get("/restaurants?limit=1000")
            #expect(try restaurants.array().count == 40)
        }
    }
}
