import Foundation
import Synchronization

/// A private `redis-server` for tests: started on a free loopback port with no persistence, stopped afterwards.
///
/// Tests talk to a real Redis (Debian's `redis-server`); `.ci/run` installs it.
public final class RedisServerProcess: @unchecked Sendable {
    /// The port it listens on.
    public let port: Int
    /// The folder it runs in (removed on stop).
    public let directory: URL
    /// Extra arguments it was started with.
    public let arguments: [String]
    private let lock = NSLock()
    private var process: Process?

    /// `redis://127.0.0.1:<port>`.
    public var url: String { "redis://127.0.0.1:\(port)" }

    /// Starts a server; `arguments` are appended to the command line (`["--requirepass", "secret"]`).
    public static func start(arguments: [String] = [], port: Int? = nil) async throws -> RedisServerProcess {
        TestLogging.bootstrap()
        return try await offCooperativePool { try startBlocking(arguments: arguments, port: port) }
    }

    static func startBlocking(arguments: [String], port: Int?) throws -> RedisServerProcess {
        // Ports come from `freePort()`, which never hands one out twice in this process; another process may still take
        // it before the server binds it, and then the server exits with "Address already in use": try the next one.
        var attempt = 0
        while true {
            attempt += 1
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let server = RedisServerProcess(port: try port ?? freePort(), directory: directory, arguments: arguments)
            do {
                try server.launch()
                return server
            } catch let error as PortTaken where port == nil && attempt < 10 {
                _ = error
                server.stopBlocking()
                continue
            }
        }
    }

    /// The port was taken by another process before redis-server could bind it.
    struct PortTaken: Error {}

    private init(port: Int, directory: URL, arguments: [String]) {
        self.port = port
        self.directory = directory
        self.arguments = arguments
    }

    /// The path of `redis-server`, or `nil` when it is not installed.
    public static var executable: String? {
        for path in ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server"] where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        return nil
    }

    private func launch() throws {
        guard let executable = Self.executable else {
            throw TestServerError("redis-server is not installed; run: apt-get install -y redis-server")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", directory.path, "--daemonize", "no", "--enable-debug-command", "yes", "--loglevel", "warning",
        ] + arguments
        process.currentDirectoryURL = directory
        let log = directory.appendingPathComponent("redis.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        lock.withLock { self.process = process }
        try waitUntilReady()
    }

    private func waitUntilReady() throws {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if lock.withLock({ process?.isRunning == false }) { break }
            if Self.canConnect(port: port) { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let log = (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
        if log.contains("Address already in use") { throw PortTaken() }
        throw TestServerError("redis-server did not start on port \(port): \(log.suffix(500))")
    }

    /// Stops the server (SIGTERM, then waits).
    ///
    /// Uses `SHUTDOWN NOSAVE`: a child of a test process may inherit a signal mask that blocks SIGTERM.
    public func stop() async {
        await offCooperativePool { self.stopBlocking() }
    }

    func stopBlocking() {
        if lock.withLock({ process != nil }) {
            _ = try? cliBlocking(["SHUTDOWN", "NOSAVE"])
        }
        terminate(signal: SIGKILL, grace: 2)
    }

    /// Stops the server's process (SIGSTOP) until ``resume()``: a server that answers nothing, for as long as the test
    /// says, and not for a duration that races the test's own scheduling.
    public func suspend() {
        if let process = lock.withLock({ process }) { Foundation.kill(process.processIdentifier, SIGSTOP) }
    }

    /// Lets a server stopped by ``suspend()`` run again (SIGCONT).
    public func resume() {
        if let process = lock.withLock({ process }) { Foundation.kill(process.processIdentifier, SIGCONT) }
    }

    /// Kills the server abruptly (SIGKILL), as a crash would.
    public func kill() async {
        await offCooperativePool { self.terminate(signal: SIGKILL, grace: 0) }
    }

    /// Waits up to `grace` seconds for the process to end, then sends `signal` and reaps it. Foundation's
    /// `waitUntilExit` can hang inside a test process (SIGCHLD may be blocked), so this polls `waitpid`.
    private func terminate(signal: Int32, grace: TimeInterval) {
        let process = lock.withLock { () -> Process? in
            defer { self.process = nil }
            return self.process
        }
        guard let process else { return }
        if waitForExit(process, timeout: grace) == nil {
            Foundation.kill(process.processIdentifier, signal)
            _ = waitForExit(process)
        }
    }

    /// Starts the server again on the same port.
    public func restart() async throws {
        try await offCooperativePool {
            self.stopBlocking()
            try self.launch()
        }
    }

    deinit {
        stopBlocking()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `redis-cli -p <port> <arguments>` and returns its output, for checking the server's state independently
    /// of the client under test.
    public func cli(_ arguments: [String]) async throws -> String {
        try await offCooperativePool { try self.cliBlocking(arguments) }
    }

    func cliBlocking(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        process.arguments = ["-p", String(port)] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A TCP port that is free now and that no other caller in this process gets: ports are handed out in turn from
    /// 20000–31999, below the kernel's ephemeral range (32768 and up), so neither a parallel test nor an outgoing
    /// connection's local port can take it between this call and the server's bind. The start depends on the process
    /// id, so that two test processes on one machine rarely meet; a port found busy is skipped.
    public static func freePort() throws -> Int {
        for _ in 0..<PortAllocator.count {
            let candidate = PortAllocator.next()
            if canBind(port: candidate) { return candidate }
        }
        throw TestServerError("no free TCP port in \(PortAllocator.first)–\(PortAllocator.first + PortAllocator.count - 1)")
    }

    private enum PortAllocator {
        static let first = 20000
        static let count = 12000
        private static let state = Mutex(Int(getpid()) * 37 % count)

        static func next() -> Int {
            state.withLock { offset in
                defer { offset = (offset + 1) % count }
                return first + offset
            }
        }
    }

    /// Whether a listening socket can be bound to `port` on loopback now.
    static func canBind(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

/// Runs blocking work (process launches, waits, sleeps) on a thread of its own. Test suites run in parallel on a
/// cooperative pool of one thread per core; blocking one of those threads would stall every other suite's async
/// work, including the Redis clients under test, and turn into false timeouts.
public func offCooperativePool<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do {
                continuation.resume(returning: try work())
            } catch {
                continuation.resume(throwing: error)
            }
        }
        thread.start()
    }
}

/// The non-throwing form of ``offCooperativePool(_:)``.
public func offCooperativePool<Result: Sendable>(_ work: @escaping @Sendable () -> Result) async -> Result {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: work()) }
        thread.start()
    }
}

/// A test-environment problem (redis-server missing or not starting).
public struct TestServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
