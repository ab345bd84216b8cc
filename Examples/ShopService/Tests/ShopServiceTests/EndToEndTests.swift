import CacheSchemaLocalRedis
import Foundation
import Testing

/// The built `ShopService` executable as a separate process, configured by its environment as a user runs it: it
/// serves over real HTTP on its port, caches in the Redis of `REDIS_URL` (the key and its TTL are there), and stops
/// cleanly on SIGTERM. The routes' behaviour is the router tests' job; this checks what only the process shows.
@Suite("ShopService end to end")
struct EndToEndTests {
    @Test("the executable serves over HTTP, caches in REDIS_URL's Redis and exits 0 on SIGTERM", .timeLimit(.minutes(10)))
    func executableServesAndStops() async throws {
        let redis = try await LocalRedisServer(folderPrefix: "shop-e2e-redis")
        let folder = FileManager.default.temporaryDirectory.appending(path: "shop-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let port = try LoopbackPort.free()
        let log = folder.appending(path: "service.log")
        let service = try await ChildProcess.start(
            try Self.executable().path, workingDirectory: folder,
            environment: ["PORT": String(port), "REDIS_URL": redis.url, "DATABASE_PATH": nil, "CACHE_BYPASS": nil, "LOG_LEVEL": "info"],
            output: log, diesWithThisProcess: true)
        func serviceLog() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        do {
            let http = ShopClient(port: port)
            // Opening and seeding SQLite on a loaded machine can take a while: wait for /health, generously.
            try await waitUntil("the service answers /health", timeout: .seconds(180), interval: .milliseconds(100)) {
                if service.hasExited { throw ReplyError("the service exited with \(service.status ?? -1):\n\(serviceLog().suffix(4000))") }
                return (try? await http.get("/health"))?.status == 200
            }
            #expect(FileManager.default.fileExists(atPath: folder.appending(path: "shop.sqlite").path), "DATABASE_PATH defaults to shop.sqlite in the working directory")
            #expect(serviceLog().contains("ShopService listening on http://127.0.0.1:\(port)"), "\(serviceLog().suffix(2000))")

            let users = try await http.get("/users?limit=1").array()
            let id = try #require(users.first?["id"] as? String)
            let first = try await http.get("/users/\(id)")
            #expect(first.status == 200 && first.xCache == "miss", "\(first)")
            let second = try await http.get("/users/\(id)")
            #expect(second.status == 200 && second.xCache == "hit" && second.body == first.body, "\(second)")
            let ttl = try #require(Int(try await redis.cli(["TTL", "shop:user:{\(id)}"])))
            #expect((1...300).contains(ttl), "the schema's `user: 5m` on the key in REDIS_URL's Redis: \(ttl)")
            let metrics = try await http.get("/metrics")
            #expect(metrics.text.contains("redis_client_commands_total"), "the process's metrics backend collects the Redis client's metrics too")

            let status = await service.terminate(grace: .seconds(30))
            #expect(status == 0, "SIGTERM is a graceful shutdown:\n\(serviceLog().suffix(2000))")
        } catch {
            Issue.record("the service's log:\n\(serviceLog().suffix(6000))")
            await service.kill()
            await redis.stop()
            throw error
        }
        await redis.stop()
    }

    /// The built executable, beside this test bundle (`swift build --build-tests` and `swift test` build every
    /// product of the package).
    static func executable() throws -> URL {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [Bundle.main.bundleURL, folder, folder.deletingLastPathComponent()] {
            let url = candidate.appending(path: "ShopService")
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue,
                FileManager.default.isExecutableFile(atPath: url.path)
            {
                return url
            }
        }
        throw ReplyError("no built ShopService beside \(folder.path); build it: swift build --package-path Examples/ShopService --build-tests")
    }
}
