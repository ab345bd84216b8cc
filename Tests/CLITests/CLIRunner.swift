import Foundation
import RedisTestSupport
import Synchronization

/// Runs the built `cache-schema` executable and captures its output.
struct CLIRunner {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The directory holding the built products (the test bundle sits beside them).
    static var productsDirectory: URL {
        let bundle = Bundle.main.bundleURL
        if FileManager.default.fileExists(atPath: bundle.appendingPathComponent("cache-schema").path) { return bundle }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs the CLI on a thread of its own: waiting for a child process on the cooperative pool would stall every
    /// other test of the process (the pool has one thread per core).
    static func run(_ arguments: [String], in directory: URL? = nil) async throws -> Output {
        try await offCooperativePool { try runBlocking(arguments, in: directory) }
    }

    private static func runBlocking(_ arguments: [String], in directory: URL?) throws -> Output {
        let process = Process()
        process.executableURL = productsDirectory.appendingPathComponent("cache-schema")
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? repositoryRoot
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes to their end before waiting, so a large output cannot block the child. stderr is read on
        // another thread while stdout is read here.
        let stderrData = Mutex(Data())
        let reader = Thread { stderrData.withLock { $0 = err.fileHandleForReading.readDataToEndOfFile() } }
        reader.start()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        // By waitpid: Foundation's waitUntilExit can hang here (see waitForExit).
        let status = waitForExit(process)!
        // The child has exited, so its end of the stderr pipe is closed and the reader finishes.
        while reader.isExecuting || !reader.isFinished { Thread.sleep(forTimeInterval: 0.001) }
        return Output(
            status: status,
            stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData.withLock { $0 }, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cache-schema-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
