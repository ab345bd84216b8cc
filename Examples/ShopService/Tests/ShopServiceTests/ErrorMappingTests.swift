import Foundation
import Testing

/// Malformed input is 400 with a JSON error body, never 500; a body past 64 KiB is 413; unknown ids are 404.
@Suite("Error mapping")
struct ErrorMappingTests {
    @Test("malformed ids, parameters, e-mails and bodies are 400 with a JSON error body")
    func malformedInputIs400() async throws {
        try await ShopUnderTest.run { shop in
            let user = try await shop.seededUser()
            let restaurant = try await shop.seededRestaurant()
            let badRequests: [(String, String, String?)] = [
                ("GET", "/users/not-a-uuid", nil),
                ("GET", "/users/12345", nil),
                ("GET", "/users/%ZZ", nil),
                ("GET", "/orders/xyz", nil),
                ("GET", "/restaurants/1/menu", nil),
                ("GET", "/users/\(user.id)/orders?page=0", nil),
                ("GET", "/users/\(user.id)/orders?page=abc", nil),
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
                ("PUT", "/users/\(user.id)", #"{}"#),
                ("PUT", "/users/\(user.id)", #"{"email": "@example.org"}"#),
                ("PUT", "/users/nope", #"{"name": "x"}"#),
                ("POST", "/users/\(user.id)/orders", #"{"restaurant_id": "x", "total_cents": 1}"#),
                ("POST", "/users/\(user.id)/orders", #"{"restaurant_id": "\#(restaurant)", "total_cents": "ten"}"#),
                ("POST", "/users/\(user.id)/orders", #"{"restaurant_id": "\#(restaurant)", "total_cents": 1.5}"#),
                ("POST", "/users/\(user.id)/orders", #"{"restaurant_id": "\#(restaurant)", "total_cents": -3}"#),
                ("POST", "/users/\(user.id)/orders", #"{"restaurant_id": "\#(restaurant)", "total_cents": 99999999999999999999999}"#),
                ("PUT", "/restaurants/\(restaurant)/menu", #"{"items": "soup"}"#),
                ("PUT", "/restaurants/\(restaurant)/menu", #"{"items": [{"name": "", "price_cents": 1}]}"#),
                ("PUT", "/restaurants/\(restaurant)/menu", #"{"items": [{"name": "x", "price_cents": -1}]}"#),
                ("PUT", "/restaurants/\(restaurant)/menu", #"{"restaurant_id": "\#(UUID().uuidString)", "items": []}"#),
                ("DELETE", "/users/zzz", nil),
            ]
            for (method, path, body) in badRequests {
                let reply = try await shop.http.request(.init(method)!, path, json: body)
                #expect(reply.status == 400, "\(method) \(path) \(body ?? ""): \(reply)")
                #expect(reply.errorCode == "bad_request", "\(method) \(path): \(reply)")
                #expect((try? reply.object()["message"] as? String)?.isEmpty == false)
            }
            let huge = try await shop.http.request(
                .post, "/users", json: #"{"name": "\#(String(repeating: "x", count: 70_000))", "email": "a@b.org"}"#)
            #expect(huge.status == 413, "a body past 64 KiB: \(huge.status) \(huge.text.prefix(200))")
        }
    }

    @Test("unknown ids are 404 with a JSON body, on cached reads (with X-Cache) and on writes")
    func unknownIdsAre404() async throws {
        try await ShopUnderTest.run { shop in
            let unknown = UUID().uuidString.lowercased()
            for path in ["/users/\(unknown)", "/orders/\(unknown)", "/restaurants/\(unknown)", "/restaurants/\(unknown)/menu", "/users/\(unknown)/orders"] {
                let reply = try await shop.http.get(path)
                #expect(reply.status == 404 && reply.errorCode == "not_found", "\(path): \(reply)")
                #expect(reply.xCache == "miss", "a 404 of a cached GET says the lookup happened: \(reply)")
                #expect(reply.contentType?.hasPrefix("application/json") == true)
            }
            let menu = try await shop.http.request(.put, "/restaurants/\(unknown)/menu", json: #"{"items": []}"#)
            #expect(menu.status == 404, "\(menu)")
            let update = try await shop.http.request(.put, "/users/\(unknown)", json: #"{"name": "x"}"#)
            #expect(update.status == 404, "\(update)")
            let route = try await shop.http.get("/no-such-route")
            #expect(route.status == 404 && route.errorCode == "not_found", "\(route)")
        }
    }
}
