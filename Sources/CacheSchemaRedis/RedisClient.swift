import CacheSchemaRESP
import Logging
import Metrics
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A pooled, pipelining Redis client: the entry point applications hold.
///
/// Commands from many tasks share a few connections: each command goes to the least busy open connection, and
/// another connection is opened (up to the pool's maximum) when the least busy one has more than the pipeline
/// threshold in flight. A connection whose replies have stopped coming for longer than the pool's `stallThreshold`
/// (its oldest command is blocked, for example a write under `CLIENT PAUSE WRITE`) gets no new commands: they go to
/// another connection, or to a new one, or wait for one to answer again, so that a read never queues behind a
/// blocked write. Connections are opened on first use and reopened after a drop, with exponential backoff.
/// While the server is unreachable and the pool is backing off, commands fail at once with the last connection error
/// (kind `poolUnavailable`) instead of waiting: a cache in front of a database should fall through immediately.
/// A server that stops answering without closing (stopped, frozen, blackholed) is caught by a circuit breaker: after
/// a few commands in a row end without a reply, commands fail at once (kind `circuitOpen`) while one is let through
/// every `probeInterval` until the server answers (``RedisCircuitBreakerConfiguration``).
///
/// `run()` (a swift-service-lifecycle `Service`) adds upkeep: idle connections beyond the minimum are closed, idle
/// connections are health-checked with `PING`, the minimum is kept open, and graceful shutdown closes everything. The
/// client also works without `run()`; call ``shutdown()`` when done.
public final class RedisClient: Sendable, Service, RedisCommandSending {
    /// Where and how each connection connects.
    public let configuration: RedisConnectionConfiguration
    /// How the pool behaves.
    public let poolConfiguration: RedisPoolConfiguration
    private let eventLoopGroup: any EventLoopGroup
    /// Runs tasks on the event loop of the pooled connections: a task that prefers it
    /// (`withTaskExecutorPreference(client.taskExecutor) { … }`) sends commands without a thread hop per command.
    /// Pooled connections all run on this one event loop of the group.
    public let taskExecutor: RedisEventLoopExecutor
    private let logger: Logger
    private let metrics: RedisClientMetrics
    /// The pool's decisions (see ``RedisConnectionPoolStateMachine``); this class performs what it returns.
    private let state: Mutex<PoolStateMachine>
    /// Whether commands fail at once because the server stopped answering (see ``RedisCircuitBreaker``).
    private let breaker: Mutex<RedisCircuitBreaker>
    /// Connections opened outside the pool (``makeDedicatedConnection(onPush:)``), closed by ``shutdown()``; `nil` once
    /// shut down.
    private let dedicated = Mutex<[ObjectIdentifier: RedisConnection]?>([:])

    private typealias Waiter = CheckedContinuation<(RedisConnection, Int), any Error>
    private typealias PoolStateMachine = RedisConnectionPoolStateMachine<RedisConnection, Waiter>

    /// Creates a client. No connection is opened until the first command (or `run()`).
    ///
    /// - Parameters:
    ///   - configuration: Where and how to connect.
    ///   - pool: Pool sizes, idle and health-check periods, backoff.
    ///   - eventLoopGroup: The group whose next event loop the pooled connections run on (see ``taskExecutor``).
    ///   - logger: Connection events; never passwords, keys or values.
    ///   - metricsFactory: Where metrics go; the global `MetricsSystem` when `nil`.
    public init(
        configuration: RedisConnectionConfiguration,
        pool: RedisPoolConfiguration = RedisPoolConfiguration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "cache-schema.redis"),
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.configuration = configuration
        self.poolConfiguration = pool
        self.eventLoopGroup = eventLoopGroup
        self.taskExecutor = RedisEventLoopExecutor(eventLoop: eventLoopGroup.next())
        self.logger = logger
        self.metrics = RedisClientMetrics(factory: metricsFactory)
        self.state = Mutex(PoolStateMachine(configuration: pool, address: configuration.address))
        self.breaker = Mutex(RedisCircuitBreaker(configuration: pool.circuitBreaker))
    }

    /// Creates a client from a `redis://` or `rediss://` URL.
    public convenience init(url: String, pool: RedisPoolConfiguration = RedisPoolConfiguration(), logger: Logger = Logger(label: "cache-schema.redis")) throws(RedisError) {
        self.init(configuration: try RedisConnectionConfiguration(url: url), pool: pool, logger: logger)
    }

    // MARK: Commands

    /// Sends one command through the pool and returns its reply; a server error reply is a value, not thrown.
    ///
    /// - Parameters:
    ///   - command: The encoded command.
    ///   - timeout: The deadline from now, covering the wait for a connection too; the configuration's
    ///     `commandTimeout` when `nil`.
    /// - Throws: ``RedisError`` (`timeout`, `poolUnavailable`, `circuitOpen`, `connectionClosed`, `shutDown`, …) or
    ///   `CancellationError`.
    public func send(_ command: RedisCommand, timeout: Duration? = nil) async throws -> RESPValue {
        let start = NIODeadline.now()
        do {
            let reply = try await onPooledConnection(start: start, timeout: timeout) { try await $0.send(command, deadline: $1) }
            metrics.record(command: command.name, start: start, failed: reply.errorMessage != nil)
            return reply
        } catch let error as RedisError {
            metrics.recordFailure(command: command.name, start: start, kind: error.kind)
            throw error
        }
    }

    /// Sends several commands in one write on one connection; each reply in order.
    public func batch(_ commands: [RedisCommand], timeout: Duration? = nil) async throws -> [Result<RESPValue, RedisError>] {
        try await onPooledConnection(start: .now(), timeout: timeout) { try await $0.batch(commands, deadline: $1) }
    }

    /// Runs commands as one `MULTI` … `EXEC` transaction on one connection.
    public func transaction(_ commands: [RedisCommand], timeout: Duration? = nil) async throws -> [Result<RESPValue, RedisError>] {
        try await onPooledConnection(start: .now(), timeout: timeout) { try await $0.transaction(commands, deadline: $1) }
    }

    /// Whether the server stopped answering and commands fail at once (the circuit breaker is open).
    public var isCircuitOpen: Bool { breaker.withLock { $0.isOpen } }

    /// Runs `exchange` on a leased pooled connection, through the breaker, with the deadline `timeout` (the
    /// configuration's `commandTimeout` when `nil`) from `start`; the connection goes back to the pool afterwards.
    private func onPooledConnection<Value>(
        start: NIODeadline, timeout: Duration?, _ exchange: (RedisConnection, NIODeadline) async throws -> Value
    ) async throws -> Value {
        let deadline = start + TimeAmount(saturating: timeout ?? configuration.commandTimeout)
        return try await throughBreaker(start: start) {
            let (connection, slot) = try await lease(deadline: deadline)
            defer { release(slot) }
            return try await exchange(connection, deadline)
        }
    }

    /// Runs one exchange with the server unless the breaker fails it at once, and tells the breaker how it ended: a
    /// reply (of any kind) closes it, an exchange that ran out of time without one counts towards opening it.
    private func throughBreaker<Value>(start: NIODeadline, _ exchange: () async throws -> Value) async throws -> Value {
        let admission = breaker.withLock { $0.admit(now: start) }
        if case .failFast(let since) = admission {
            let settings = poolConfiguration.circuitBreaker
            throw RedisError(
                .circuitOpen,
                "the server stopped answering \(Self.describe(NIODeadline.now() - since)) ago (\(settings.threshold) commands in a row got no reply before their deadlines): commands fail at once, and one is let through every \(settings.probeInterval) to find out when it answers again; check the server (stopped, overloaded, unreachable)",
                address: configuration.address)
        }
        let isProbe = admission == .probe
        do {
            let result = try await exchange()
            if breaker.withLock({ $0.answered() }) {
                logger.notice("redis answers again; commands are sent again", metadata: ["address": "\(configuration.address)"])
            }
            return result
        } catch let error as RedisError where error.kind == .timeout || error.kind == .poolUnavailable {
            if breaker.withLock({ $0.timedOut(now: .now(), wasProbe: isProbe) }) {
                metrics.breakerOpened()
                logger.warning(
                    "redis stopped answering: commands fail at once until it answers again",
                    metadata: ["address": "\(configuration.address)", "error": "\(error.kind)"])
            }
            throw error
        } catch {
            if isProbe { breaker.withLock { $0.probeAbandoned(now: .now()) } }
            throw error
        }
    }

    private static func describe(_ amount: TimeAmount) -> String {
        amount.nanoseconds < 1_000_000_000 ? "\(amount.nanoseconds / 1_000_000) ms" : "\(amount.nanoseconds / 1_000_000_000) s"
    }

    /// Opens a connection outside the pool, for state that belongs to one connection (CLIENT TRACKING). The caller
    /// may close it; ``shutdown()`` closes it too.
    ///
    /// - Throws: ``RedisError`` of kind `shutDown` after ``shutdown()``, or the connection's error.
    public func makeDedicatedConnection(onPush: (@Sendable (RESPValue) -> Void)? = nil) async throws -> RedisConnection {
        guard dedicated.withLock({ $0 != nil }) else { throw RedisError(.shutDown, "the client was shut down") }
        let connection = try await RedisConnection.connect(configuration: configuration, eventLoop: eventLoopGroup.any(), logger: logger, onPush: onPush)
        let id = ObjectIdentifier(connection)
        let registered = dedicated.withLock { connections -> Bool in
            guard connections != nil else { return false }
            connections?[id] = connection
            return true
        }
        guard registered else {
            await connection.close()
            throw RedisError(.shutDown, "the client was shut down")
        }
        connection.closeFuture.whenComplete { [weak self] _ in self?.dedicated.withLock { _ = $0?.removeValue(forKey: id) } }
        return connection
    }

    /// The number of open pooled connections.
    public var openConnectionCount: Int { state.withLock { $0.openConnectionCount } }

    // MARK: Pool

    private func lease(deadline: NIODeadline) async throws -> (RedisConnection, Int) {
        if let lease = state.withLock({ $0.lease(now: .now()) }) {
            if lease.startConnecting { openConnection() }
            return (lease.connection, lease.slotID)
        }
        return try await waitForConnection(deadline: deadline)
    }

    /// Waits for a connection. The decision to wait and the registration as a waiter happen under one lock, so a
    /// connection that opens meanwhile is never missed.
    private func waitForConnection(deadline: NIODeadline) async throws -> (RedisConnection, Int) {
        let waitStart = NIODeadline.now()
        let id = state.withLock { $0.makeWaiterID() }
        defer { metrics.recordPoolWait(start: waitStart) }
        let timer = eventLoopGroup.any().scheduleTask(deadline: deadline) {
            if let (waiter, error) = self.state.withLock({ $0.waiterDeadlinePassed(id: id) }) {
                waiter.resume(throwing: error)
            }
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: Waiter) in
                let now = NIODeadline.now()
                let cancelled = Task.isCancelled
                let action = state.withLock { $0.wait(continuation, id: id, deadline: deadline, now: now, isCancelled: cancelled) }
                switch action {
                case .lease(let lease):
                    if lease.startConnecting { openConnection() }
                    continuation.resume(returning: (lease.connection, lease.slotID))
                case .fail(let error):
                    continuation.resume(throwing: error)
                case .queued(let startConnecting):
                    if startConnecting { openConnection() }
                }
            }
        } onCancel: {
            state.withLock { $0.waiterCancelled(id: id) }?.resume(throwing: CancellationError())
        }
    }

    /// Hands waiting commands to connections that can take them now: a stalled connection answered again.
    private func serveWaiters() {
        let action = state.withLock { $0.stalledConnectionAnswered(now: .now()) }
        for (waiter, lease) in action.leases { waiter.resume(returning: (lease.connection, lease.slotID)) }
        for _ in 0..<action.connectionsToOpen { openConnection() }
    }

    private func release(_ slotID: Int) {
        let now = NIODeadline.now()
        let action = state.withLock { $0.release(slotID: slotID, now: now) }
        for (waiter, lease) in action.leases { waiter.resume(returning: (lease.connection, lease.slotID)) }
        for _ in 0..<action.connectionsToOpen { openConnection() }
    }

    /// Opens one connection in the background; the attempt was already reserved in the state machine.
    ///
    /// The attempt runs on the connections' event loop, not on Swift's cooperative pool: a pool whose threads are
    /// busy with CPU-bound work would otherwise delay the connect past the waiting commands' deadlines, failing them
    /// although Redis answers at once.
    ///
    /// A reconnect's backoff is a task scheduled on the event loop, not a sleeping Swift task: when the client is shut
    /// down and its event loop group after it, a scheduled task is dropped with the loop, while a sleeping task would
    /// wake up and be enqueued on a loop that is gone (which SwiftNIO reports, and is to make a crash).
    private func openConnection(after delay: Duration = .zero) {
        guard !isShutDown else { return }
        guard delay > .zero else {
            Task(executorPreference: taskExecutor) { await self.connectOnce() }
            return
        }
        taskExecutor.eventLoop.scheduleTask(in: TimeAmount(saturating: delay)) { [weak self] in
            self?.openConnection()
        }
    }

    /// Whether ``shutdown()`` has begun.
    private var isShutDown: Bool { dedicated.withLock { $0 == nil } }

    private func connectOnce() async {
        let connection: RedisConnection
        let progress = RedisConnectionProgress(stallThreshold: TimeAmount(saturating: poolConfiguration.stallThreshold)) { [weak self] in
            self?.serveWaiters()
        }
        do {
            connection = try await RedisConnection.connect(configuration: configuration, eventLoop: taskExecutor.eventLoop, logger: logger, onPush: nil, progress: progress)
        } catch {
            let redisError = (error as? RedisError) ?? RedisError(.connectionFailed, "\(error)", address: configuration.address)
            let jitter = Double.random(in: 0...1)
            let action = state.withLock { $0.connectFailed(redisError, now: .now(), jitter: jitter) }
            metrics.connectFailed()
            logger.warning("redis connection failed", metadata: ["address": "\(configuration.address)", "error": "\(redisError.message)"])
            for waiter in action.fail.waiters { waiter.resume(throwing: action.fail.error) }
            if let delay = action.reconnectAfter { openConnection(after: delay) }
            return
        }
        switch state.withLock({ $0.connected(connection, progress: connection.progress, now: .now()) }) {
        case .close:
            await connection.close()
        case .use(let slotID, let waiters, let startConnecting):
            metrics.connectionOpened()
            logger.info("redis connection opened", metadata: ["address": "\(configuration.address)", "resp": "\(connection.protocolVersion)"])
            connection.closeFuture.whenComplete { _ in self.connectionClosed(slotID) }
            for waiter in waiters { waiter.resume(returning: (connection, slotID)) }
            if startConnecting { openConnection() }
        }
    }

    private func connectionClosed(_ slotID: Int) {
        let open = state.withLock { $0.connectionClosed(slotID: slotID) }
        metrics.connectionClosed()
        logger.info("redis connection closed", metadata: ["address": "\(configuration.address)"])
        for _ in 0..<open { openConnection() }
    }

    // MARK: Lifecycle

    /// Runs pool upkeep until graceful shutdown or cancellation, then shuts the client down.
    public func run() async throws {
        ensureMinimum()
        let period = min(poolConfiguration.healthCheckInterval, poolConfiguration.idleTimeout) / 2
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: max(period, .milliseconds(10)))
                if Task.isCancelled { break }
                await self.upkeep()
            }
        }
        await shutdown()
    }

    private func ensureMinimum() {
        let missing = state.withLock { $0.reserveMissingMinimum() }
        for _ in 0..<missing { openConnection() }
    }

    /// Closes idle connections beyond the minimum and pings idle ones; reopens up to the minimum.
    func upkeep() async {
        let action = state.withLock { $0.upkeep(now: .now()) }
        for connection in action.close { await connection.close() }
        for connection in action.healthCheck {
            do {
                _ = try await connection.execute(RedisCommand("PING"))
            } catch {
                logger.warning("redis health check failed; closing the connection", metadata: ["address": "\(configuration.address)", "error": "\(error)"])
                await connection.close()
            }
        }
        ensureMinimum()
    }

    /// Stops the client: waiting callers fail with `shutDown`, connections close once their in-flight commands are
    /// answered (or after the command timeout).
    public func shutdown() async {
        let outside = dedicated.withLock { connections in
            defer { connections = nil }
            return Array((connections ?? [:]).values)
        }
        for connection in outside { await connection.close() }
        let action = state.withLock { $0.shutdown() }
        for waiter in action.fail.waiters { waiter.resume(throwing: action.fail.error) }
        let drainDeadline = NIODeadline.now() + TimeAmount(saturating: configuration.commandTimeout)
        for connection in action.connections {
            while await connection.inFlightCount() > 0 && NIODeadline.now() < drainDeadline {
                try? await Task.sleep(for: .milliseconds(5))
            }
            await connection.close()
        }
    }
}
