import Foundation
import RedisTestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The example package and its build.
enum ExamplePackage {
    /// This repository's root (the clone's folder name varies, so it comes from this file's path).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = repositoryRoot.appending(path: "Examples/ShopService")
    /// The example's own build folder, shared with `swift run --package-path Examples/ShopService ShopService`, so
    /// that a repeated run (or a run after the README's command) is incremental.
    static let scratch = directory.appending(path: ".build")

    /// `swift build --package-path Examples/ShopService --scratch-path Examples/ShopService/.build --product
    /// ShopService`, then the path of the built executable.
    static func build() async throws -> (executable: URL, seconds: Double, output: String) {
        let arguments = ["swift", "build", "--package-path", directory.path, "--scratch-path", scratch.path, "--product", "ShopService"]
        // At the lowest CPU priority: the build must not starve the other suites' Redis tests, which run meanwhile.
        let result = try await Command.run(URL(fileURLWithPath: "/usr/bin/nice"), ["-n", "19"] + arguments, in: directory, timeout: 45 * 60)
        guard result.status == 0 else {
            throw TestServerError("building the example failed (\(arguments.joined(separator: " "))):\n\(result.output.suffix(6000))")
        }
        var executable = scratch.appending(path: "debug/ShopService")
        if !FileManager.default.isExecutableFile(atPath: executable.path) {
            let binPath = try await Command.run(URL(fileURLWithPath: "/usr/bin/env"), arguments + ["--show-bin-path"], in: directory, timeout: 600)
            let folder = binPath.output.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
            executable = URL(fileURLWithPath: folder).appending(path: "ShopService")
        }
        return (executable, result.seconds, result.output)
    }
}

/// Runs a command to completion, off the cooperative pool, capturing its output through a file.
enum Command {
    struct Result: Sendable {
        var status: Int32
        var output: String
        var seconds: Double
    }

    static func run(_ executable: URL, _ arguments: [String], in directory: URL, timeout: Double) async throws -> Result {
        try await offCooperativePool { try runBlocking(executable, arguments, in: directory, timeout: timeout) }
    }

    private static func runBlocking(_ executable: URL, _ arguments: [String], in directory: URL, timeout: Double) throws -> Result {
        let log = FileManager.default.temporaryDirectory.appending(path: "shop-e2e-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        let start = Date()
        try process.run()
        guard let exitStatus = waitForExit(process, timeout: timeout) else {
            kill(process.processIdentifier, SIGKILL)
            _ = waitForExit(process)
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw TestServerError("timed out after \(Int(timeout)) s: \(arguments.joined(separator: " "))\n\(output.suffix(4000))")
        }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return Result(status: exitStatus, output: output, seconds: Date().timeIntervalSince(start))
    }
}

/// The built ShopService, running as a separate process on a free port with its own database file.
final class ShopServiceProcess: @unchecked Sendable {
    let port: Int
    let directory: URL
    let log: URL
    private let pid: Int32
    private let lock = NSLock()
    private var running = true

    var http: LoopbackHTTPClient { LoopbackHTTPClient(port: port) }

    private init(port: Int, directory: URL, log: URL, pid: Int32) {
        self.port = port
        self.directory = directory
        self.log = log
        self.pid = pid
    }

    /// Starts the service and waits until `/health` answers 200.
    static func start(executable: URL, redisURL: String) async throws -> ShopServiceProcess {
        let service = try await offCooperativePool { () throws -> ShopServiceProcess in
            let port = try RedisServerProcess.freePort()
            let directory = FileManager.default.temporaryDirectory.appending(path: "shop-e2e-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let log = directory.appending(path: "service.log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            var environment = ProcessInfo.processInfo.environment
            environment["PORT"] = String(port)
            environment["DATABASE_PATH"] = directory.appending(path: "shop.sqlite").path
            environment["REDIS_URL"] = redisURL
            environment["LOG_LEVEL"] = "info"
            environment["CACHE_BYPASS"] = nil
            let process = Process()
            process.executableURL = executable
            process.environment = environment
            process.currentDirectoryURL = directory
            process.standardOutput = handle
            process.standardError = handle
            process.standardInput = FileHandle.nullDevice
            try process.run()
            try? handle.close()
            return ShopServiceProcess(port: port, directory: directory, log: log, pid: process.processIdentifier)
        }
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            if let reply = try? await service.http.get("/health"), reply.status == 200 { return service }
            if await service.hasExited() { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let output = service.output()
        await service.kill()
        throw TestServerError("the service did not become healthy on port \(service.port):\n\(output.suffix(4000))")
    }

    /// What the service logged.
    func output() -> String {
        (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    }

    private func hasExited() async -> Bool {
        let pid = self.pid
        return await offCooperativePool {
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            return reaped == pid || (reaped == -1 && errno == ECHILD)
        }
    }

    /// SIGKILL, then reaps it by polling `waitpid` (Foundation's `waitUntilExit` can hang in a test process), and
    /// removes its folder.
    func kill() async {
        let shouldKill = lock.withLock { () -> Bool in
            defer { running = false }
            return running
        }
        guard shouldKill else { return }
        let pid = self.pid
        let directory = self.directory
        await offCooperativePool {
            Foundation.kill(pid, SIGKILL)
            let deadline = Date().addingTimeInterval(10)
            var status: Int32 = 0
            while Date() < deadline {
                let reaped = waitpid(pid, &status, WNOHANG)
                if reaped == pid || (reaped == -1 && errno == ECHILD) { break }
                Thread.sleep(forTimeInterval: 0.01)
            }
            try? FileManager.default.removeItem(at: directory)
        }
    }
}
