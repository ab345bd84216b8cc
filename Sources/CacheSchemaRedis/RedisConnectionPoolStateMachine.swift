import NIOCore

/// The pool's decisions as a value: which connection a command leases, when a command waits, when a connection is
/// opened or reopened and after what backoff, which waiters fail and with what error.
///
/// Each method takes an event and returns what to do; it never resumes, spawns or closes anything itself. No locks,
/// channels or continuations are inside: ``RedisClient`` keeps the machine under its lock and performs the returned
/// actions after releasing it, and tests drive it with plain values. `Connection` and `Waiter` are opaque here (a
/// ``RedisConnection`` and a continuation in the client).
///
/// Which connection: the least busy open one that is not stalled (see ``RedisConnectionProgress``). Another connection
/// is reserved when the least busy one passes the pipeline threshold, up to the maximum, one attempt at a time.
struct RedisConnectionPoolStateMachine<Connection, Waiter> {
    /// A command's connection: `slotID` is handed back to ``release(slotID:now:)``.
    struct Lease {
        let connection: Connection
        let slotID: Int
        /// The pool reserved one more connection: the owner opens it.
        let startConnecting: Bool
    }

    /// What to do with a command that found no connection at once.
    enum WaitAction {
        /// Use this connection (one became usable meanwhile).
        case lease(Lease)
        /// Fail the command now with this error.
        case fail(any Error)
        /// The waiter was queued; open a connection when `startConnecting`.
        case queued(startConnecting: Bool)
    }

    /// What to do with a connection that has just opened.
    enum ConnectedAction {
        /// The pool was shut down meanwhile: close it.
        case close
        /// It is pooled as `slotID`: resume `waiters` with it, and open another connection when `startConnecting`.
        case use(slotID: Int, waiters: [Waiter], startConnecting: Bool)
    }

    /// Waiting commands to fail, all with one error.
    struct FailWaiters {
        var waiters: [Waiter]
        var error: RedisError
    }

    /// What to do after a connection attempt failed.
    struct ConnectFailedAction {
        var fail: FailWaiters
        /// Try again after this delay (the pool is below its minimum), or not at all.
        var reconnectAfter: Duration?
    }

    /// Waiters that can go now, each with its connection, and how many connections to open.
    struct ServeAction {
        var leases: [(waiter: Waiter, lease: Lease)]
        var connectionsToOpen: Int
    }

    /// Idle connections to close, and idle connections to check with `PING`.
    struct UpkeepAction {
        var close: [Connection]
        var healthCheck: [Connection]
    }

    /// Everything to stop at shutdown: connections to drain and close, and every waiter.
    struct ShutdownAction {
        var connections: [Connection]
        var fail: FailWaiters
    }

    /// An open pooled connection and the commands counted on it.
    private struct Slot {
        let id: Int
        let connection: Connection
        /// Whether its replies have stopped coming (read, never written, here).
        let progress: RedisConnectionProgress
        var inFlight: Int
        /// When a command on it last completed, for the idle timeout and the health check.
        var lastUsed: NIODeadline
    }

    let configuration: RedisPoolConfiguration
    /// The server's `host:port`, for errors.
    let address: String
    private let backoff: RedisReconnectBackoff
    private var slots: [Slot] = []
    /// Connection attempts under way (reserved and not yet reported by `connected` or `connectFailed`).
    private(set) var connecting = 0
    /// Commands waiting for a connection, oldest first; `id` finds one at its deadline or cancellation.
    private var waiters: [(id: Int, waiter: Waiter)] = []
    private var nextID = 0
    private var failures = 0
    private var lastError: RedisError?
    private var retryAt: NIODeadline?
    private(set) var isShutDown = false

    init(configuration: RedisPoolConfiguration, address: String) {
        self.configuration = configuration
        self.address = address
        self.backoff = RedisReconnectBackoff(initial: configuration.initialBackoff, maximum: configuration.maximumBackoff)
    }

    /// The number of open pooled connections.
    var openConnectionCount: Int { slots.count }

    /// The number of commands waiting for a connection.
    var waiterCount: Int { waiters.count }

    /// Commands counted on the connection `slotID`, or `nil` when it is not pooled.
    func inFlight(onSlot slotID: Int) -> Int? {
        slots.first { $0.id == slotID }?.inFlight
    }

    // MARK: Leasing

    /// A command wants a connection now: the least busy usable one, or `nil` when there is none (the command then
    /// calls ``wait(_:id:deadline:now:isCancelled:)``). `now` is read only if a connection has commands in flight.
    mutating func lease(now: @autoclosure () -> NIODeadline) -> Lease? {
        isShutDown ? nil : takeLeastBusy(now: now())
    }

    /// A fresh identifier for a waiter, for its later deadline or cancellation.
    mutating func makeWaiterID() -> Int {
        nextID += 1
        return nextID
    }

    /// A command found no connection and will wait: decides under one lock whether it can go after all, fails at
    /// once, or waits (so that a connection that opens meanwhile is never missed).
    mutating func wait(_ waiter: Waiter, id: Int, deadline: NIODeadline, now: NIODeadline, isCancelled: Bool) -> WaitAction {
        if isShutDown { return .fail(shutDownError) }
        if let lease = takeLeastBusy(now: now) { return .lease(lease) }
        if isCancelled { return .fail(CancellationError()) }
        if let retryAt, now < retryAt, let lastError {
            // Backing off after a failure: fail fast, a cache should fall through to its source at once.
            let wait = (retryAt - now).nanoseconds / 1_000_000
            return .fail(RedisError(.poolUnavailable, "no connection to Redis (next attempt in \(wait) ms): \(lastError.message)", address: address))
        }
        if now >= deadline {
            return .fail(RedisError(.poolUnavailable, "no connection became available before the command's deadline", address: address))
        }
        waiters.append((id, waiter))
        return .queued(startConnecting: reserveConnectionIfIdle())
    }

    /// The waiter's deadline passed: it fails with the returned error, if it is still waiting.
    mutating func waiterDeadlinePassed(id: Int) -> (waiter: Waiter, error: RedisError)? {
        guard let waiter = removeWaiter(id: id) else { return nil }
        let error = RedisError(
            .poolUnavailable,
            "no connection became available before the command's deadline (none could be opened, or every open one is stuck behind an unanswered command)",
            address: address)
        return (waiter, error)
    }

    /// The waiter's task was cancelled: it fails with `CancellationError`, if it is still waiting.
    mutating func waiterCancelled(id: Int) -> Waiter? {
        removeWaiter(id: id)
    }

    /// A stalled connection answered again: waiters take the connections that can serve them now.
    mutating func stalledConnectionAnswered(now: NIODeadline) -> ServeAction {
        var action = ServeAction(leases: [], connectionsToOpen: 0)
        while !isShutDown, !waiters.isEmpty, let lease = takeLeastBusy(now: now) {
            action.leases.append((waiters.removeFirst().waiter, lease))
            if lease.startConnecting { action.connectionsToOpen += 1 }
        }
        return action
    }

    /// A command on `slotID` completed. Waiters, if any, take the connections that can serve them now: a reply
    /// proves its connection is not stalled, and the recovery signal alone can be missed (the pool may judge a
    /// connection stalled a moment after its reply arrived, when the reply's handler judged it not stalled yet).
    @discardableResult
    mutating func release(slotID: Int, now: NIODeadline) -> ServeAction {
        guard let index = slots.firstIndex(where: { $0.id == slotID }) else { return ServeAction(leases: [], connectionsToOpen: 0) }
        slots[index].inFlight -= 1
        slots[index].lastUsed = now
        guard !waiters.isEmpty else { return ServeAction(leases: [], connectionsToOpen: 0) }
        return stalledConnectionAnswered(now: now)
    }

    // MARK: Connecting

    /// A connection attempt succeeded.
    mutating func connected(_ connection: Connection, progress: RedisConnectionProgress, now: NIODeadline) -> ConnectedAction {
        connecting -= 1
        guard !isShutDown else { return .close }
        failures = 0
        lastError = nil
        retryAt = nil
        nextID += 1
        // Hand this connection at most a pipeline's worth of the waiters while the pool may still grow, and open
        // another connection for the rest; at the maximum, it takes them all.
        var served = waiters
        var startConnecting = false
        let canGrow = slots.count + 1 + connecting < configuration.maximumConnections
        if canGrow && served.count > configuration.pipelineThreshold {
            waiters = Array(served[configuration.pipelineThreshold...])
            served = Array(served[..<configuration.pipelineThreshold])
            connecting += 1
            startConnecting = true
        } else {
            waiters = []
        }
        slots.append(Slot(id: nextID, connection: connection, progress: progress, inFlight: served.count, lastUsed: now))
        return .use(slotID: nextID, waiters: served.map(\.waiter), startConnecting: startConnecting)
    }

    /// A connection attempt failed: every waiter fails, and the pool backs off (commands fail fast until `retryAt`).
    /// `jitter` (0...1, random in the client) spreads the reconnections of many clients (see ``RedisReconnectBackoff``).
    mutating func connectFailed(_ error: RedisError, now: NIODeadline, jitter: Double) -> ConnectFailedAction {
        connecting -= 1
        failures += 1
        lastError = error
        let delay = backoff.delay(afterFailures: failures, jitter: jitter)
        retryAt = now + TimeAmount(saturating: delay)
        let failed = waiters.map(\.waiter)
        waiters = []
        let poolError = RedisError(.poolUnavailable, "no connection to Redis: \(error.message)", address: address)
        // Keep trying in the background while fewer than the minimum are open.
        guard !isShutDown, slots.count + connecting < configuration.minimumConnections else {
            return ConnectFailedAction(fail: FailWaiters(waiters: failed, error: poolError), reconnectAfter: nil)
        }
        connecting += 1
        return ConnectFailedAction(fail: FailWaiters(waiters: failed, error: poolError), reconnectAfter: delay)
    }

    /// The connection `slotID` closed (dropped, or closed by upkeep). Returns how many connections to open now (0 or
    /// 1): one below the minimum, or for commands that wait because every other connection is stalled.
    mutating func connectionClosed(slotID: Int) -> Int {
        slots.removeAll { $0.id == slotID }
        guard !isShutDown else { return 0 }
        let belowMinimum = slots.count + connecting < configuration.minimumConnections
        let forWaiters = !waiters.isEmpty && connecting == 0 && slots.count < configuration.maximumConnections
        guard belowMinimum || forWaiters else { return 0 }
        connecting += 1
        return 1
    }

    /// Reserves the connections missing below the minimum; returns how many to open.
    mutating func reserveMissingMinimum() -> Int {
        guard !isShutDown else { return 0 }
        let missing = max(0, configuration.minimumConnections - slots.count - connecting)
        connecting += missing
        return missing
    }

    // MARK: Upkeep and shutdown

    /// Takes idle connections beyond the minimum out of the pool (to close), and names idle ones due a health check.
    mutating func upkeep(now: NIODeadline) -> UpkeepAction {
        let idleLimit = TimeAmount(saturating: configuration.idleTimeout)
        let checkLimit = TimeAmount(saturating: configuration.healthCheckInterval)
        var closing: [Int] = []
        var keep = slots.count
        for slot in slots where slot.inFlight == 0 && now - slot.lastUsed > idleLimit && keep > configuration.minimumConnections {
            closing.append(slot.id)
            keep -= 1
        }
        var action = UpkeepAction(close: [], healthCheck: [])
        slots.removeAll { slot in
            guard closing.contains(slot.id) else { return false }
            action.close.append(slot.connection)
            return true
        }
        action.healthCheck = slots.filter { $0.inFlight == 0 && now - $0.lastUsed > checkLimit }.map(\.connection)
        return action
    }

    /// The client shuts down: every waiter fails, every connection is handed back to be drained and closed, and
    /// nothing is leased or opened afterwards.
    mutating func shutdown() -> ShutdownAction {
        isShutDown = true
        defer {
            slots = []
            waiters = []
        }
        return ShutdownAction(connections: slots.map(\.connection), fail: FailWaiters(waiters: waiters.map(\.waiter), error: shutDownError))
    }

    // MARK: Helpers

    private var shutDownError: RedisError { RedisError(.shutDown, "the client was shut down", address: address) }

    /// Takes the least busy open connection that is not stalled, if any; counts the command on it, and reserves a
    /// new connection when the least busy one is past the pipeline threshold.
    private mutating func takeLeastBusy(now: @autoclosure () -> NIODeadline) -> Lease? {
        var time: NIODeadline?
        var best: Int?
        for index in slots.indices {
            let progress = slots[index].progress
            if progress.isWaiting {
                // A command sent here would queue behind one the server is not answering. The clock is read only
                // here, once: most leases find an idle connection and never need it.
                let current = time ?? now()
                time = current
                if progress.isStalled(at: current) { continue }
            }
            if best.map({ slots[index].inFlight < slots[$0].inFlight }) ?? true { best = index }
        }
        guard let best else { return nil }
        slots[best].inFlight += 1
        let grow = slots[best].inFlight > configuration.pipelineThreshold
            && connecting == 0 && slots.count < configuration.maximumConnections
        if grow { connecting += 1 }
        return Lease(connection: slots[best].connection, slotID: slots[best].id, startConnecting: grow)
    }

    /// Reserves a connection attempt for waiters when none is under way and the pool may grow.
    private mutating func reserveConnectionIfIdle() -> Bool {
        guard connecting == 0 && slots.count < configuration.maximumConnections else { return false }
        connecting += 1
        return true
    }

    private mutating func removeWaiter(id: Int) -> Waiter? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index).waiter
    }
}

extension RedisConnectionPoolStateMachine.Lease: Sendable where Connection: Sendable {}
extension RedisConnectionPoolStateMachine.WaitAction: Sendable where Connection: Sendable {}
extension RedisConnectionPoolStateMachine.ConnectedAction: Sendable where Waiter: Sendable {}
extension RedisConnectionPoolStateMachine.FailWaiters: Sendable where Waiter: Sendable {}
extension RedisConnectionPoolStateMachine.ConnectFailedAction: Sendable where Waiter: Sendable {}
extension RedisConnectionPoolStateMachine.ServeAction: Sendable where Connection: Sendable, Waiter: Sendable {}
extension RedisConnectionPoolStateMachine.UpkeepAction: Sendable where Connection: Sendable {}
extension RedisConnectionPoolStateMachine.ShutdownAction: Sendable where Connection: Sendable, Waiter: Sendable {}
