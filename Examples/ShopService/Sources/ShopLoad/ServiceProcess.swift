import CacheSchemaLocalRedis
import Foundation

/// The built ShopService, started as a process of its own on a free port with a fresh database; it dies with this
/// process (CacheSchemaLocalRedis's `ChildProcess`), so an interrupted run leaves no service behind.
public final class ServiceProcess: Sendable {
    /// The service's process.
    public let child: ChildProcess
    /// The HTTP port on 127.0.0.1.
    public let port: Int
    /// Its working folder: the SQLite database and `service.log`; removed by ``stop()``.
    public let directory: URL

    private init(child: ChildProcess, port: Int, directory: URL) {
        self.child = child
        self.port = port
        self.directory = directory
    }

    /// The process id (for `/proc/<pid>/status` and `/proc/<pid>/fd`).
    public var processID: Int32 { child.processID }

    /// What the service printed (its log level is `LOG_LEVEL`, `warning` unless the caller set it).
    public var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("service.log"), encoding: .utf8)) ?? ""
    }

    /// Starts the service and waits until `/health` answers 200.
    ///
    /// - Parameters:
    ///   - binary: The built `ShopService`.
    ///   - environment: More settings (`REDIS_URL`, `CACHE_BYPASS`, …) over the defaults: a free `PORT`, a fresh
    ///     `DATABASE_PATH`, `LOG_LEVEL=warning`.
    ///   - folderPrefix: The start of its temporary folder's name.
    public static func start(binary: String, environment extra: [String: String], folderPrefix: String = "shop-load") async throws -> ServiceProcess {
        let port = try LoopbackPort.free()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(folderPrefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var environment: [String: String?] = [
            "PORT": String(port), "DATABASE_PATH": directory.appendingPathComponent("shop.sqlite").path, "LOG_LEVEL": "warning",
            "CACHE_BYPASS": nil, "SQLITE_READ_DELAY_MS": nil, "REDIS_URL": nil, "REDIS_CLUSTER_NODES": nil,
        ]
        environment.merge(extra.mapValues { $0 }) { $1 }
        let log = directory.appendingPathComponent("service.log")
        let child = try await ChildProcess.start(
            binary, workingDirectory: directory, environment: environment, output: log, diesWithThisProcess: true)
        let service = ServiceProcess(child: child, port: port, directory: directory)
        do {
            try await waitUntil("the service answers /health", timeout: .seconds(180), interval: .milliseconds(100)) {
                guard !child.hasExited else { throw HTTPConnection.Failure(description: "the service exited") }
                let probe = HTTPConnection(host: "127.0.0.1", port: port)
                defer { probe.disconnect() }
                return (try? probe.request("GET", "/health"))?.status == 200
            }
        } catch {
            let output = service.log
            await service.stop()
            throw HTTPConnection.Failure(description: "the service did not become healthy (\(error)):\n\(output.suffix(2000))")
        }
        return service
    }

    /// SIGTERM (graceful: the service stops its private Redis), SIGKILL after 10 s; then its folder is removed.
    public func stop() async {
        await child.terminate(grace: .seconds(10))
        try? FileManager.default.removeItem(at: directory)
    }
}
