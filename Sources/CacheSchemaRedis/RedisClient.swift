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
    private let state = Mutex(PoolState())

    private struct Slot {
        let id: Int
        let connection: RedisConnection
        var inFlight: Int
        var lastUsed: NIODeadline
    }

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<(RedisConnection, Int), any Error>
    }

    private struct PoolState {
        var slots: [Slot] = []
        var connecting = 0
        var waiters: [Waiter] = []
        var nextID = 0
        var failures = 0
        var lastError: RedisError?
        var retryAt: NIODeadline?
        var isShutDown = false
    }

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
    /// - Throws: ``RedisError`` (`timeout`, `poolUnavailable`, `connectionClosed`, `shutDown`, …) or
    ///   `CancellationError`.
    public func send(_ command: RedisCommand, timeout: Duration? = nil) async throws -> RESPValue {
        let start = NIODeadline.now()
        let deadline = start + TimeAmount(saturating: timeout ?? configuration.commandTimeout)
        let (connection, slot) = try await lease(deadline: deadline)
        defer { release(slot) }
        do {
            let reply = try await connection.send(command, deadline: deadline)
            metrics.record(command: command.name, start: start, failed: reply.errorMessage != nil)
            return reply
        } catch let error as RedisError {
            metrics.recordFailure(command: command.name, start: start, kind: error.kind)
            throw error
        }
    }

    /// Sends several commands in one write on one connection; each reply in order.
    public func batch(_ commands: [RedisCommand], timeout: Duration? = nil) async throws -> [Result<RESPValue, RedisError>] {
        let deadline = NIODeadline.now() + TimeAmount(saturating: timeout ?? configuration.commandTimeout)
        let (connection, slot) = try await lease(deadline: deadline)
        defer { release(slot) }
        return try await connection.batch(commands, deadline: deadline)
    }

    /// Runs commands as one `MULTI` … `EXEC` transaction on one connection.
    public func transaction(_ commands: [RedisCommand], timeout: Duration? = nil) async throws -> [Result<RESPValue, RedisError>] {
        let deadline = NIODeadline.now() + TimeAmount(saturating: timeout ?? configuration.commandTimeout)
        let (connection, slot) = try await lease(deadline: deadline)
        defer { release(slot) }
        return try await connection.transaction(commands, deadline: deadline)
    }

    /// Opens a connection outside the pool, for state that belongs to one connection (CLIENT TRACKING). The caller
    /// closes it.
    public func makeDedicatedConnection(onPush: (@Sendable (RESPValue) -> Void)? = nil) async throws -> RedisConnection {
        try await RedisConnection.connect(configuration: configuration, eventLoop: eventLoopGroup.any(), logger: logger, onPush: onPush)
    }

    /// The number of open pooled connections.
    public var openConnectionCount: Int { state.withLock { $0.slots.count } }

    // MARK: Pool

    private struct Lease {
        let connection: RedisConnection
        let slot: Int
        let grow: Bool
    }

    /// Takes the least busy open connection that is not stalled, if any; counts the command on it, and reserves a
    /// new connection when the least busy one is past the pipeline threshold.
    private func takeLeastBusy(_ state: inout PoolState) -> Lease? {
        var now: NIODeadline?
        var best: Int?
        for index in state.slots.indices {
            let progress = state.slots[index].connection.progress
            if progress.isWaiting {
                // A command sent here would queue behind one the server is not answering.
                let time = now ?? .now()
                now = time
                if progress.isStalled(at: time) { continue }
            }
            if best.map({ state.slots[index].inFlight < state.slots[$0].inFlight }) ?? true { best = index }
        }
        guard let best else { return nil }
        state.slots[best].inFlight += 1
        let grow = state.slots[best].inFlight > poolConfiguration.pipelineThreshold
            && state.connecting == 0 && state.slots.count < poolConfiguration.maximumConnections
        if grow { state.connecting += 1 }
        return Lease(connection: state.slots[best].connection, slot: state.slots[best].id, grow: grow)
    }

    private func lease(deadline: NIODeadline) async throws -> (RedisConnection, Int) {
        let fast = state.withLock { state -> Lease? in
            state.isShutDown ? nil : takeLeastBusy(&state)
        }
        if let fast {
            if fast.grow { openConnection() }
            return (fast.connection, fast.slot)
        }
        return try await waitForConnection(deadline: deadline)
    }

    private enum WaitDecision {
        case use(Lease)
        case fail(any Error)
        case wait(connect: Bool)
    }

    /// Waits for a connection. The decision to wait and the registration as a waiter happen under one lock, so a
    /// connection that opens meanwhile is never missed.
    private func waitForConnection(deadline: NIODeadline) async throws -> (RedisConnection, Int) {
        let waitStart = NIODeadline.now()
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        defer { metrics.recordPoolWait(start: waitStart) }
        let address = configuration.address
        let timer = eventLoopGroup.any().scheduleTask(deadline: deadline) {
            self.failWaiter(id, RedisError(.poolUnavailable, "no connection became available before the command's deadline (none could be opened, or every open one is stuck behind an unanswered command)", address: address))
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(RedisConnection, Int), any Error>) in
                let now = NIODeadline.now()
                let cancelled = Task.isCancelled
                let decision = state.withLock { state -> WaitDecision in
                    if state.isShutDown { return .fail(RedisError(.shutDown, "the client was shut down", address: address)) }
                    if let lease = takeLeastBusy(&state) { return .use(lease) }
                    if cancelled { return .fail(CancellationError()) }
                    if let retryAt = state.retryAt, now < retryAt, let lastError = state.lastError {
                        return .fail(RedisError(.poolUnavailable, "no connection to Redis (next attempt in \((retryAt - now).nanoseconds / 1_000_000) ms): \(lastError.message)", address: address))
                    }
                    if now >= deadline {
                        return .fail(RedisError(.poolUnavailable, "no connection became available before the command's deadline", address: address))
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    let connect = state.connecting == 0 && state.slots.count < poolConfiguration.maximumConnections
                    if connect { state.connecting += 1 }
                    return .wait(connect: connect)
                }
                switch decision {
                case .use(let lease):
                    if lease.grow { openConnection() }
                    continuation.resume(returning: (lease.connection, lease.slot))
                case .fail(let error):
                    continuation.resume(throwing: error)
                case .wait(let connect):
                    if connect { openConnection() }
                }
            }
        } onCancel: {
            failWaiter(id, CancellationError())
        }
    }

    /// Hands waiting commands to connections that can take them now: a stalled connection answered again.
    private func serveWaiters() {
        let (served, grow) = state.withLock { state -> ([(Waiter, Lease)], Int) in
            var served: [(Waiter, Lease)] = []
            var grow = 0
            while !state.isShutDown, !state.waiters.isEmpty, let lease = takeLeastBusy(&state) {
                served.append((state.waiters.removeFirst(), lease))
                if lease.grow { grow += 1 }
            }
            return (served, grow)
        }
        for (waiter, lease) in served { waiter.continuation.resume(returning: (lease.connection, lease.slot)) }
        for _ in 0..<grow { openConnection() }
    }

    private func failWaiter(_ id: Int, _ error: any Error) {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(throwing: error)
    }

    private func release(_ slotID: Int) {
        let now = NIODeadline.now()
        state.withLock { state in
            if let index = state.slots.firstIndex(where: { $0.id == slotID }) {
                state.slots[index].inFlight -= 1
                state.slots[index].lastUsed = now
            }
        }
    }

    /// Opens one connection in the background; `connecting` was already counted by the caller.
    ///
    /// The attempt runs on the connections' event loop, not on Swift's cooperative pool: a pool whose threads are
    /// busy with CPU-bound work would otherwise delay the connect past the waiting commands' deadlines, failing them
    /// although Redis answers at once.
    private func openConnection(after delay: Duration = .zero) {
        Task(executorPreference: taskExecutor) {
            if delay > .zero { try? await Task.sleep(for: delay) }
            await self.connectOnce()
        }
    }

    private func connectOnce() async {
        do {
            let progress = RedisConnectionProgress(stallThreshold: TimeAmount(saturating: poolConfiguration.stallThreshold)) { [weak self] in
                self?.serveWaiters()
            }
            let connection = try await RedisConnection.connect(configuration: configuration, eventLoop: taskExecutor.eventLoop, logger: logger, onPush: nil, progress: progress)
            var growAfterwards = false
            let (accepted, id, waiters) = state.withLock { state -> (Bool, Int, [Waiter]) in
                state.connecting -= 1
                guard !state.isShutDown else { return (false, 0, []) }
                state.failures = 0
                state.lastError = nil
                state.retryAt = nil
                state.nextID += 1
                // Hand this connection at most a pipeline's worth of the waiters while the pool may still grow, and
                // open another connection for the rest; at the maximum, it takes them all.
                var waiters = state.waiters
                let canGrow = state.slots.count + 1 + state.connecting < poolConfiguration.maximumConnections
                if canGrow && waiters.count > poolConfiguration.pipelineThreshold {
                    state.waiters = Array(waiters[poolConfiguration.pipelineThreshold...])
                    waiters = Array(waiters[..<poolConfiguration.pipelineThreshold])
                    state.connecting += 1
                    growAfterwards = true
                } else {
                    state.waiters = []
                }
                state.slots.append(Slot(id: state.nextID, connection: connection, inFlight: waiters.count, lastUsed: .now()))
                return (true, state.nextID, waiters)
            }
            guard accepted else {
                await connection.close()
                return
            }
            metrics.connectionOpened()
            logger.info("redis connection opened", metadata: ["address": "\(configuration.address)", "resp": "\(connection.protocolVersion)"])
            connection.closeFuture.whenComplete { _ in self.connectionClosed(id) }
            for waiter in waiters { waiter.continuation.resume(returning: (connection, id)) }
            if growAfterwards { openConnection() }
        } catch {
            let redisError = (error as? RedisError) ?? RedisError(.connectionFailed, "\(error)", address: configuration.address)
            let (waiters, retry) = state.withLock { state -> ([Waiter], Duration?) in
                state.connecting -= 1
                state.failures += 1
                state.lastError = redisError
                let backoff = backoffDelay(failures: state.failures)
                state.retryAt = .now() + TimeAmount(saturating: backoff)
                let waiters = state.waiters
                state.waiters = []
                // Keep trying in the background while fewer than the minimum are open.
                if !state.isShutDown && state.slots.count + state.connecting < poolConfiguration.minimumConnections {
                    state.connecting += 1
                    return (waiters, backoff)
                }
                return (waiters, nil)
            }
            metrics.connectFailed()
            logger.warning("redis connection failed", metadata: ["address": "\(configuration.address)", "error": "\(redisError.message)"])
            let poolError = RedisError(.poolUnavailable, "no connection to Redis: \(redisError.message)", address: configuration.address)
            for waiter in waiters { waiter.continuation.resume(throwing: poolError) }
            if let retry { openConnection(after: retry) }
        }
    }

    private func connectionClosed(_ id: Int) {
        let reconnect = state.withLock { state -> Bool in
            state.slots.removeAll { $0.id == id }
            guard !state.isShutDown else { return false }
            // Reopen below the minimum, and for commands that wait because every other connection is stalled.
            let belowMinimum = state.slots.count + state.connecting < poolConfiguration.minimumConnections
            let forWaiters = !state.waiters.isEmpty && state.connecting == 0 && state.slots.count < poolConfiguration.maximumConnections
            guard belowMinimum || forWaiters else { return false }
            state.connecting += 1
            return true
        }
        metrics.connectionClosed()
        logger.info("redis connection closed", metadata: ["address": "\(configuration.address)"])
        if reconnect { openConnection() }
    }

    private func backoffDelay(failures: Int) -> Duration {
        let base = poolConfiguration.initialBackoff * (1 << min(failures - 1, 16))
        let capped = min(base, poolConfiguration.maximumBackoff)
        // Up to 20% jitter so that many clients do not reconnect in lockstep.
        return capped * Double.random(in: 0.8...1.0)
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
        let missing = state.withLock { state -> Int in
            guard !state.isShutDown else { return 0 }
            let missing = max(0, poolConfiguration.minimumConnections - state.slots.count - state.connecting)
            state.connecting += missing
            return missing
        }
        for _ in 0..<missing { openConnection() }
    }

    /// Closes idle connections beyond the minimum and pings idle ones; reopens up to the minimum.
    func upkeep() async {
        let now = NIODeadline.now()
        let idleLimit = TimeAmount(saturating: poolConfiguration.idleTimeout)
        let checkLimit = TimeAmount(saturating: poolConfiguration.healthCheckInterval)
        let (toClose, toCheck) = state.withLock { state -> ([RedisConnection], [RedisConnection]) in
            var close: [RedisConnection] = []
            var keep = state.slots.count
            for slot in state.slots where slot.inFlight == 0 && now - slot.lastUsed > idleLimit && keep > poolConfiguration.minimumConnections {
                close.append(slot.connection)
                keep -= 1
            }
            let closing = Set(close.map(ObjectIdentifier.init))
            state.slots.removeAll { closing.contains(ObjectIdentifier($0.connection)) }
            let check = state.slots.filter { $0.inFlight == 0 && now - $0.lastUsed > checkLimit }.map(\.connection)
            return (close, check)
        }
        for connection in toClose { await connection.close() }
        for connection in toCheck {
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
        let (slots, waiters) = state.withLock { state -> ([Slot], [Waiter]) in
            state.isShutDown = true
            defer {
                state.slots = []
                state.waiters = []
            }
            return (state.slots, state.waiters)
        }
        for waiter in waiters { waiter.continuation.resume(throwing: RedisError(.shutDown, "the client was shut down", address: configuration.address)) }
        let drainDeadline = NIODeadline.now() + TimeAmount(saturating: configuration.commandTimeout)
        for slot in slots {
            while await slot.connection.inFlightCount() > 0 && NIODeadline.now() < drainDeadline {
                try? await Task.sleep(for: .milliseconds(5))
            }
            await slot.connection.close()
        }
    }
}
