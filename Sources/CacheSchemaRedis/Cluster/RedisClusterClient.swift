import CacheSchemaRESP
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A client for a Redis Cluster: learns which primary serves which slot from seed nodes, sends each command to the
/// primary of its key's slot through a pool per node (a ``RedisClient`` each), and follows the cluster as it
/// changes.
///
/// - `MOVED`: the slot is moved in the local map at once, a refresh of the whole map starts, and the command goes to
///   the node named.
/// - `ASK` (a slot being migrated): `ASKING` and the command go to the node named in one write; the map is unchanged.
/// - `TRYAGAIN`, `CLUSTERDOWN`, `LOADING`, `MASTERDOWN`: retried after a jittered backoff while the deadline allows.
/// - A node that cannot be reached: the map is refreshed and the command retried; a command whose connection closed
///   after it may have been written is retried only when the caller says it is idempotent.
/// - At most ``maximumRedirects`` redirects per command.
///
/// A refresh asks up to three nodes (`CLUSTER SHARDS`, or `CLUSTER SLOTS` before Redis 7) and adopts the view most
/// of them give. Besides the refreshes that redirects and unreachable nodes start, `run()` (a swift-service-lifecycle
/// `Service`) refreshes every `refreshInterval` and keeps each node's pool in shape as ``RedisClient/run()`` does.
public final class RedisClusterClient: Sendable {
    /// How every node is reached (TLS, AUTH, ACL user, deadlines); host and port are each node's.
    public let configuration: RedisConnectionConfiguration
    /// The pool of each node.
    public let poolConfiguration: RedisPoolConfiguration
    /// The nodes given to start from.
    public let seeds: [RedisClusterNode]
    /// Redirects a command may follow before it fails.
    public let maximumRedirects = 5
    /// How often `run()` reads the slot map again.
    public let refreshInterval: Duration
    /// Runs tasks on the one event loop every node's connections use: a task that prefers it
    /// (`withTaskExecutorPreference(client.taskExecutor) { … }`) sends commands to any node without a thread hop.
    public let taskExecutor: RedisEventLoopExecutor
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var topology: RedisClusterTopology?
        var clients: [RedisClusterNode: RedisClient] = [:]
        var refreshing = false
        var moved = 0
        var asked = 0
        var isShutDown = false
    }

    /// Creates a client. No connection is opened until the first command.
    ///
    /// - Parameters:
    ///   - seeds: `host:port` of one or more nodes of the cluster.
    ///   - configuration: How to connect (TLS, AUTH, ACL user, deadlines); its host and port are ignored.
    ///   - pool: Each node's pool.
    ///   - eventLoopGroup: The group whose next event loop every node's connections run on (see ``taskExecutor``):
    ///     one loop, as for one node's pool, so that replies from several nodes resume a task on one thread.
    ///   - refreshInterval: How often `run()` reads the slot map again (30 s, as valkey-swift does).
    ///   - logger: Topology changes and redirects; never keys or values.
    /// - Throws: ``RedisError`` of kind `configuration` when a seed is not `host:port` or there is none.
    public init(
        seeds: [String],
        configuration: RedisConnectionConfiguration,
        pool: RedisPoolConfiguration = RedisPoolConfiguration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        refreshInterval: Duration = .seconds(30),
        logger: Logger = Logger(label: "cache-schema.redis-cluster")
    ) throws(RedisError) {
        var nodes: [RedisClusterNode] = []
        for seed in seeds {
            guard let colon = seed.lastIndex(of: ":"), let port = Int(seed[seed.index(after: colon)...]), !seed[..<colon].isEmpty else {
                throw RedisError(.configuration, "the cluster seed '\(seed)' is not host:port")
            }
            nodes.append(RedisClusterNode(host: String(seed[..<colon]), port: port))
        }
        guard !nodes.isEmpty else { throw RedisError(.configuration, "a cluster client needs at least one seed node (host:port)") }
        self.seeds = nodes
        self.configuration = configuration
        self.poolConfiguration = pool
        self.taskExecutor = RedisEventLoopExecutor(eventLoop: eventLoopGroup.next())
        self.refreshInterval = refreshInterval
        self.logger = logger
    }

    /// The slot map in use, or `nil` before the first refresh.
    public var topology: RedisClusterTopology? { state.withLock { $0.topology } }

    /// How many `MOVED` and `ASK` redirects commands have followed.
    public var redirects: (moved: Int, asked: Int) { state.withLock { ($0.moved, $0.asked) } }

    // MARK: Commands

    /// Sends a command to the primary of `key`'s slot and returns its reply; a server error reply other than the
    /// redirects and retries above is a value, not thrown.
    ///
    /// - Parameters:
    ///   - command: The encoded command.
    ///   - key: The key it routes by (the first key of a multi-key command; all its keys must share the slot).
    ///   - idempotent: Whether sending it twice does no harm: then it is also retried when its connection closed
    ///     after it may have been written.
    ///   - timeout: The deadline of the whole exchange, redirects and retries included; the configuration's
    ///     `commandTimeout` when `nil`.
    public func send(_ command: RedisCommand, routedBy key: String, idempotent: Bool = false, timeout: Duration? = nil) async throws -> RESPValue {
        try await send(command, slot: RedisClusterSlot.of(key), idempotent: idempotent, timeout: timeout)
    }

    /// Sends a command to the primary of `slot` (see ``send(_:routedBy:idempotent:timeout:)``).
    public func send(_ command: RedisCommand, slot: Int, idempotent: Bool = false, timeout: Duration? = nil) async throws -> RESPValue {
        let clock = ContinuousClock()
        let deadline = clock.now + (timeout ?? configuration.commandTimeout)
        var target = try await primary(forSlot: slot, deadline: deadline)
        var asking = false
        var redirects = 0
        var attempt = 0
        while true {
            let remaining = deadline - clock.now
            guard remaining > .zero else {
                throw RedisError(.timeout, "the command for slot \(slot) did not succeed before its deadline (last node \(target))")
            }
            let reply: RESPValue
            do {
                reply = try await exchange(command, on: target, asking: asking, timeout: remaining)
            } catch let error as RedisError where error.kind == .circuitOpen {
                // The node stopped answering: fail at once (the point of the breaker), and read the slot map again in
                // the background, in case the cluster has moved its slots to a replica.
                refreshInBackground()
                throw error
            } catch let error as RedisError where Self.mayRetry(error, idempotent: idempotent) {
                // The node is unreachable or went away: find out who serves the slot now.
                attempt += 1
                logger.debug("cluster node unavailable; refreshing the slot map", metadata: ["node": "\(target)", "error": "\(error.kind)"])
                try await backoff(attempt: attempt, until: deadline)
                _ = try? await refreshTopology(timeout: deadline - clock.now)
                target = try await primary(forSlot: slot, deadline: deadline)
                asking = false
                continue
            }
            guard let message = reply.errorMessage else { return reply }
            let error = RedisServerError(message: message)
            switch error.code {
            case .moved, .ask:
                guard let redirection = error.redirection else { return reply }
                redirects += 1
                guard redirects <= maximumRedirects else {
                    throw RedisError(.server, "the command for slot \(slot) was redirected more than \(maximumRedirects) times; last: \(message)", server: error)
                }
                let node = RedisClusterNode(host: redirection.host, port: redirection.port)
                if error.code == .moved {
                    noteMoved(slot: redirection.slot, to: node)
                    asking = false
                } else {
                    state.withLock { $0.asked += 1 }
                    asking = true
                }
                target = node
            case .tryAgain, .clusterDown, .loading, .other("MASTERDOWN"):
                attempt += 1
                try await backoff(attempt: attempt, until: deadline)
                // Start again from the slot's primary: after `ASK`, `TRYAGAIN` comes from the node the slot migrates
                // to, which answers `MOVED` without `ASKING`. The redirects of a migration in progress are not a
                // loop; the deadline bounds them.
                target = try await primary(forSlot: slot, deadline: deadline)
                asking = false
                redirects = 0
            default:
                return reply
            }
        }
    }

    /// Sends a command to every primary (`FLUSHDB`, `SCRIPT LOAD`, …) and returns each one's reply.
    public func sendToAllPrimaries(_ command: RedisCommand, timeout: Duration? = nil) async throws -> [RedisClusterNode: RESPValue] {
        let clock = ContinuousClock()
        let deadline = clock.now + (timeout ?? configuration.commandTimeout)
        let primaries = try await refreshIfUnknown(deadline: deadline).primaries
        return try await withThrowingTaskGroup(of: (RedisClusterNode, RESPValue).self) { group in
            for node in primaries {
                group.addTask { (node, try await self.client(for: node).send(command, timeout: deadline - clock.now)) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
    }

    /// One command on `node`, after `ASKING` in the same write when `asking`.
    private func exchange(_ command: RedisCommand, on node: RedisClusterNode, asking: Bool, timeout: Duration) async throws -> RESPValue {
        let client = try client(for: node)
        guard asking else { return try await client.send(command, timeout: timeout) }
        let replies = try await client.batch([RedisCommand("ASKING"), command], timeout: timeout)
        switch replies[1] {
        case .success(let reply): return reply
        // A batch turns error replies into failures; give them back as replies, as `send` does, so that the
        // redirect loop sees `TRYAGAIN` or `MOVED` from the node the slot migrates to.
        case .failure(let error): if let server = error.server { return .simpleError(server.message) } else { throw error }
        }
    }

    /// Whether a command that failed with `error` can be sent again: it was not written (no connection), or it does
    /// no harm twice.
    private static func mayRetry(_ error: RedisError, idempotent: Bool) -> Bool {
        switch error.kind {
        case .connectionFailed, .poolUnavailable: return true
        case .connectionClosed, .timeout: return idempotent
        default: return false
        }
    }

    /// Waits 10 ms doubling to 640 ms, each with up to 50 % jitter, but never past `deadline`.
    private func backoff(attempt: Int, until deadline: ContinuousClock.Instant) async throws {
        let base = 10.0 * Double(1 << min(attempt - 1, 6))
        let delay = Duration.milliseconds(base * Double.random(in: 0.5...1.0))
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else { return }
        try await Task.sleep(for: min(delay, remaining))
    }

    // MARK: Topology

    /// Asks up to three nodes (the known primaries, then the seeds) for the slot map, adopts the view most of them
    /// give, and returns it.
    ///
    /// - Throws: ``RedisError``: of kind `connectionFailed` when no node answered, or `configuration` when a node is
    ///   not in cluster mode (give it to ``RedisClient`` instead).
    @discardableResult
    public func refreshTopology(timeout: Duration? = nil) async throws -> RedisClusterTopology {
        let clock = ContinuousClock()
        let deadline = clock.now + (timeout ?? configuration.commandTimeout)
        let known = state.withLock { $0.topology?.primaries ?? [] }
        var candidates: [RedisClusterNode] = []
        for node in known + seeds where !candidates.contains(node) { candidates.append(node) }
        var views: [RedisClusterTopology] = []
        var failures: [String] = []
        for node in candidates where views.count < 3 {
            do {
                views.append(try await askTopology(of: node, timeout: deadline - clock.now))
            } catch let error as RedisError where error.kind == .configuration {
                throw error
            } catch {
                failures.append("\(node): \(error)")
            }
        }
        guard let view = RedisClusterTopology.consensus(views) else {
            throw RedisError(.connectionFailed, "no node of the cluster answered with its slot map; check the seeds (\(seeds.map(\.description).joined(separator: ", "))): \(failures.joined(separator: "; "))")
        }
        let changed = state.withLock { state -> Bool in
            defer { state.topology = view }
            return state.topology != view
        }
        if changed { logger.info("cluster slot map updated", metadata: ["primaries": "\(view.primaries.count)", "complete": "\(view.coversAllSlots)"]) }
        return view
    }

    private func askTopology(of node: RedisClusterNode, timeout: Duration) async throws -> RedisClusterTopology {
        let client = try client(for: node)
        let reply = try await client.send(RedisCommand("CLUSTER", StaticString("SHARDS")), timeout: timeout)
        if let message = reply.errorMessage {
            if message.contains("cluster support disabled") {
                throw RedisError(.configuration, "\(node) is not a cluster node (cluster support disabled); use RedisClient for a single Redis")
            }
            guard message.lowercased().contains("unknown subcommand") else {
                throw RedisError.server(RedisServerError(message: message), address: node.description)
            }
            // Before Redis 7.
            let slots = try await client.execute(RedisCommand("CLUSTER", StaticString("SLOTS")), timeout: timeout)
            return try RedisClusterTopology(slotsReply: slots, queried: node)
        }
        return try RedisClusterTopology(shardsReply: reply, queried: node, tls: configuration.tls != nil)
    }

    /// The slot map, read first if it never was.
    func refreshIfUnknown(deadline: ContinuousClock.Instant) async throws -> RedisClusterTopology {
        if let topology = state.withLock({ $0.topology }) { return topology }
        return try await refreshTopology(timeout: deadline - ContinuousClock.now)
    }

    /// The primary of `slot`, refreshing the map when it has none (a slot whose primary failed over, or the map
    /// was never read).
    private func primary(forSlot slot: Int, deadline: ContinuousClock.Instant) async throws -> RedisClusterNode {
        if let node = try await refreshIfUnknown(deadline: deadline).primary(forSlot: slot) { return node }
        if let node = try await refreshTopology(timeout: deadline - ContinuousClock.now).primary(forSlot: slot) { return node }
        throw RedisError(.connectionFailed, "no primary of the cluster serves slot \(slot) (cluster_state is not ok?)")
    }

    /// Applies a `MOVED` to the map at once, then refreshes the whole map in the background (one at a time).
    private func noteMoved(slot: Int, to node: RedisClusterNode) {
        state.withLock { state in
            state.moved += 1
            state.topology = state.topology?.moving(slot: slot, to: node)
        }
        refreshInBackground()
    }

    /// Reads the slot map again in the background, one refresh at a time.
    private func refreshInBackground() {
        let startRefresh = state.withLock { state -> Bool in
            guard !state.refreshing else { return false }
            state.refreshing = true
            return true
        }
        guard startRefresh else { return }
        Task {
            _ = try? await self.refreshTopology()
            self.state.withLock { $0.refreshing = false }
        }
    }

    /// Opens a connection to `node` outside its pool, for state that belongs to one connection (CLIENT TRACKING on
    /// each primary). The caller may close it; ``shutdown()`` closes it too.
    ///
    /// - Throws: ``RedisError`` of kind `shutDown` after ``shutdown()``, or the connection's error.
    public func makeDedicatedConnection(to node: RedisClusterNode, onPush: (@Sendable (RESPValue) -> Void)? = nil) async throws -> RedisConnection {
        try await client(for: node).makeDedicatedConnection(onPush: onPush)
    }

    /// The pool of `node`, created on first use.
    func client(for node: RedisClusterNode) throws(RedisError) -> RedisClient {
        try state.withLock { state throws(RedisError) -> RedisClient in
            guard !state.isShutDown else { throw RedisError(.shutDown, "the cluster client was shut down") }
            if let client = state.clients[node] { return client }
            var configuration = self.configuration
            configuration.host = node.host
            configuration.port = node.port
            let client = RedisClient(configuration: configuration, pool: poolConfiguration, eventLoopGroup: taskExecutor.eventLoop, logger: logger)
            state.clients[node] = client
            return client
        }
    }

    // MARK: Lifecycle

    /// Refreshes the slot map every ``refreshInterval`` and keeps each node's pool in shape, until the task is
    /// cancelled or the service group shuts down gracefully; then shuts the client down.
    public func run() async throws {
        let upkeepPeriod = min(poolConfiguration.healthCheckInterval, poolConfiguration.idleTimeout) / 2
        let tick = max(min(refreshInterval, upkeepPeriod), .milliseconds(10))
        await cancelWhenGracefulShutdown {
            var sinceRefresh = Duration.zero
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                if Task.isCancelled { break }
                sinceRefresh += tick
                if sinceRefresh >= self.refreshInterval {
                    sinceRefresh = .zero
                    do {
                        try await self.refreshTopology()
                    } catch {
                        self.logger.warning("cluster slot map refresh failed; keeping the last one", metadata: ["error": "\(error)"])
                    }
                }
                for client in self.state.withLock({ Array($0.clients.values) }) { await client.upkeep() }
            }
        }
        await shutdown()
    }

    /// Closes every node's pool; commands sent afterwards fail with kind `shutDown`.
    public func shutdown() async {
        let clients = state.withLock { state -> [RedisClient] in
            state.isShutDown = true
            return Array(state.clients.values)
        }
        for client in clients { await client.shutdown() }
    }
}
