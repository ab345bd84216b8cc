import Metrics
import NIOCore

/// swift-metrics instruments of the client, with bounded labels: the command name (a known set, else `OTHER`) and
/// the error kind. Instruments are created once, not per command.
struct RedisClientMetrics: Sendable {
    private struct CommandInstruments: Sendable {
        let calls: Counter
        let errors: Counter
        let duration: Timer
    }

    private let commands: [String: CommandInstruments]
    private let failuresByKind: [String: Counter]
    private let poolWait = Timer(label: "redis_client_pool_wait_seconds")
    private let opened = Counter(label: "redis_client_connections_opened_total")
    private let closed = Counter(label: "redis_client_connections_closed_total")
    private let connectFailures = Counter(label: "redis_client_connect_failures_total")

    init() {
        var commands: [String: CommandInstruments] = [:]
        for name in RedisCommandNames.known.union(["OTHER"]) {
            commands[name] = CommandInstruments(
                calls: Counter(label: "redis_client_commands_total", dimensions: [("command", name)]),
                errors: Counter(label: "redis_client_command_errors_total", dimensions: [("command", name)]),
                duration: Timer(label: "redis_client_command_duration_seconds", dimensions: [("command", name)]))
        }
        self.commands = commands
        var failures: [String: Counter] = [:]
        for kind in ["server", "connectionFailed", "connectionClosed", "timeout", "poolUnavailable", "protocolError", "authentication", "tls", "shutDown", "configuration", "unexpectedReply"] {
            failures[kind] = Counter(label: "redis_client_failures_total", dimensions: [("kind", kind)])
        }
        failuresByKind = failures
    }

    func record(command: String, start: NIODeadline, failed: Bool) {
        guard let instruments = commands[command] else { return }
        instruments.calls.increment()
        if failed {
            instruments.errors.increment()
            failuresByKind["server"]?.increment()
        }
        instruments.duration.recordNanoseconds((NIODeadline.now() - start).nanoseconds)
    }

    func recordFailure(command: String, start: NIODeadline, kind: RedisError.Kind) {
        guard let instruments = commands[command] else { return }
        instruments.calls.increment()
        instruments.errors.increment()
        failuresByKind["\(kind)"]?.increment()
        instruments.duration.recordNanoseconds((NIODeadline.now() - start).nanoseconds)
    }

    func recordPoolWait(start: NIODeadline) {
        poolWait.recordNanoseconds((NIODeadline.now() - start).nanoseconds)
    }

    func connectionOpened() { opened.increment() }
    func connectionClosed() { closed.increment() }
    func connectFailed() { connectFailures.increment() }
}
