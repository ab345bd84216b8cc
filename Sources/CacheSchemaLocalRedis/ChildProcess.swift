import Foundation
import Subprocess
import Synchronization

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child process that runs until it exits or is stopped: a `redis-server`, a service under test, a build.
///
/// Launched and reaped by swift-subprocess, which gives the child an empty signal mask and default signal handlers
/// whatever the calling thread blocks (NIO's and Dispatch's threads block SIGTERM, and a child inherits that), and
/// waits for it through a process descriptor rather than SIGCHLD (which a test process may block). Its standard output
/// and standard error go to a file, never to a pipe that could fill up and stall it.
///
/// Signals are sent by process id while the child has not been reaped: until swift-subprocess reaps it, the id
/// cannot be reused.
public final class ChildProcess: Sendable {
    /// The process id.
    public let processID: Int32
    /// What was started, for messages: the executable and its arguments.
    public let commandLine: String
    private let exit: Task<Int32, Never>
    private let exitStatus: ExitStatus

    private init(processID: Int32, commandLine: String, exit: Task<Int32, Never>, exitStatus: ExitStatus) {
        self.processID = processID
        self.commandLine = commandLine
        self.exit = exit
        self.exitStatus = exitStatus
    }

    /// Starts `executable` with `arguments`.
    ///
    /// - Parameters:
    ///   - executable: The program's path.
    ///   - arguments: Its arguments.
    ///   - workingDirectory: Where it runs; the current folder by default.
    ///   - environment: Changes to this process's environment (`nil` removes a variable).
    ///   - output: The file its standard output is appended to (created if missing); `/dev/null` by default.
    ///   - errorOutput: The file for its standard error; by default the same as `output`, interleaved.
    ///   - diesWithThisProcess: On Linux, run it under util-linux's `setpriv --pdeathsig KILL` when that exists, so
    ///     that it is killed when this process ends in any way (a crash, SIGKILL, a test runner stopping), not only
    ///     through ``terminate(grace:)``. The kernel sends that signal when the *thread* that started the child ends;
    ///     swift-subprocess starts every child from one worker thread of its own that lives until this process exits,
    ///     so the child lives exactly as long as this process.
    public static func start(
        _ executable: String,
        _ arguments: [String] = [],
        workingDirectory: URL? = nil,
        environment: [String: String?] = [:],
        output: URL? = nil,
        errorOutput: URL? = nil,
        diesWithThisProcess: Bool = false
    ) async throws(LocalRedisError) -> ChildProcess {
        var command = [executable] + arguments
        #if os(Linux)
            if diesWithThisProcess, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") {
                command = ["/usr/bin/setpriv", "--pdeathsig", "KILL", "--"] + command
            }
        #endif
        let commandLine = ([executable] + arguments).joined(separator: " ")
        let configuration = Configuration(
            executable: .path(FilePath(command[0])),
            arguments: Arguments(Array(command.dropFirst())),
            environment: .inherit.updating(Dictionary(uniqueKeysWithValues: environment.compactMap { name, value in
                Environment.Key(rawValue: name).map { ($0, value) }
            })),
            workingDirectory: workingDirectory.map { FilePath($0.path) })
        let outputFile = try openForAppending(output)
        let errorFile = try errorOutput.map { url throws(LocalRedisError) in try openForAppending(url) }

        let exitStatus = ExitStatus()
        let spawned = AsyncThrowingStream<Int32, any Error>.makeStream()
        // The run lasts as long as the child: its body only reports the process id, after which swift-subprocess
        // waits for the child to exit and reaps it.
        let exit = Task.detached { () -> Int32 in
            let status: Int32
            do {
                let announce: (ProcessIdentifier) -> Void = { identifier in
                    spawned.continuation.yield(identifier.value)
                    spawned.continuation.finish()
                }
                let result: TerminationStatus
                if let errorFile {
                    result = try await Subprocess.run(
                        configuration, input: .none, output: .fileDescriptor(outputFile, closeAfterSpawningProcess: true),
                        error: .fileDescriptor(errorFile, closeAfterSpawningProcess: true)
                    ) { execution in announce(execution.processIdentifier) }.terminationStatus
                } else {
                    result = try await Subprocess.run(
                        configuration, input: .none, output: .fileDescriptor(outputFile, closeAfterSpawningProcess: true),
                        error: .combinedWithOutput
                    ) { execution in announce(execution.processIdentifier) }.terminationStatus
                }
                switch result {
                case .exited(let code): status = code
                case .signaled(let signal): status = 128 + signal
                }
            } catch {
                spawned.continuation.finish(throwing: error)
                status = -1
            }
            exitStatus.record(status)
            return status
        }
        do {
            for try await processID in spawned.stream {
                return ChildProcess(processID: processID, commandLine: commandLine, exit: exit, exitStatus: exitStatus)
            }
        } catch {
            throw LocalRedisError(.launchFailed, "cannot start \(commandLine): \(error); check that the program exists and can run")
        }
        throw LocalRedisError(.launchFailed, "cannot start \(commandLine); check that the program exists and can run")
    }

    private static func openForAppending(_ url: URL?) throws(LocalRedisError) -> FileDescriptor {
        let path = url?.path ?? "/dev/null"
        do {
            return try FileDescriptor.open(
                FilePath(path), .writeOnly, options: [.create, .append],
                permissions: [.ownerReadWrite, .groupRead, .otherRead])
        } catch {
            throw LocalRedisError(.launchFailed, "cannot open \(path) for a child process's output: \(error); check the folder exists and is writable")
        }
    }

    /// Whether it has exited (and been reaped).
    public var hasExited: Bool { exitStatus.value != nil }

    /// How it ended, once it has: its exit code, 128 + the signal's number when a signal ended it (as a shell says),
    /// or -1 when swift-subprocess could not tell.
    public var status: Int32? { exitStatus.value }

    /// Sends `signal` (`SIGSTOP`, `SIGCONT`, …), unless it has exited.
    public func send(_ signal: Int32) {
        guard !hasExited else { return }
        _ = Foundation.kill(processID, signal)
    }

    /// Waits until it exits and returns ``status``, or `nil` when `timeout` passes first (it then still runs).
    public func waitForExit(timeout: Duration? = nil) async -> Int32? {
        guard let timeout else { return await exit.value }
        try? await waitUntil("\(commandLine) exits", timeout: timeout) { hasExited }
        return status
    }

    /// Stops it: SIGTERM (and SIGCONT, so that a stopped process handles it), up to `grace` to exit, then SIGKILL.
    /// Returns how it ended.
    @discardableResult
    public func terminate(grace: Duration = .seconds(5)) async -> Int32 {
        send(SIGTERM)
        send(SIGCONT)
        if let status = await waitForExit(timeout: grace) { return status }
        return await kill()
    }

    /// Kills it at once (SIGKILL), as a crash would, and returns how it ended.
    @discardableResult
    public func kill() async -> Int32 {
        send(SIGKILL)
        return await exit.value
    }

    deinit {
        // Nobody can stop it any more: kill it; the detached run still reaps it.
        if !hasExited { _ = Foundation.kill(processID, SIGKILL) }
    }
}

/// How a child ended, once it has: written by the run that reaps it, read by everyone else.
private final class ExitStatus: Sendable {
    private let status = Mutex<Int32?>(nil)

    var value: Int32? { status.withLock { $0 } }

    func record(_ value: Int32) {
        status.withLock { $0 = value }
    }
}
