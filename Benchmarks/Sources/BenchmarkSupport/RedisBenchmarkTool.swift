import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A private `redis-server` on a free loopback port, without persistence (`--save '' --appendonly no`), in a temporary
/// folder; `stop()` ends it and removes the folder.
public final class RedisServer: @unchecked Sendable {
    public let port: Int
    public let executable: String
    private let process: Process
    private let directory: URL

    /// Starts the server and waits (up to 10 s) until it accepts connections.
    ///
    /// - Parameters:
    ///   - executable: The `redis-server` binary.
    ///   - label: Prefix of the temporary folder's name.
    ///   - arguments: More `redis-server` options (`["--enable-debug-command", "yes"]`).
    public init(executable: String, label: String = "redis-benchmark-server", arguments: [String] = []) throws {
        self.executable = executable
        port = try Self.freePort()
        directory = FileManager.default.temporaryDirectory.appending(path: "\(label)-\(getpid())-\(port)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--dir", directory.path, "--loglevel", "warning",
        ] + arguments
        process.currentDirectoryURL = directory
        let log = directory.appending(path: "redis.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        // The child inherits the signal mask of the calling thread, and Dispatch's and NIO's threads block SIGTERM:
        // unblock every signal while spawning, so that `stop()`'s SIGTERM reaches the server.
        var empty = sigset_t(), previous = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !Self.canConnect(port: port) {
            guard process.isRunning, Date() < deadline else {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                stop()
                throw BenchmarkError("redis-server did not start on port \(port): \(text.suffix(400))")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    public var pid: Int32 { process.processIdentifier }

    /// SIGTERM, then waits up to 5 s, then SIGKILL; removes the folder.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// A port the kernel hands out for 127.0.0.1:0, released before redis-server binds it.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchmarkError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw BenchmarkError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    public static func canConnect(port: Int) -> Bool {
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

    public static func find(_ name: String) -> String? {
        for folder in ["/usr/bin", "/usr/local/bin", "/usr/sbin", "/opt/homebrew/bin"] {
            let path = folder + "/" + name
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}

/// Runs `redis-benchmark` against the server and reads its `--csv` output.
public struct RedisBenchmarkTool: Sendable {
    public let executable: String
    public let port: Int

    public init(executable: String, port: Int) {
        self.executable = executable
        self.port = port
    }

    /// The requests per second it reports for one test.
    public func run(test: String, requests: Int, clients: Int, pipeline: Int, dataSize: Int) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "-h", "127.0.0.1", "-p", String(port), "-t", test, "-d", String(dataSize), "-n", String(requests),
            "-c", String(clients), "-P", String(pipeline), "--csv",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        // "test","rps",...  then  "GET","18656.72",...
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            if fields.count >= 2, fields[0].uppercased() == test.uppercased(), let rps = Double(fields[1]) { return rps }
        }
        throw BenchmarkError("cannot read redis-benchmark's output for \(test): \(text.prefix(300))")
    }
}

public struct BenchmarkError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
