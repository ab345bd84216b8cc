import CacheSchemaRESP
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// One connection to a Redis server: `HELLO 3` (with AUTH and SETNAME, falling back to RESP2 when the server has no
/// HELLO), `SELECT`, then commands pipelined from any number of tasks at once.
///
/// Every command has a deadline (the configuration's `commandTimeout` unless given). A command whose task is cancelled
/// fails with `CancellationError` at once; its reply is read and dropped when it arrives, so the connection stays in
/// step. A command whose deadline passes fails with `timeout`, alone: commands behind it with later deadlines keep
/// waiting for their replies. When every command in flight has passed its deadline with the oldest still unanswered,
/// the connection is closed: nothing waits on a stalled server. A timeout of any length is accepted; one too long to
/// represent (beyond about 292 years) means no practical deadline.
public final class RedisConnection: Sendable {
    /// The settings it was opened with.
    public let configuration: RedisConnectionConfiguration
    /// 3 after a successful `HELLO 3`, 2 on servers without HELLO.
    public let protocolVersion: Int
    let channel: any Channel
    private let queue: RedisCommandQueue
    /// Whether replies have stopped coming (read by the pool).
    let progress: RedisConnectionProgress

    private init(configuration: RedisConnectionConfiguration, protocolVersion: Int, channel: any Channel, queue: RedisCommandQueue, progress: RedisConnectionProgress) {
        self.configuration = configuration
        self.protocolVersion = protocolVersion
        self.channel = channel
        self.queue = queue
        self.progress = progress
    }

    /// `host:port` of the server.
    public var address: String { configuration.address }

    /// Whether the connection is open.
    public var isActive: Bool { channel.isActive }

    /// A future that completes when the connection closes, for whatever reason.
    public var closeFuture: EventLoopFuture<Void> { channel.closeFuture }

    /// Opens a connection and performs the handshake.
    ///
    /// - Parameters:
    ///   - configuration: Where and how to connect.
    ///   - eventLoop: The event loop the connection runs on.
    ///   - logger: Receives connection events; never passwords or values.
    ///   - onPush: Receives RESP3 push messages (CLIENT TRACKING invalidations), on the connection's event loop.
    /// - Throws: ``RedisError`` (`connectionFailed`, `authentication`, `tls`, `timeout`).
    public static func connect(
        configuration: RedisConnectionConfiguration,
        eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any(),
        logger: Logger = Logger(label: "cache-schema.redis"),
        onPush: (@Sendable (RESPValue) -> Void)? = nil
    ) async throws -> RedisConnection {
        try await connect(configuration: configuration, eventLoop: eventLoop, logger: logger, onPush: onPush, progress: RedisConnectionProgress())
    }

    /// Opens a connection whose stalls are reported to `progress` (the pool's).
    static func connect(
        configuration: RedisConnectionConfiguration,
        eventLoop: any EventLoop,
        logger: Logger,
        onPush: (@Sendable (RESPValue) -> Void)?,
        progress: RedisConnectionProgress
    ) async throws -> RedisConnection {
        let address = configuration.address
        let sslContext: NIOSSLContext?
        if let tls = configuration.tls {
            sslContext = try makeSSLContext(tls, address: address)
        } else {
            sslContext = nil
        }
        let serverHostname = configuration.tls?.serverHostname ?? (isIPAddress(configuration.host) ? nil : configuration.host)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(saturating: configuration.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        let tlsHandler = try NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname)
                        try channel.pipeline.syncOperations.addHandler(tlsHandler)
                    }
                    let handler = RedisChannelHandler(address: address, expectsTLS: sslContext != nil, progress: progress)
                    handler.onPush = onPush
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        } catch {
            logger.debug("redis connect failed", metadata: ["address": "\(address)", "reason": "\(error)"])
            throw RedisError(.connectionFailed, "cannot connect: \(describeConnectError(error)); check that redis-server runs there and is reachable", address: address)
        }
        do {
            let handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: RedisChannelHandler.self), eventLoop: channel.eventLoop)
            }.get()
            let queue = RedisCommandQueue(eventLoop: channel.eventLoop, handler: handler, address: address)
            let version = try await handshake(queue: queue, configuration: configuration)
            logger.debug("redis connection open", metadata: ["address": "\(address)", "resp": "\(version)"])
            return RedisConnection(configuration: configuration, protocolVersion: version, channel: channel, queue: queue, progress: progress)
        } catch {
            try? await channel.close()
            if let error = error as? RedisError { throw error }
            if error is NIOSSLError || error is BoringSSLError {
                throw RedisError(.tls, "TLS handshake failed: \(error); check the CA certificate and the server name", address: address)
            }
            throw RedisError(.connectionFailed, "handshake failed: \(error)", address: address)
        }
    }

    private static func handshake(queue: RedisCommandQueue, configuration: RedisConnectionConfiguration) async throws -> Int {
        let address = configuration.address
        let deadline = NIODeadline.now() + TimeAmount(saturating: configuration.connectTimeout)
        func call(_ arguments: [String]) async throws -> RESPValue {
            try await queue.send(RedisCommand(arguments: arguments).buffer, deadline: deadline)
        }
        var hello = ["HELLO", "3"]
        if let password = configuration.password {
            hello += ["AUTH", configuration.username ?? "default", password]
        }
        if let name = configuration.clientName { hello += ["SETNAME", name] }
        var version = 3
        let reply = try await call(hello)
        if let message = reply.errorMessage {
            let error = RedisServerError(message: message)
            if error.code == .noProto || message.lowercased().contains("unknown command") {
                version = 2
                if let password = configuration.password {
                    let auth = try await call(["AUTH"] + (configuration.username.map { [$0] } ?? []) + [password])
                    if let message = auth.errorMessage { throw authenticationError(message, configuration) }
                }
                if let name = configuration.clientName {
                    _ = try await call(["CLIENT", "SETNAME", name]).throwingServerError(address: address)
                }
            } else if [.wrongPass, .noAuth, .noPerm].contains(error.code) {
                throw authenticationError(message, configuration)
            } else {
                throw RedisError.server(error, address: address)
            }
        }
        if configuration.database != 0 {
            let selected = try await call(["SELECT", String(configuration.database)])
            if let message = selected.errorMessage {
                throw RedisError(.configuration, "cannot select database \(configuration.database): \(message)", address: address)
            }
        }
        return version
    }

    private static func authenticationError(_ message: String, _ configuration: RedisConnectionConfiguration) -> RedisError {
        let user = configuration.username ?? "default"
        return RedisError(.authentication, "authentication as user '\(user)' failed: \(message); check the user and password in the Redis URL", address: configuration.address)
    }

    // MARK: Commands

    /// Sends one command and returns its reply; a server error reply is returned as a value, not thrown.
    ///
    /// - Parameters:
    ///   - command: The encoded command.
    ///   - timeout: Its deadline from now; the configuration's `commandTimeout` when `nil`.
    /// - Throws: ``RedisError`` (`timeout`, `connectionClosed`, `protocolError`) or `CancellationError`.
    public func send(_ command: RedisCommand, timeout: Duration? = nil) async throws -> RESPValue {
        try await queue.send(command.buffer, deadline: NIODeadline.now() + TimeAmount(saturating: timeout ?? configuration.commandTimeout))
    }

    /// Sends one command with an absolute deadline (the pool computes it once per command).
    func send(_ command: RedisCommand, deadline: NIODeadline) async throws -> RESPValue {
        try await queue.send(command.buffer, deadline: deadline)
    }

    /// Sends a command and throws a server error reply as ``RedisError`` of kind `server`.
    public func execute(_ command: RedisCommand, timeout: Duration? = nil) async throws -> RESPValue {
        try await send(command, timeout: timeout).throwingServerError(address: address)
    }

    /// Sends several commands in one write and returns each reply in order. One command's error does not lose the
    /// others' replies; a connection failure fails them all.
    public func batch(_ commands: [RedisCommand], timeout: Duration? = nil) async throws -> [Result<RESPValue, RedisError>] {
        try await batch(commands, deadline: NIODeadline.now() + TimeAmount(saturating: timeout ?? configuration.commandTimeout))
    }

    /// Sends several commands in one write with an absolute deadline; the task waits once for all the replies.
    func batch(_ commands: [RedisCommand], deadline: NIODeadline) async throws -> [Result<RESPValue, RedisError>] {
        guard !commands.isEmpty else { return [] }
        if commands.count == 1 {
            return try await queue.batch(commands[0].buffer, count: 1, deadline: deadline)
        }
        var size = 0
        for command in commands { size += command.buffer.readableBytes }
        var buffer = channel.allocator.buffer(capacity: size)
        for command in commands { buffer.writeImmutableBuffer(command.buffer) }
        return try await queue.batch(buffer, count: commands.count, deadline: deadline)
    }

    /// Runs commands as one `MULTI` … `EXEC` transaction, written at once. Returns each command's result; when the
    /// transaction is aborted (`EXECABORT`, a queued command refused) every result is that error.
    public func transaction(_ commands: [RedisCommand], timeout: Duration? = nil) async throws -> [Result<RESPValue, RedisError>] {
        try await transaction(commands, deadline: NIODeadline.now() + TimeAmount(saturating: timeout ?? configuration.commandTimeout))
    }

    /// A transaction with an absolute deadline (the pool computes it once).
    func transaction(_ commands: [RedisCommand], deadline: NIODeadline) async throws -> [Result<RESPValue, RedisError>] {
        let replies = try await batch([RedisCommand("MULTI")] + commands + [RedisCommand("EXEC")], deadline: deadline)
        guard let exec = replies.last else { return [] }
        switch exec {
        case .failure(let error):
            return commands.map { _ in .failure(error) }
        case .success(.array(let values)):
            return values.map { value in
                if let message = value.errorMessage { return .failure(.server(RedisServerError(message: message), address: address)) }
                return .success(value)
            }
        case .success(.null):
            return commands.map { _ in .failure(RedisError(.unexpectedReply, "the transaction was discarded (a WATCHed key changed)", address: address)) }
        case .success:
            return commands.map { _ in .failure(RedisError(.unexpectedReply, "EXEC returned an unexpected reply", address: address)) }
        }
    }

    /// The number of commands whose replies have not arrived.
    public func inFlightCount() async -> Int {
        let handler = queue.handler
        return (try? await channel.eventLoop.submit { handler.value.inFlight }.get()) ?? 0
    }

    /// Closes the connection; commands in flight fail with `connectionClosed`.
    public func close() async {
        try? await channel.close()
    }

    // MARK: Helpers

    private static func makeSSLContext(_ tls: RedisTLSConfiguration, address: String) throws -> NIOSSLContext {
        do {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let path = tls.caCertificatePath {
                configuration.trustRoots = .file(path)
            }
            if let certificate = tls.certificatePath, let key = tls.privateKeyPath {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            }
            configuration.certificateVerification = tls.verifyServer ? .fullVerification : .none
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw RedisError(.tls, "cannot set up TLS: \(error); check the certificate and key files", address: address)
        }
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    private static func describeConnectError(_ error: any Error) -> String {
        if let channelError = error as? ChannelError, case .connectTimeout(let amount) = channelError {
            return "no connection within \(amount.nanoseconds / 1_000_000) ms"
        }
        if let ioError = error as? IOError {
            return ioError.description
        }
        return "\(error)"
    }
}

extension TimeAmount {
    /// The duration in whole nanoseconds, saturating at `Int64.min` and `Int64.max` (about ±292 years): a longer
    /// timeout means no practical deadline, and `NIODeadline`'s `+` saturates at `distantFuture` in turn.
    /// (NIO's own `init(_: Duration)` maps a huge negative duration to `.max`.)
    init(saturating duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else {
            self = .nanoseconds(seconds < 0 ? .min : .max)
            return
        }
        let (total, carry) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        self = .nanoseconds(carry ? (seconds < 0 ? .min : .max) : total)
    }
}
