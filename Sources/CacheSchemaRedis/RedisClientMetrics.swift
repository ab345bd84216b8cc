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
    private let poolWait: Timer
    private let opened: Counter
    private let closed: Counter
    private let connectFailures: Counter
    private let circuitOpened: Counter

    init(factory: (any MetricsFactory)?) {
        func counter(_ label: String, _ dimensions: [(String, String)] = []) -> Counter {
            factory.map { Counter(label: label, dimensions: dimensions, factory: $0) } ?? Counter(label: label, dimensions: dimensions)
        }
        func timer(_ label: String, _ dimensions: [(String, String)] = []) -> Timer {
            factory.map { Timer(label: label, dimensions: dimensions, factory: $0) } ?? Timer(label: label, dimensions: dimensions)
        }
        var commands: [String: CommandInstruments] = [:]
        for name in RedisCommandNames.known.union(["OTHER"]) {
            commands[name] = CommandInstruments(
                calls: counter("redis_client_commands_total", [("command", name)]),
                errors: counter("redis_client_command_errors_total", [("command", name)]),
                duration: timer("redis_client_command_duration_seconds", [("command", name)]))
        }
        self.commands = commands
        var failures: [String: Counter] = [:]
        for kind in ["server", "connectionFailed", "connectionClosed", "timeout", "poolUnavailable", "protocolError", "authentication", "tls", "shutDown", "configuration", "unexpectedReply", "circuitOpen"] {
            failures[kind] = counter("redis_client_failures_total", [("kind", kind)])
        }
        failuresByKind = failures
        poolWait = timer("redis_client_pool_wait_seconds")
        opened = counter("redis_client_connections_opened_total")
        closed = counter("redis_client_connections_closed_total")
        connectFailures = counter("redis_client_connect_failures_total")
        circuitOpened = counter("redis_client_circuit_opened_total")
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
    func breakerOpened() { circuitOpened.increment() }
}
