import ShopLoad

/// What a load phase requests. Each is measured on its own, with the cache on and bypassed, so that the cheap reads
/// and the expensive one each get their own ratio: mixed together, the stats read's cost would hide in an average.
enum Mix: String, CaseIterable, Sendable {
    /// Point reads, which SQLite in the same process answers about as fast as Redis: 90% `GET /users/{id}` over the
    /// hot set of users, 4% `GET /restaurants/{id}`, 3% `GET /restaurants/{id}/menu`, 3% `GET /users/{id}/orders`.
    case point
    /// The read that is expensive at the source: `GET /restaurants/{id}/stats` over every restaurant (an aggregate
    /// over about 2,500 orders each).
    case stats

    /// The name in the report.
    var title: String {
        switch self {
        case .point: "point reads"
        case .stats: "stats read"
        }
    }

    /// The mix in words, for the report's header.
    var summary: String {
        switch self {
        case .point: "90% GET /users/{id}, 4% GET /restaurants/{id}, 3% GET /restaurants/{id}/menu, 3% GET /users/{id}/orders"
        case .stats: "GET /restaurants/{id}/stats over every restaurant"
        }
    }

    /// The next request's path.
    func path(_ target: ShopTarget, using random: inout some RandomNumberGenerator) -> String {
        switch self {
        case .point:
            target.randomRead(using: &random).path
        case .stats:
            "/restaurants/\(target.restaurants.randomElement(using: &random)!)/stats"
        }
    }
}
