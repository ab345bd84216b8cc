import Foundation
import SQLiteNIO

/// The data a new database starts with: deterministic (a fixed pseudo-random sequence), so that every fresh
/// database holds the same ids, names and counts, and tests and load runs can rely on them.
///
/// - 2,000 users (`Ada Lovelace 1` … with e-mails `user1@shop.example` …, ordered by creation);
/// - 40 restaurants, each with a menu of 6 to 14 items;
/// - 99,000 orders: user number `n` (from 1) has `(n - 1) % 100` of them (0 to 99), spread over 2025, each at a
///   restaurant drawn at random (about 2,500 a restaurant, so that a restaurant's stats aggregate a real history).
///
/// Version 1 had 7,993 orders (`(n - 1) % 9` per user); users, restaurants and menus are the same in both.
enum Seed {
    static let version = "2"
    static let userCount = 2_000
    static let restaurantCount = 40
    static let maxOrdersPerUser = 99
    /// Σ over users of `(n - 1) % 100`.
    static let orderCount = (0..<userCount).reduce(0) { $0 + $1 % (maxOrdersPerUser + 1) }

    private static let firstNames = [
        "Ada", "Alan", "Barbara", "Claude", "Donald", "Edsger", "Frances", "Grace", "Hedy", "Ivan", "John", "Katherine",
        "Leslie", "Margaret", "Niklaus", "Radia", "Shafi", "Tim", "Vint", "Whitfield",
    ]
    private static let lastNames = [
        "Lovelace", "Turing", "Liskov", "Shannon", "Knuth", "Dijkstra", "Allen", "Hopper", "Lamarr", "Sutherland",
        "McCarthy", "Johnson", "Lamport", "Hamilton", "Wirth", "Perlman", "Goldwasser", "Berners-Lee", "Cerf", "Diffie",
    ]
    private static let cuisines = ["Trattoria", "Noodle Bar", "Taqueria", "Bistro", "Curry House", "Sushi", "Diner", "Bakery"]
    private static let places = ["Harbour", "Market", "Old Town", "Riverside", "Station", "Garden", "Hilltop", "Corner", "Square", "Bridge"]
    private static let dishes = [
        "Margherita", "Ramen", "Tacos al pastor", "Steak frites", "Butter chicken", "Salmon nigiri", "Cheeseburger",
        "Croissant", "Caesar salad", "Pad thai", "Falafel wrap", "Tiramisu", "Lemonade", "Espresso", "Miso soup",
        "Dumplings", "Pho", "Burrito", "Ratatouille", "Cheesecake",
    ]

    /// SplitMix64: a tiny, fixed pseudo-random sequence.
    struct Generator {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

        /// A version-4 UUID from the sequence.
        mutating func uuid() -> UUID {
            let high = next()
            let low = next()
            var bytes = [UInt8](repeating: 0, count: 16)
            for index in 0..<8 {
                bytes[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(index)))
                bytes[8 + index] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(index)))
            }
            bytes[6] = (bytes[6] & 0x0F) | 0x40
            bytes[8] = (bytes[8] & 0x3F) | 0x80
            return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        }
    }

    /// Inserts the seed in multi-row statements (inside the caller's transaction).
    static func insert(into db: SQLiteConnection) async throws {
        var random = Generator(state: 0x5EED_CAFE)
        var users: [[SQLiteData]] = []
        for number in 1...userCount {
            let first = firstNames[(number - 1) % firstNames.count]
            let last = lastNames[((number - 1) / firstNames.count) % lastNames.count]
            users.append([.text(random.uuid().key), .text("\(first) \(last) \(number)"), .text("user\(number)@shop.example")])
        }
        try await insertRows(db, "users (id, name, email)", users)

        var restaurants: [[SQLiteData]] = []
        var menuItems: [[SQLiteData]] = []
        var restaurantIDs: [String] = []
        for number in 1...restaurantCount {
            let id = random.uuid().key
            restaurantIDs.append(id)
            let name = "\(places[(number - 1) % places.count]) \(cuisines[(number - 1) % cuisines.count]) \(number)"
            restaurants.append([.text(id), .text(name)])
            for position in 0..<(6 + random.below(9)) {
                let dish = dishes[random.below(dishes.count)]
                menuItems.append([.text(id), .integer(position), .text(dish), .integer(300 + 50 * random.below(60))])
            }
        }
        try await insertRows(db, "restaurants (id, name)", restaurants)
        try await insertRows(db, "menu_items (restaurant_id, position, name, price_cents)", menuItems)

        // Orders in time order over 2025 (so that insertion order is time order).
        let start: Int64 = 1_735_689_600_000  // 2025-01-01T00:00:00Z
        let step: Int64 = 365 * 24 * 3600 * 1000 / Int64(orderCount)
        var pending: [(user: String, count: Int)] = []
        for (index, row) in users.enumerated() {
            let count = index % (maxOrdersPerUser + 1)
            if case .text(let id) = row[0], count > 0 { pending.append((id, count)) }
        }
        var orders: [[SQLiteData]] = []
        var time = start
        // Round-robin over users so that each user's orders spread over the year.
        while !pending.isEmpty {
            var next: [(user: String, count: Int)] = []
            for entry in pending {
                time += step
                orders.append([
                    .text(random.uuid().key), .text(entry.user), .text(restaurantIDs[random.below(restaurantIDs.count)]),
                    .integer(500 + random.below(9_500)), .integer(Int(time)),
                ])
                if entry.count > 1 { next.append((entry.user, entry.count - 1)) }
            }
            pending = next
        }
        try await insertRows(db, "orders (id, user_id, restaurant_id, total_cents, created_at)", orders)
    }

    private static func insertRows(_ db: SQLiteConnection, _ table: String, _ rows: [[SQLiteData]]) async throws {
        guard let width = rows.first?.count else { return }
        let tuple = "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")"
        var start = 0
        while start < rows.count {
            let batch = rows[start..<min(start + 500, rows.count)]
            let sql = "INSERT INTO \(table) VALUES " + Array(repeating: tuple, count: batch.count).joined(separator: ", ")
            _ = try await db.query(sql, batch.flatMap { $0 })
            start += batch.count
        }
    }
}
