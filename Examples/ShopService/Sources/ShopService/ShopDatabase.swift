import Foundation
import Logging
import NIOCore
import SQLiteNIO
import Synchronization

/// The source of truth: a SQLite file in WAL mode, created and seeded on first start.
///
/// Reads use a small pool of connections (WAL readers never wait for the writer); every write runs on one writer
/// connection, one transaction at a time, so that a read-modify-write (the old e-mail of an updated user, the orders
/// of a deleted one) is atomic. A committed write is visible to the next read on any connection, which is what lets
/// the cache be updated right after it without a stale read.
final class ShopDatabase: Sendable {
    /// The database file.
    let path: String
    private let readers: [SQLiteConnection]
    private let writer: SQLiteConnection
    private let writeLock = AsyncLock()
    private let nextReader = Atomic<UInt>(0)
    /// A delay added to every data read, to stand in for a database across a network (`SQLITE_READ_DELAY_MS`).
    let readDelay: Duration

    private init(path: String, readers: [SQLiteConnection], writer: SQLiteConnection, readDelay: Duration) {
        self.path = path
        self.readers = readers
        self.writer = writer
        self.readDelay = readDelay
    }

    /// Opens (creating and seeding when new) the database at `path`.
    static func open(path: String, readers: Int = 2, readDelay: Duration = .zero, logger: Logger) async throws -> ShopDatabase {
        let writer = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        _ = try await writer.query("PRAGMA journal_mode = WAL")
        _ = try await writer.query("PRAGMA synchronous = NORMAL")
        _ = try await writer.query("PRAGMA foreign_keys = ON")
        var readerConnections: [SQLiteConnection] = []
        for _ in 0..<max(1, readers) {
            let reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            _ = try await reader.query("PRAGMA query_only = ON")
            readerConnections.append(reader)
        }
        let database = ShopDatabase(path: path, readers: readerConnections, writer: writer, readDelay: readDelay)
        try await database.migrateAndSeed(logger: logger)
        return database
    }

    func close() async {
        for connection in readers + [writer] { try? await connection.close() }
    }

    private var reader: SQLiteConnection {
        readers[Int(nextReader.add(1, ordering: .relaxed).oldValue % UInt(readers.count))]
    }

    /// A data read on the next reader connection, after the simulated network delay, if any.
    private func read(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        if readDelay > .zero { try await Task.sleep(for: readDelay) }
        return try await reader.query(sql, binds)
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` … `COMMIT` on the writer connection, rolled back if it throws.
    private func transaction<T: Sendable>(_ body: @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        try await writeLock.withLock {
            _ = try await writer.query("BEGIN IMMEDIATE")
            do {
                let result = try await body(writer)
                _ = try await writer.query("COMMIT")
                return result
            } catch {
                _ = try? await writer.query("ROLLBACK")
                throw error
            }
        }
    }

    // MARK: Schema and seed

    private func migrateAndSeed(logger: Logger) async throws {
        let seeded = try await transaction { db in
            for statement in Self.schema { _ = try await db.query(statement) }
            let rows = try await db.query("SELECT value FROM meta WHERE key = 'seed'")
            if !rows.isEmpty { return false }
            try await Seed.insert(into: db)
            _ = try await db.query("INSERT INTO meta (key, value) VALUES ('seed', ?)", [.text(Seed.version)])
            return true
        }
        if seeded {
            logger.info("created and seeded the database", metadata: [
                "path": "\(path)", "users": "\(Seed.userCount)", "restaurants": "\(Seed.restaurantCount)", "orders": "\(Seed.orderCount)",
            ])
        } else {
            logger.info("opened the database", metadata: ["path": "\(path)"])
        }
    }

    private static let schema = [
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS users (
            seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE)
        """,
        "CREATE TABLE IF NOT EXISTS restaurants (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS menu_items (
            restaurant_id TEXT NOT NULL REFERENCES restaurants(id) ON DELETE CASCADE, position INTEGER NOT NULL,
            name TEXT NOT NULL, price_cents INTEGER NOT NULL, PRIMARY KEY (restaurant_id, position))
        """,
        """
        CREATE TABLE IF NOT EXISTS orders (
            seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
            user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            restaurant_id TEXT NOT NULL REFERENCES restaurants(id),
            total_cents INTEGER NOT NULL, created_at INTEGER NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS orders_by_user ON orders (user_id, created_at DESC, seq DESC)",
        // The foreign key's index, as any real schema has: the stats read walks a restaurant's orders through it
        // instead of scanning every order.
        "CREATE INDEX IF NOT EXISTS orders_by_restaurant ON orders (restaurant_id)",
    ]

    /// Whether SQLite answers (for `/health`).
    func ping() async throws {
        _ = try await reader.query("SELECT 1")
    }

    // MARK: Users

    func users(limit: Int) async throws -> [UserDTO] {
        try await read("SELECT id, name, email FROM users ORDER BY seq LIMIT ?", [.integer(limit)]).map(Self.user)
    }

    func user(id: UUID) async throws -> UserDTO? {
        try await read("SELECT id, name, email FROM users WHERE id = ?", [.text(id.key)]).first.map(Self.user)
    }

    func user(email: String) async throws -> UserDTO? {
        try await read("SELECT id, name, email FROM users WHERE email = ?", [.text(email)]).first.map(Self.user)
    }

    /// Inserts a user; `nil` when the e-mail is taken.
    func createUser(name: String, email: String) async throws -> UserDTO? {
        let user = UserDTO(id: UUID(), name: name, email: email)
        return try await transaction { db in
            if try await !db.query("SELECT 1 FROM users WHERE email = ?", [.text(email)]).isEmpty { return nil }
            _ = try await db.query("INSERT INTO users (id, name, email) VALUES (?, ?, ?)", [.text(user.id.key), .text(name), .text(email)])
            return user
        }
    }

    enum UpdateOutcome: Sendable {
        /// `restaurantIDs`: where the user has ordered when the name changed (their stats may show the old name), else
        /// none.
        case updated(previous: UserDTO, current: UserDTO, restaurantIDs: [UUID])
        case notFound
        case emailTaken
    }

    /// Changes a user's name and/or e-mail, returning the user before and after (the caller must drop the cache
    /// entry of the old e-mail) and, after a change of name, the restaurants the user ordered from.
    func updateUser(id: UUID, name: String?, email: String?) async throws -> UpdateOutcome {
        try await transaction { db in
            guard let previous = try await db.query("SELECT id, name, email FROM users WHERE id = ?", [.text(id.key)]).first.map(Self.user) else {
                return .notFound
            }
            let current = UserDTO(id: id, name: name ?? previous.name, email: email ?? previous.email)
            if current.email != previous.email,
                try await !db.query("SELECT 1 FROM users WHERE email = ?", [.text(current.email)]).isEmpty
            {
                return .emailTaken
            }
            _ = try await db.query("UPDATE users SET name = ?, email = ? WHERE id = ?", [.text(current.name), .text(current.email), .text(id.key)])
            let restaurantIDs = current.name == previous.name ? [] : try await Self.restaurantIDs(orderedBy: id, in: db)
            return .updated(previous: previous, current: current, restaurantIDs: restaurantIDs)
        }
    }

    /// Deletes a user and (by cascade) their orders; returns the deleted user, their order ids and the restaurants of
    /// those orders, or `nil`.
    func deleteUser(id: UUID) async throws -> (user: UserDTO, orderIDs: [UUID], restaurantIDs: [UUID])? {
        try await transaction { db in
            guard let user = try await db.query("SELECT id, name, email FROM users WHERE id = ?", [.text(id.key)]).first.map(Self.user) else {
                return nil
            }
            let orderIDs = try await db.query("SELECT id FROM orders WHERE user_id = ?", [.text(id.key)]).compactMap { row in
                row.column("id")?.string.flatMap(UUID.init(uuidString:))
            }
            let restaurantIDs = try await Self.restaurantIDs(orderedBy: id, in: db)
            _ = try await db.query("DELETE FROM users WHERE id = ?", [.text(id.key)])
            return (user, orderIDs, restaurantIDs)
        }
    }

    /// The restaurants a user has ordered from (inside the caller's transaction).
    private static func restaurantIDs(orderedBy userID: UUID, in db: SQLiteConnection) async throws -> [UUID] {
        try await db.query("SELECT DISTINCT restaurant_id FROM orders WHERE user_id = ?", [.text(userID.key)]).compactMap { row in
            row.column("restaurant_id")?.string.flatMap(UUID.init(uuidString:))
        }
    }

    // MARK: Orders

    /// A page of a user's orders, newest first; `nil` when the user does not exist.
    func ordersPage(userID: UUID, page: Int, pageSize: Int) async throws -> OrdersPageDTO? {
        // One statement, so that the existence check and the page come from one snapshot.
        let rows = try await read(
            """
            SELECT u.id AS owner, o.id, o.user_id, o.restaurant_id, o.total_cents, o.created_at
            FROM users u LEFT JOIN (
                SELECT * FROM orders WHERE user_id = ?1 ORDER BY created_at DESC, seq DESC LIMIT ?2 OFFSET ?3
            ) o ON o.user_id = u.id
            WHERE u.id = ?1
            ORDER BY o.created_at DESC, o.seq DESC
            """, [.text(userID.key), .integer(pageSize), .integer((page - 1) * pageSize)])
        guard !rows.isEmpty else { return nil }
        return OrdersPageDTO(page: page, items: rows.compactMap(Self.order))
    }

    func order(id: UUID) async throws -> OrderDTO? {
        try await read("SELECT id, user_id, restaurant_id, total_cents, created_at FROM orders WHERE id = ?", [.text(id.key)])
            .first.flatMap(Self.order)
    }

    enum CreateOrderOutcome: Sendable {
        case created(OrderDTO)
        case noSuchUser
        case noSuchRestaurant
    }

    func createOrder(userID: UUID, restaurantID: UUID, totalCents: Int) async throws -> CreateOrderOutcome {
        try await transaction { db in
            if try await db.query("SELECT 1 FROM users WHERE id = ?", [.text(userID.key)]).isEmpty { return .noSuchUser }
            if try await db.query("SELECT 1 FROM restaurants WHERE id = ?", [.text(restaurantID.key)]).isEmpty { return .noSuchRestaurant }
            // Never older than the user's newest order, so "newest first" is also "last created first".
            let newest = try await db.query("SELECT MAX(created_at) AS newest FROM orders WHERE user_id = ?", [.text(userID.key)])
                .first?.column("newest")?.integer ?? 0
            let createdAt = max(Int64(Date().timeIntervalSince1970 * 1000), Int64(newest))
            let order = OrderDTO(id: UUID(), userID: userID, restaurantID: restaurantID, totalCents: totalCents, createdAt: Timestamp.iso8601(milliseconds: createdAt))
            _ = try await db.query(
                "INSERT INTO orders (id, user_id, restaurant_id, total_cents, created_at) VALUES (?, ?, ?, ?, ?)",
                [.text(order.id.key), .text(userID.key), .text(restaurantID.key), .integer(totalCents), .integer(Int(createdAt))])
            return .created(order)
        }
    }

    // MARK: Restaurants

    func restaurants(limit: Int) async throws -> [RestaurantDTO] {
        try await read("SELECT id, name FROM restaurants ORDER BY seq LIMIT ?", [.integer(limit)]).compactMap(Self.restaurant)
    }

    func restaurant(id: UUID) async throws -> RestaurantDTO? {
        try await read("SELECT id, name FROM restaurants WHERE id = ?", [.text(id.key)]).first.flatMap(Self.restaurant)
    }

    func menu(restaurantID: UUID) async throws -> MenuDTO? {
        let rows = try await read(
            """
            SELECT r.id AS owner, m.name, m.price_cents FROM restaurants r
            LEFT JOIN menu_items m ON m.restaurant_id = r.id WHERE r.id = ? ORDER BY m.position
            """, [.text(restaurantID.key)])
        guard !rows.isEmpty else { return nil }
        let items = rows.compactMap { row -> MenuItemDTO? in
            guard let name = row.column("name")?.string, let price = row.column("price_cents")?.integer else { return nil }
            return MenuItemDTO(name: name, priceCents: Int(price))
        }
        return MenuDTO(restaurantID: restaurantID, items: items)
    }

    /// A restaurant's order count, revenue and top five customers over all its orders; `nil` when the restaurant does
    /// not exist. The expensive read of the API: it aggregates every order of the restaurant (about 2,500 in the seed).
    func restaurantStats(restaurantID: UUID) async throws -> RestaurantStatsDTO? {
        // One statement, so that the existence check, the totals and the ranking come from one snapshot.
        let rows = try await read(
            """
            WITH here AS (SELECT user_id, total_cents FROM orders WHERE restaurant_id = ?1),
            totals AS (SELECT COUNT(*) AS order_count, COALESCE(SUM(total_cents), 0) AS revenue_cents FROM here),
            top AS (
                SELECT user_id, COUNT(*) AS customer_orders, SUM(total_cents) AS spent_cents FROM here
                GROUP BY user_id ORDER BY spent_cents DESC, customer_orders DESC, user_id LIMIT 5)
            SELECT r.id AS owner, totals.order_count, totals.revenue_cents,
                top.user_id, u.name, top.customer_orders, top.spent_cents
            FROM restaurants r CROSS JOIN totals
            LEFT JOIN top ON 1
            LEFT JOIN users u ON u.id = top.user_id
            WHERE r.id = ?1
            ORDER BY top.spent_cents DESC, top.customer_orders DESC, top.user_id
            """, [.text(restaurantID.key)])
        guard let first = rows.first else { return nil }
        let customers = rows.compactMap { row -> TopCustomerDTO? in
            guard let userID = row.column("user_id")?.string.flatMap(UUID.init(uuidString:)),
                let orders = row.column("customer_orders")?.integer, let spent = row.column("spent_cents")?.integer
            else { return nil }
            return TopCustomerDTO(userID: userID, name: row.column("name")?.string ?? "", orderCount: orders, spentCents: spent)
        }
        return RestaurantStatsDTO(
            restaurantID: restaurantID, orderCount: first.column("order_count")?.integer ?? 0,
            revenueCents: first.column("revenue_cents")?.integer ?? 0, topCustomers: customers)
    }

    /// Replaces a restaurant's menu; `nil` when the restaurant does not exist.
    func replaceMenu(restaurantID: UUID, items: [MenuItemDTO]) async throws -> MenuDTO? {
        try await transaction { db in
            if try await db.query("SELECT 1 FROM restaurants WHERE id = ?", [.text(restaurantID.key)]).isEmpty { return nil }
            _ = try await db.query("DELETE FROM menu_items WHERE restaurant_id = ?", [.text(restaurantID.key)])
            if !items.isEmpty {
                let placeholders = Array(repeating: "(?, ?, ?, ?)", count: items.count).joined(separator: ", ")
                let binds = items.enumerated().flatMap { position, item -> [SQLiteData] in
                    [.text(restaurantID.key), .integer(position), .text(item.name), .integer(item.priceCents)]
                }
                _ = try await db.query("INSERT INTO menu_items (restaurant_id, position, name, price_cents) VALUES \(placeholders)", binds)
            }
            return MenuDTO(restaurantID: restaurantID, items: items)
        }
    }

    // MARK: Rows

    private static func user(_ row: SQLiteRow) -> UserDTO {
        UserDTO(
            id: row.column("id")?.string.flatMap(UUID.init(uuidString:)) ?? UUID(uuid: UUID_NULL),
            name: row.column("name")?.string ?? "",
            email: row.column("email")?.string ?? "")
    }

    private static func order(_ row: SQLiteRow) -> OrderDTO? {
        guard let id = row.column("id")?.string.flatMap(UUID.init(uuidString:)),
            let userID = row.column("user_id")?.string.flatMap(UUID.init(uuidString:)),
            let restaurantID = row.column("restaurant_id")?.string.flatMap(UUID.init(uuidString:)),
            let total = row.column("total_cents")?.integer,
            let createdAt = row.column("created_at")?.integer
        else { return nil }
        return OrderDTO(id: id, userID: userID, restaurantID: restaurantID, totalCents: Int(total), createdAt: Timestamp.iso8601(milliseconds: Int64(createdAt)))
    }

    private static func restaurant(_ row: SQLiteRow) -> RestaurantDTO? {
        guard let id = row.column("id")?.string.flatMap(UUID.init(uuidString:)), let name = row.column("name")?.string else { return nil }
        return RestaurantDTO(id: id, name: name)
    }
}

private let UUID_NULL: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

extension UUID {
    /// The form ids are stored in: canonical lower case (the same text the cache keys use).
    var key: String { uuidString.lowercased() }
}

/// A mutual exclusion for async code: one holder at a time, waiters served in order. (An actor alone would not do:
/// it lets another call in at every `await` inside a transaction.)
final class AsyncLock: Sendable {
    private struct State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func withLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        do {
            let result = try await body()
            release()
            return result
        } catch {
            release()
            throw error
        }
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { state -> Bool in
                if state.locked {
                    state.waiters.append(continuation)
                    return false
                }
                state.locked = true
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.locked = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}

/// Timestamps as the API shows them.
enum Timestamp {
    /// `2025-01-31T12:34:56.789Z` for milliseconds since 1970 (UTC).
    static func iso8601(milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = Int(milliseconds % 1000)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }
}
