import CacheSchemaLocalRedis
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging

@testable import ShopService

/// The service as the router tests see it: its HTTP client, its own redis-server, and its settings.
struct ShopUnderTest: Sendable {
    let http: ShopClient
    let redis: LocalRedisServer

    /// Builds the application on a fresh SQLite file (seeded as on a first start) and a private redis-server, runs
    /// `body` against its router, then shuts both down, whatever happens.
    ///
    /// The service logs only when asked (`CACHE_SCHEMA_TEST_LOG_LEVEL=debug`, as in the root package's tests): the
    /// tests provoke the failures it logs on purpose.
    static func run(
        configure: (inout Configuration) -> Void = { _ in }, _ body: @Sendable (ShopUnderTest) async throws -> Void
    ) async throws {
        let redis = try await LocalRedisServer(folderPrefix: "shop-test-redis")
        let folder = FileManager.default.temporaryDirectory.appending(path: "shop-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appending(path: "shop.sqlite")
        try FileManager.default.copyItem(at: try await seededDatabase.value, to: database)
        var configuration = try Configuration.fromEnvironment([
            "REDIS_URL": redis.url,
            "DATABASE_PATH": database.path,
            "LOG_LEVEL": ProcessInfo.processInfo.environment["CACHE_SCHEMA_TEST_LOG_LEVEL"] ?? "critical",
            // Far above any scheduling delay, as in the root package's tests: a test that expects a miss or a hit must
            // not get a bypass because a busy machine held the first read past the service's 250 ms. The fail-open
            // test sets the service's own deadlines back.
            "CACHE_READ_TIMEOUT_MS": "30000",
            "CACHE_WRITE_TIMEOUT_MS": "30000",
        ])
        configure(&configuration)
        do {
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                try await body(ShopUnderTest(http: ShopClient(router: client), redis: redis))
            }
        } catch {
            await redis.stop()
            throw error
        }
        await redis.stop()
    }

    /// A database as the service creates and seeds it on a first start, made once per test process and copied for each
    /// test: seeding 99,000 orders takes seconds in a debug build, copying the file milliseconds.
    private static let seededDatabase = Task<URL, any Error> {
        try FileManager.default.createDirectory(at: seedFolder, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: ShopUnderTest.seedFolder) }
        let path = seedFolder.appending(path: "shop.sqlite")
        var logger = Logger(label: "shop-test-seed")
        logger.logLevel = .critical
        // Closing the last connection checkpoints the write-ahead log into the file, so the file alone is the database.
        try await ShopDatabase.open(path: path.path, logger: logger).close()
        return path
    }
    private static let seedFolder = FileManager.default.temporaryDirectory.appending(path: "shop-test-seed-\(UUID().uuidString)")

    /// A seeded user's id and e-mail (the seed is deterministic).
    func seededUser(_ index: Int = 1) async throws -> (id: String, email: String) {
        let users = try await http.get("/users?limit=\(index)").array()
        guard let user = users.last, let id = user["id"] as? String, let email = user["email"] as? String else {
            throw ReplyError("no seeded user \(index)")
        }
        return (id, email)
    }

    /// A seeded restaurant's id.
    func seededRestaurant(_ index: Int = 1) async throws -> String {
        guard let id = try await http.get("/restaurants?limit=\(index)").array().last?["id"] as? String else {
            throw ReplyError("no seeded restaurant \(index)")
        }
        return id
    }

    /// Creates a user with a fresh e-mail and returns its id and e-mail.
    func newUser(name: String = "Test User") async throws -> (id: String, email: String) {
        let email = "test.\(UUID().uuidString.prefix(8).lowercased())@example.org"
        let created = try await http.request(.post, "/users", json: #"{"name": "\#(name)", "email": "\#(email)"}"#)
        guard created.status == 201, let id = try created.object()["id"] as? String else {
            throw ReplyError("POST /users: \(created)")
        }
        return (id, email)
    }
}
