import Foundation
import RedisTestSupport
import Testing

/// The example service (`Examples/ShopService`) end to end: the test builds it as a newcomer would, runs it as a
/// separate process against a private `redis-server`, and checks over real HTTP and in Redis itself what SPEC §7
/// promises: cache-aside hits and misses, the schema's TTL on the concrete key, write-through without stale reads,
/// the `userByEmail` key the application must delete by hand, invalidation of order pages, 404s and 400s, fail-open
/// with `X-Cache: bypass` while Redis is down, hits again once it is back, and the Prometheus metrics.
///
/// The first build of the example (Hummingbird, SQLite, swift-nio-ssl) takes several minutes on two cores; later
/// runs reuse `Examples/ShopService/.build` and are incremental. Skip with `CACHE_SCHEMA_SKIP_EXAMPLE_E2E=1`.
@Suite("ShopService end to end", .serialized)
struct ShopServiceEndToEndTests {
    static let skipped = ProcessInfo.processInfo.environment["CACHE_SCHEMA_SKIP_EXAMPLE_E2E"] == "1"

    @Test(
        "the example service caches, writes through, invalidates, fails open and reports metrics over real HTTP",
        .enabled(if: !skipped, "CACHE_SCHEMA_SKIP_EXAMPLE_E2E=1"),
        .timeLimit(.minutes(60))
    )
    func endToEnd() async throws {
        let clock = ContinuousClock()
        let build = try await ExamplePackage.build()
        print("shop e2e: building the example took \(String(format: "%.1f", build.seconds)) s")

        let redis = try await RedisServerProcess.start()
        let service: ShopServiceProcess
        do {
            service = try await ShopServiceProcess.start(executable: build.executable, redisURL: redis.url)
        } catch {
            await redis.stop()
            throw error
        }
        let start = clock.now
        do {
            try await Scenario(redis: redis, http: service.http).run()
        } catch {
            Issue.record("the service's log:\n\(service.output().suffix(6000))")
            await service.kill()
            await redis.stop()
            throw error
        }
        await service.kill()
        await redis.stop()
        print("shop e2e: the HTTP scenario took \(clock.now - start)")
    }
}

/// The steps, in order; each states what it checks.
struct Scenario {
    let redis: RedisServerProcess
    let http: LoopbackHTTPClient

    func run() async throws {
        try await seededData()
        let user = try await createAndReadUser()
        try await ttlInRedis(user)
        let email = try await readByEmail(user)
        let updated = try await updateUser(user, oldEmail: email)
        let (orderID, restaurantID) = try await orderPages(user)
        try await menuWriteThrough(restaurantID)
        try await malformedInput(user)
        try await deleteUser(updated, orderID: orderID)
        try await redisOutage(restaurantID: restaurantID)
        try await metrics()
    }

    /// The deterministic seed: 2,000 users, 40 restaurants; `/health` says both stores are up.
    func seededData() async throws {
        let health = try await http.get("/health")
        #expect(health.status == 200, "\(health)")
        #expect(try health.object()["status"] as? String == "ok", "\(health)")
        let users = try await http.get("/users?limit=1000")
        #expect(users.status == 200)
        #expect(try users.array().count == 1000)
        #expect(try users.array().first?["email"] as? String == "user1@shop.example")
        let restaurants = try await http.get("/restaurants?limit=1000")
        #expect(try restaurants.array().count == 40)
        #expect(users.xCache == nil, "lists are not cached")
    }

    /// `POST /users` (201, a UUID, the e-mail in lower case), then `GET /users/{id}` twice: miss, then hit, same body.
    func createAndReadUser() async throws -> String {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let created = try await http.request("POST", "/users", json: #"{"name": "E2E Tester", "email": "E2E.\#(suffix)@Example.org"}"#)
        try #require(created.status == 201, "\(created)")
        let body = try created.object()
        let id = try #require(body["id"] as? String)
        #expect(UUID(uuidString: id) != nil && id == id.lowercased(), "\(id)")
        #expect(body["email"] as? String == "e2e.\(suffix)@example.org")
        #expect(body["name"] as? String == "E2E Tester")

        let duplicate = try await http.request("POST", "/users", json: #"{"name": "Other", "email": "e2e.\#(suffix)@example.org"}"#)
        #expect(duplicate.status == 409, "\(duplicate)")

        let first = try await http.get("/users/\(id)")
        #expect(first.status == 200, "\(first)")
        #expect(first.xCache == "miss", "\(first)")
        let second = try await http.get("/users/\(id)")
        #expect(second.status == 200)
        #expect(second.xCache == "hit", "\(second)")
        #expect(second.body == first.body)
        #expect(try second.object()["email"] as? String == "e2e.\(suffix)@example.org")
        return id
    }

    /// Redis itself holds `shop:user:<uuid>` with the schema's TTL (`user: 5m`).
    func ttlInRedis(_ id: String) async throws {
        #expect(try await redis.cli(["EXISTS", "shop:user:\(id)"]) == "1")
        let ttl = try #require(Int(try await redis.cli(["TTL", "shop:user:\(id)"])))
        #expect(ttl <= 300 && ttl > 290, "TTL \(ttl)")
    }

    /// `GET /users/by-email/{email}`: miss, then hit (in any letter case), stored under `shop:user:email:<email>`.
    func readByEmail(_ id: String) async throws -> String {
        let user = try await http.get("/users/\(id)").object()
        let email = try #require(user["email"] as? String)
        let first = try await http.get("/users/by-email/\(email)")
        #expect(first.status == 200, "\(first)")
        #expect(first.xCache == "miss", "\(first)")
        #expect(try first.object()["id"] as? String == id)
        let second = try await http.get("/users/by-email/\(email.uppercased())")
        #expect(second.status == 200, "\(second)")
        #expect(second.xCache == "hit", "\(second)")
        #expect(try await redis.cli(["EXISTS", "shop:user:email:\(email)"]) == "1")
        let unknown = try await http.get("/users/by-email/nobody-\(UUID().uuidString.prefix(6))@example.org")
        #expect(unknown.status == 404, "\(unknown)")
        return email
    }

    /// `PUT /users/{id}`: the next read is the new value at once (a hit: written through); the old e-mail is 404 and
    /// its key is gone from Redis; the new e-mail is found.
    func updateUser(_ id: String, oldEmail: String) async throws -> (id: String, email: String) {
        let newEmail = "e2e.new.\(UUID().uuidString.prefix(8).lowercased())@example.org"
        let updated = try await http.request("PUT", "/users/\(id)", json: #"{"name": "E2E Renamed", "email": "\#(newEmail)"}"#)
        #expect(updated.status == 200, "\(updated)")
        #expect(updated.headers["x-cache-write"] == "ok", "\(updated)")
        #expect(try updated.object()["name"] as? String == "E2E Renamed")

        let read = try await http.get("/users/\(id)")
        #expect(read.status == 200)
        #expect(read.xCache == "hit", "write-through should have stored the new user: \(read)")
        #expect(try read.object()["name"] as? String == "E2E Renamed", "stale read: \(read)")
        #expect(try read.object()["email"] as? String == newEmail, "stale read: \(read)")

        let old = try await http.get("/users/by-email/\(oldEmail)")
        #expect(old.status == 404, "the old e-mail must be gone: \(old)")
        #expect(try await redis.cli(["EXISTS", "shop:user:email:\(oldEmail)"]) == "0")
        let new = try await http.get("/users/by-email/\(newEmail)")
        #expect(new.status == 200, "\(new)")
        #expect(try new.object()["id"] as? String == id)
        #expect(try new.object()["name"] as? String == "E2E Renamed")
        return (id, newEmail)
    }

    /// Orders: pages of 20, newest first; a new order invalidates the cached pages (a miss that shows it first).
    func orderPages(_ id: String) async throws -> (orderID: String, restaurantID: String) {
        let restaurant = try #require(try await http.get("/restaurants?limit=3").array().last?["id"] as? String)
        let empty = try await http.get("/users/\(id)/orders")
        #expect(empty.status == 200, "\(empty)")
        #expect(empty.xCache == "miss")
        #expect(try empty.object()["page"] as? Int == 1)
        #expect(try (empty.object()["items"] as? [Any])?.isEmpty == true)

        var orderID = ""
        for total in 100..<125 {
            let created = try await http.request("POST", "/users/\(id)/orders", json: #"{"restaurant_id": "\#(restaurant)", "total_cents": \#(total)}"#)
            try #require(created.status == 201, "\(created)")
            let order = try created.object()
            #expect(order["user_id"] as? String == id)
            #expect(order["restaurant_id"] as? String == restaurant)
            #expect(order["created_at"] is String)
            orderID = try #require(order["id"] as? String)
        }

        func totals(_ reply: HTTPReply) throws -> [Int] {
            try (reply.object()["items"] as? [[String: Any]] ?? []).compactMap { $0["total_cents"] as? Int }
        }
        let page1 = try await http.get("/users/\(id)/orders?page=1")
        #expect(page1.xCache == "miss", "creating orders must invalidate the cached page: \(page1)")
        #expect(try totals(page1) == Array((105..<125).reversed()), "\(page1)")
        let page1Again = try await http.get("/users/\(id)/orders")
        #expect(page1Again.xCache == "hit", "\(page1Again)")
        #expect(page1Again.body == page1.body)
        let page2 = try await http.get("/users/\(id)/orders?page=2")
        #expect(try totals(page2) == Array((100..<105).reversed()), "\(page2)")
        #expect(try page2.object()["page"] as? Int == 2)
        let page3 = try await http.get("/users/\(id)/orders?page=3")
        #expect(try totals(page3).isEmpty)

        let newest = try await http.request("POST", "/users/\(id)/orders", json: #"{"restaurant_id": "\#(restaurant)", "total_cents": 999}"#)
        #expect(newest.status == 201)
        let changed = try await http.get("/users/\(id)/orders")
        #expect(changed.xCache == "miss", "\(changed)")
        #expect(try totals(changed).first == 999, "\(changed)")
        #expect(try totals(changed).count == 20)
        let changed2 = try await http.get("/users/\(id)/orders?page=2")
        #expect(try totals(changed2) == Array((100..<106).reversed()), "\(changed2)")

        let order = try await http.get("/orders/\(orderID)")
        #expect(order.status == 200 && order.xCache == "miss", "\(order)")
        let orderAgain = try await http.get("/orders/\(orderID)")
        #expect(orderAgain.xCache == "hit")
        #expect(try orderAgain.object()["total_cents"] as? Int == 124)
        return (orderID, restaurant)
    }

    /// `PUT /restaurants/{id}/menu` writes through: the next read is a hit with the new items.
    func menuWriteThrough(_ restaurant: String) async throws {
        let before = try await http.get("/restaurants/\(restaurant)/menu")
        #expect(before.status == 200, "\(before)")
        #expect(try (before.object()["items"] as? [Any])?.isEmpty == false)
        let details = try await http.get("/restaurants/\(restaurant)")
        #expect(details.status == 200 && details.xCache == "miss", "\(details)")
        #expect(try details.object()["id"] as? String == restaurant)

        let put = try await http.request("PUT", "/restaurants/\(restaurant)/menu", json: #"{"items": [{"name": "Soup", "price_cents": 450}, {"name": "Bread", "price_cents": 0}]}"#)
        #expect(put.status == 200, "\(put)")
        let after = try await http.get("/restaurants/\(restaurant)/menu")
        #expect(after.xCache == "hit", "\(after)")
        let items = try #require(try after.object()["items"] as? [[String: Any]])
        #expect(items.map { $0["name"] as? String } == ["Soup", "Bread"])
        #expect(items.map { $0["price_cents"] as? Int } == [450, 0])
        #expect(try after.object()["restaurant_id"] as? String == restaurant)
    }

    /// Malformed ids, bodies, e-mails and parameters are 400 with a JSON error body (413 past 64 KiB); unknown ids
    /// are 404.
    func malformedInput(_ id: String) async throws {
        let restaurant = try #require(try await http.get("/restaurants?limit=1").array().first?["id"] as? String)
        let badRequests: [(String, String, String?)] = [
            ("GET", "/users/not-a-uuid", nil),
            ("GET", "/users/12345", nil),
            ("GET", "/users/%ZZ", nil),
            ("GET", "/orders/xyz", nil),
            ("GET", "/restaurants/1/menu", nil),
            ("GET", "/users/\(id)/orders?page=0", nil),
            ("GET", "/users/\(id)/orders?page=abc", nil),
            ("GET", "/users?limit=-1", nil),
            ("GET", "/users?limit=100000", nil),
            ("GET", "/users/by-email/not-an-email", nil),
            ("GET", "/users/by-email/a%40b%40c.org", nil),
            ("GET", "/users/by-email/%E0%A4%A", nil),
            ("POST", "/users", "{"),
            ("POST", "/users", "[]"),
            ("POST", "/users", ""),
            ("POST", "/users", #"{"name": 5, "email": "a@b.org"}"#),
            ("POST", "/users", #"{"name": "x"}"#),
            ("POST", "/users", #"{"name": "x", "email": "no-at-sign"}"#),
            ("POST", "/users", #"{"name": "x", "email": "a b@c.org"}"#),
            ("POST", "/users", #"{"name": "   ", "email": "a@b.org"}"#),
            ("PUT", "/users/\(id)", #"{}"#),
            ("PUT", "/users/\(id)", #"{"email": "@example.org"}"#),
            ("PUT", "/users/nope", #"{"name": "x"}"#),
            ("POST", "/users/\(id)/orders", #"{"restaurant_id": "x", "total_cents": 1}"#),
            ("POST", "/users/\(id)/orders", #"{"restaurant_id": "\#(restaurant)", "total_cents": "ten"}"#),
            ("POST", "/users/\(id)/orders", #"{"restaurant_id": "\#(restaurant)", "total_cents": 1.5}"#),
            ("POST", "/users/\(id)/orders", #"{"restaurant_id": "\#(restaurant)", "total_cents": -3}"#),
            ("POST", "/users/\(id)/orders", #"{"restaurant_id": "\#(restaurant)", "total_cents": 99999999999999999999999}"#),
            ("PUT", "/restaurants/\(restaurant)/menu", #"{"items": "soup"}"#),
            ("PUT", "/restaurants/\(restaurant)/menu", #"{"items": [{"name": "", "price_cents": 1}]}"#),
            ("PUT", "/restaurants/\(restaurant)/menu", #"{"items": [{"name": "x", "price_cents": -1}]}"#),
            ("PUT", "/restaurants/\(restaurant)/menu", #"{"restaurant_id": "\#(UUID().uuidString)", "items": []}"#),
            ("DELETE", "/users/zzz", nil),
        ]
        for (method, path, body) in badRequests {
            let reply = try await http.request(method, path, json: body)
            #expect(reply.status == 400, "\(method) \(path) \(body ?? ""): \(reply)")
            #expect((try? reply.object()["error"] as? String) == "bad_request", "\(method) \(path): \(reply)")
            #expect((try? reply.object()["message"] as? String)?.isEmpty == false)
        }

        let huge = try await http.request("POST", "/users", json: #"{"name": "\#(String(repeating: "x", count: 70_000))", "email": "a@b.org"}"#)
        #expect(huge.status == 413, "a body past 64 KiB: \(huge.status) \(huge.text.prefix(200))")

        let unknown = UUID().uuidString.lowercased()
        for path in ["/users/\(unknown)", "/orders/\(unknown)", "/restaurants/\(unknown)", "/restaurants/\(unknown)/menu", "/users/\(unknown)/orders"] {
            let reply = try await http.get(path)
            #expect(reply.status == 404, "\(path): \(reply)")
            #expect((try? reply.object()["error"] as? String) == "not_found", "\(path): \(reply)")
            #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true)
        }
        let orderForUnknown = try await http.request("POST", "/users/\(unknown)/orders", json: #"{"restaurant_id": "\#(restaurant)", "total_cents": 1}"#)
        #expect(orderForUnknown.status == 404, "\(orderForUnknown)")
        let menuForUnknown = try await http.request("PUT", "/restaurants/\(unknown)/menu", json: #"{"items": []}"#)
        #expect(menuForUnknown.status == 404, "\(menuForUnknown)")
    }

    /// `DELETE /users/{id}`: 204, then 404 everywhere the user was cached (by id, by e-mail, orders, one order).
    func deleteUser(_ user: (id: String, email: String), orderID: String) async throws {
        let deleted = try await http.request("DELETE", "/users/\(user.id)")
        #expect(deleted.status == 204, "\(deleted)")
        #expect(deleted.headers["x-cache-write"] == "ok")
        #expect(try await redis.cli(["EXISTS", "shop:user:\(user.id)"]) == "0")
        for path in ["/users/\(user.id)", "/users/by-email/\(user.email)", "/users/\(user.id)/orders", "/orders/\(orderID)"] {
            let reply = try await http.get(path)
            #expect(reply.status == 404, "after DELETE, \(path): \(reply)")
        }
        let again = try await http.request("DELETE", "/users/\(user.id)")
        #expect(again.status == 404)
    }

    /// Redis down: correct answers with `X-Cache: bypass`, `/health` 200 but degraded. Redis back: hits again.
    func redisOutage(restaurantID: String) async throws {
        let users = try await http.get("/users?limit=3").array()
        let id = try #require(users.last?["id"] as? String)
        let email = try #require(users.last?["email"] as? String)
        let cachedUser = try await http.get("/users/\(id)")
        let cachedMenu = try await http.get("/restaurants/\(restaurantID)/menu")
        _ = try await http.get("/users/\(id)")

        await redis.stop()
        let user = try await http.get("/users/\(id)")
        #expect(user.status == 200, "\(user)")
        #expect(user.xCache == "bypass", "\(user)")
        #expect(user.body == cachedUser.body)
        let byEmail = try await http.get("/users/by-email/\(email)")
        #expect(byEmail.status == 200 && byEmail.xCache == "bypass", "\(byEmail)")
        let menu = try await http.get("/restaurants/\(restaurantID)/menu")
        #expect(menu.xCache == "bypass", "\(menu)")
        #expect(menu.body == cachedMenu.body)
        let missing = try await http.get("/users/\(UUID().uuidString)")
        #expect(missing.status == 404 && missing.xCache == "bypass", "\(missing)")
        let health = try await http.get("/health")
        #expect(health.status == 200, "\(health)")
        #expect(try health.object()["status"] as? String == "degraded", "\(health)")
        #expect(try (health.object()["redis"] as? [String: Any])?["status"] as? String == "down", "\(health)")

        try await redis.restart()
        var sources: [String] = []
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let reply = try await http.get("/users/\(id)")
            #expect(reply.status == 200)
            sources.append(reply.xCache ?? "-")
            if reply.xCache == "hit" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(sources.last == "hit", "no hit within 20 s of Redis restarting: \(sources)")
        let healthAfter = try await http.get("/health")
        #expect(try healthAfter.object()["status"] as? String == "ok", "\(healthAfter)")
    }

    /// `/metrics`: Prometheus text with hits, misses, loads and errors per schema key name.
    func metrics() async throws {
        let reply = try await http.get("/metrics")
        #expect(reply.status == 200)
        #expect(reply.headers["content-type"]?.hasPrefix("text/plain") == true)
        let text = reply.text
        func value(_ series: String) -> Double? {
            for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
                return Double(line.dropFirst(series.count + 1))
            }
            return nil
        }
        for series in [#"cache_hits_total{key="user"}"#, #"cache_misses_total{key="user"}"#, #"cache_loads_total{key="user"}"#, #"cache_errors_total{key="user"}"#,
            #"cache_hits_total{key="userOrders"}"#, #"cache_hits_total{key="userByEmail"}"#, #"cache_hits_total{key="restaurantMenu"}"#]
        {
            let number = value(series)
            #expect((number ?? 0) > 0, "\(series) = \(number.map { "\($0)" } ?? "absent") in:\n\(text.prefix(3000))")
        }
        #expect(!text.contains("shop:user:"), "metrics must be labelled by key name, never by concrete key")
    }
}
