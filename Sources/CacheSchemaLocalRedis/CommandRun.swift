import Foundation

/// A program run to completion: how it ended, what it printed, how long it took.
public struct CommandRun: Sendable {
    /// Its exit code, or 128 + the signal's number when a signal ended it.
    public var status: Int32
    /// Its standard output, with its standard error interleaved unless they were asked for apart.
    public var output: String
    /// Its standard error when asked for apart, else empty.
    public var errorOutput: String
    /// From start to exit.
    public var duration: Duration

    /// Runs `executable` with `arguments` to completion, or kills it after `timeout`.
    ///
    /// Output goes through temporary files, so that no pipe can fill up and stall the program, and the wait suspends
    /// the task instead of blocking a thread: it may be called from Swift's cooperative pool.
    ///
    /// - Parameters:
    ///   - executable: The program's path.
    ///   - arguments: Its arguments.
    ///   - workingDirectory: Where it runs; the current folder by default.
    ///   - environment: Changes to this process's environment (`nil` removes a variable).
    ///   - separateErrorOutput: Capture standard error apart, in ``errorOutput``.
    ///   - timeout: A bound for a hung program, not a performance check: a loaded machine can make a build many
    ///     times slower.
    /// - Throws: ``LocalRedisError`` with kind `launchFailed` or `timedOut` (its message ends with what the program
    ///   printed).
    public static func run(
        _ executable: String,
        _ arguments: [String] = [],
        workingDirectory: URL? = nil,
        environment: [String: String?] = [:],
        separateErrorOutput: Bool = false,
        timeout: Duration = .seconds(600)
    ) async throws(LocalRedisError) -> CommandRun {
        let folder = FileManager.default.temporaryDirectory.appending(path: "command-run-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw LocalRedisError(.launchFailed, "cannot create \(folder.path): \(error); check that the temporary folder is writable")
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputFile = folder.appending(path: "output")
        let errorFile = separateErrorOutput ? folder.appending(path: "error") : nil
        func read(_ file: URL?) -> String {
            file.flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? ""
        }

        let clock = ContinuousClock()
        let start = clock.now
        let child = try await ChildProcess.start(
            executable, arguments, workingDirectory: workingDirectory, environment: environment, output: outputFile,
            errorOutput: errorFile)
        guard let status = await child.waitForExit(timeout: timeout) else {
            await child.kill()
            throw LocalRedisError(
                .timedOut,
                "\(child.commandLine) ran longer than \(timeout) and was killed; if the machine is only slow, allow more time:\n\(read(outputFile).suffix(4000))")
        }
        return CommandRun(status: status, output: read(outputFile), errorOutput: read(errorFile), duration: clock.now - start)
    }
}
