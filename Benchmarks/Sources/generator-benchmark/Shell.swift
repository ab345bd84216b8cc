import Foundation

/// What a command did.
struct CommandResult: Sendable {
    var status: Int32
    /// Standard output and standard error, interleaved.
    var output: String
    var duration: Duration
}

enum Shell {
    /// `swift` from `PATH`.
    static func swift(_ arguments: [String], in directory: URL) async throws -> CommandResult {
        try await run(URL(fileURLWithPath: "/usr/bin/env"), ["swift"] + arguments, in: directory, timeout: .seconds(30 * 60))
    }

    /// Runs a program to completion or until `timeout`, capturing its output through a file.
    static func run(_ executable: URL, _ arguments: [String], in directory: URL, timeout: Duration) async throws
        -> CommandResult
    {
        let log = FileManager.default.temporaryDirectory.appending(path: "cache-schema-benchmark-\(UUID().uuidString).log")
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
        let clock = ContinuousClock()
        let start = clock.now
        try process.run()
        while process.isRunning {
            if clock.now - start > timeout {
                process.terminate()
                process.waitUntilExit()
                throw BenchmarkError("timed out after \(timeout): swift \(arguments.joined(separator: " "))")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let duration = clock.now - start
        return CommandResult(
            status: process.terminationStatus, output: (try? String(contentsOf: log, encoding: .utf8)) ?? "",
            duration: duration)
    }
}

extension FileManager {
    /// Makes `destination` hold exactly the files of `source`, rewriting only files whose bytes differ (so that a
    /// reused build directory stays incremental).
    func mirror(_ source: URL, to destination: URL) throws {
        try createDirectory(at: destination, withIntermediateDirectories: true)
        let wanted = try contentsOfDirectory(atPath: source.path)
        for name in try contentsOfDirectory(atPath: destination.path) where !wanted.contains(name) {
            try removeItem(at: destination.appending(path: name))
        }
        for name in wanted {
            let from = source.appending(path: name)
            var isDirectory: ObjCBool = false
            _ = fileExists(atPath: from.path, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                try mirror(from, to: destination.appending(path: name))
            } else {
                try writeIfChanged(Data(contentsOf: from), to: destination.appending(path: name))
            }
        }
    }

    /// Writes `data` unless the file already holds exactly these bytes.
    func writeIfChanged(_ data: Data, to url: URL) throws {
        if let existing = try? Data(contentsOf: url), existing == data { return }
        try createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }
}
