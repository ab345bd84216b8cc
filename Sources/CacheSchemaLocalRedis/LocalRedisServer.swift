import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A private `redis-server` on a free loopback port, for tests, benchmarks and a first run of the example service.
///
/// It listens on 127.0.0.1 only, keeps nothing on disk (`--save '' --appendonly no`), runs in a temporary folder of
/// its own (removed when the value is released) and writes its log there. It is killed when this process ends, even
/// by a crash (see ``ChildProcess/start(_:_:workingDirectory:environment:output:errorOutput:diesWithThisProcess:)``),
/// and when the value is released without ``stop()``.
///
/// Not for production: a deployed service is given the address of a managed Redis.
public final class LocalRedisServer: Sendable {
    /// The port it listens on.
    public let port: Int
    /// Its folder: working directory, log, and nothing else.
    public let directory: URL
    /// Options given to `redis-server` after the standard ones.
    public let arguments: [String]
    /// The `redis-server` it runs.
    public let executable: String
    private let process: Mutex<ChildProcess?>

    /// `redis://127.0.0.1:<port>`.
    public var url: String { "redis://127.0.0.1:\(port)" }

    /// The server's log (`--loglevel warning`).
    public var logFile: URL { Self.logFile(in: directory) }

    /// The process id while it runs.
    public var processID: Int32? { process.withLock { $0?.processID } }

    /// Starts a server and waits until it accepts connections.
    ///
    /// - Parameters:
    ///   - arguments: More `redis-server` options (`["--requirepass", "secret"]`), after the standard ones.
    ///   - port: A fixed port; by default a free one from ``LoopbackPort/free()``, and the next one if another process
    ///     takes it before the server binds it.
    ///   - executable: The `redis-server` to run; by default the one on `PATH`.
    ///   - folderPrefix: The start of its temporary folder's name, so that a stray folder says whose it was.
    public convenience init(
        arguments: [String] = [], port: Int? = nil, executable: String? = nil, folderPrefix: String = "local-redis"
    ) async throws(LocalRedisError) {
        let path: String
        if let executable {
            path = executable
        } else {
            path = try ExecutableSearch.require("redis-server", package: "redis-server")
        }
        var attempt = 0
        var started: (port: Int, directory: URL, process: ChildProcess)?
        while started == nil {
            attempt += 1
            let directory = FileManager.default.temporaryDirectory.appending(path: "\(folderPrefix)-\(UUID().uuidString)")
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw LocalRedisError(.launchFailed, "cannot create \(directory.path): \(error); check that the temporary folder is writable")
            }
            let chosenPort: Int
            if let port {
                chosenPort = port
            } else {
                chosenPort = try LoopbackPort.free()
            }
            do {
                let process = try await Self.launch(path, port: chosenPort, directory: directory, arguments: arguments)
                started = (chosenPort, directory, process)
            } catch {
                let portTaken = error.kind == .serverDidNotStart && Self.log(in: directory).contains("Address already in use")
                try? FileManager.default.removeItem(at: directory)
                // Another process may bind a free port first: then try the next one.
                guard portTaken, port == nil, attempt < 10 else { throw error }
            }
        }
        let server = started!
        self.init(port: server.port, directory: server.directory, arguments: arguments, executable: path, process: server.process)
    }

    private init(port: Int, directory: URL, arguments: [String], executable: String, process: ChildProcess) {
        self.port = port
        self.directory = directory
        self.arguments = arguments
        self.executable = executable
        self.process = Mutex(process)
    }

    /// Starts `redis-server` and waits until it accepts connections on `port`.
    private static func launch(
        _ executable: String, port: Int, directory: URL, arguments: [String]
    ) async throws(LocalRedisError) -> ChildProcess {
        let standard = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.path,
            "--daemonize", "no", "--loglevel", "warning",
        ]
        let child = try await ChildProcess.start(
            executable, standard + arguments, workingDirectory: directory, output: logFile(in: directory),
            diesWithThisProcess: true)
        try? await waitUntil("redis-server accepts connections on port \(port)") {
            child.hasExited || LoopbackPort.isAccepting(port)
        }
        guard !child.hasExited, LoopbackPort.isAccepting(port) else {
            await child.kill()
            throw LocalRedisError(
                .serverDidNotStart,
                "redis-server did not start on port \(port); its log (\(logFile(in: directory).path)) says: \(log(in: directory).suffix(500))")
        }
        return child
    }

    private static func logFile(in directory: URL) -> URL {
        directory.appending(path: "redis.log")
    }

    private static func log(in directory: URL) -> String {
        (try? String(contentsOf: logFile(in: directory), encoding: .utf8)) ?? ""
    }

    /// Stops the server (SIGTERM, then SIGKILL after 5 s) and waits until it has exited. Its folder stays until the
    /// value is released, so that ``restart()`` can start it again there.
    public func stop() async {
        await takeProcess()?.terminate(grace: .seconds(5))
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    public func kill() async {
        await takeProcess()?.kill()
    }

    /// Starts the server again on the same port, after stopping it if it runs.
    public func restart() async throws(LocalRedisError) {
        await stop()
        let child = try await Self.launch(executable, port: port, directory: directory, arguments: arguments)
        process.withLock { $0 = child }
    }

    /// Stops the server's process (SIGSTOP) until ``resume()``: a server that accepts connections and answers nothing,
    /// for as long as the caller says, and not for a duration that races the caller's own scheduling.
    public func suspend() {
        process.withLock { $0 }?.send(SIGSTOP)
    }

    /// Lets a server stopped by ``suspend()`` run again (SIGCONT).
    public func resume() {
        process.withLock { $0 }?.send(SIGCONT)
    }

    /// Runs `redis-cli -p <port> <arguments>` and returns its output, trimmed: a view of the server's state that does
    /// not go through the client under test.
    public func cli(_ arguments: [String]) async throws(LocalRedisError) -> String {
        let cli = try ExecutableSearch.require("redis-cli", package: "redis-tools")
        let run = try await CommandRun.run(cli, ["-p", String(port)] + arguments, timeout: .seconds(60))
        return run.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func takeProcess() -> ChildProcess? {
        process.withLock { process in
            defer { process = nil }
            return process
        }
    }

    deinit {
        // The child kills itself when released (ChildProcess's deinit); only the folder is left to remove.
        _ = takeProcess()
        try? FileManager.default.removeItem(at: directory)
    }
}
