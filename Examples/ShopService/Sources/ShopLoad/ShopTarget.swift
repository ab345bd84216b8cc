import Foundation

/// A running service and the ids a load run uses: a hot set of users and every restaurant.
public struct ShopTarget: Sendable {
    /// The service's IPv4 address and port.
    public var host: String
    public var port: Int
    /// Ids of the hot set of users, and of every restaurant.
    public var users: [String]
    public var restaurants: [String]

    /// Asks the service for the first `hotUsers` users and up to 1,000 restaurants (`GET /users?limit=N`,
    /// `GET /restaurants?limit=1000`: lists from SQLite, not cached).
    public static func discover(host: String, port: Int, hotUsers: Int) throws -> ShopTarget {
        let connection = HTTPConnection(host: host, port: port)
        func ids(_ path: String) throws -> [String] {
            let reply = try connection.request("GET", path)
            guard reply.status == 200, let array = try JSONSerialization.jsonObject(with: Data(reply.body)) as? [[String: Any]] else {
                throw HTTPConnection.Failure(description: "GET \(path) answered \(reply.status): \(reply.text.prefix(200))")
            }
            return array.compactMap { $0["id"] as? String }
        }
        let target = ShopTarget(host: host, port: port, users: try ids("/users?limit=\(hotUsers)"), restaurants: try ids("/restaurants?limit=1000"))
        guard !target.users.isEmpty, !target.restaurants.isEmpty else { throw HTTPConnection.Failure(description: "the service has no users or restaurants") }
        return target
    }

    /// A GET of the read mix of the load runs: 90% `GET /users/{id}`, 4% `GET /restaurants/{id}`, 3%
    /// `GET /restaurants/{id}/menu`, 3% `GET /users/{id}/orders`; the user's index when the path reads a user.
    public func randomRead(using random: inout some RandomNumberGenerator) -> (path: String, user: Int?) {
        let roll = Int.random(in: 0..<100, using: &random)
        switch roll {
        case 0..<90:
            let user = Int.random(in: 0..<users.count, using: &random)
            return ("/users/\(users[user])", user)
        case 90..<94: return ("/restaurants/\(restaurants.randomElement(using: &random)!)", nil)
        case 94..<97: return ("/restaurants/\(restaurants.randomElement(using: &random)!)/menu", nil)
        default: return ("/users/\(users.randomElement(using: &random)!)/orders", nil)
        }
    }
}

/// The `p` quantile (0...1) of `sorted` (ascending) by the nearest-rank rule; 0 when empty.
public func percentile(_ p: Double, ofSorted sorted: [Double]) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}
