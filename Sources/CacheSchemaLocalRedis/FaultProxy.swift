import NIOCore
import NIOPosix
import Synchronization

/// A TCP forwarding proxy on a free loopback port that breaks the path to a server on demand: for tests and load runs
/// that need a network fault a real `redis-server` cannot show (a blackholed link, connections reset, a slow link).
///
/// Point the client at ``url`` (or ``port``) instead of the server. In ``Mode/pass`` every byte is forwarded at once;
/// ``setMode(_:)`` switches, at run time, every open connection and every new one:
///
/// ```swift
/// let proxy = try await FaultProxy(upstreamPort: redis.port)
/// let client = try RedisClient(url: proxy.url)
/// await proxy.setMode(.blackhole)        // commands get no reply, and no error either
/// await proxy.setMode(.pass)             // held bytes are delivered, in order, as a healed link does
/// ```
///
/// Runs on one event loop thread of its own. Not for production.
public final class FaultProxy: Sendable {
    /// What the proxy does with connections and the bytes on them.
    public enum Mode: Sendable, Hashable, CustomStringConvertible {
        /// Forward every byte at once, both ways.
        case pass
        /// Accept connections and hold every byte, forwarding nothing either way (as a link that drops packets: the
        /// client sees neither a reply nor an error). New connections are accepted but not yet connected to the
        /// server. Back in `pass` or `delay`, the held bytes are delivered in order, as TCP retransmission would.
        case blackhole
        /// Reset (RST) every open connection, and every new one as soon as it is accepted.
        case reset
        /// Deliver every chunk the server sends `latency` ± up to `jitter` late (uniformly drawn, never before an
        /// earlier chunk): each round trip takes that much longer. The client's bytes go through at once.
        case delay(Duration, jitter: Duration)

        /// The mode in words (`delay 50 ms ± 25 ms`), for logs.
        public var description: String {
            switch self {
            case .pass: "pass"
            case .blackhole: "blackhole"
            case .reset: "reset"
            case .delay(let latency, let jitter): "delay \(latency) ± \(jitter)"
            }
        }
    }

    /// The port the proxy listens on, on 127.0.0.1.
    public let port: Int
    /// The server's address it forwards to.
    public let upstreamHost: String
    /// The server's port.
    public let upstreamPort: Int

    /// `redis://127.0.0.1:<port>`: the server's address through the proxy.
    public var url: String { "redis://127.0.0.1:\(port)" }

    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel
    private let hub: NIOLoopBound<FaultProxyHub>
    /// A copy of the hub's mode, readable from any thread.
    private let currentMode: Mutex<Mode>
    private let stopped = Atomic<Bool>(false)

    /// Starts a proxy to `upstreamHost:upstreamPort` and returns once it listens.
    ///
    /// - Parameters:
    ///   - upstreamPort: The server's port.
    ///   - upstreamHost: The server's address (an IP address).
    ///   - port: A fixed port to listen on; by default a free one from ``LoopbackPort/free()`` (the next one if another
    ///     process takes it first).
    ///   - mode: The mode it starts in.
    public init(upstreamPort: Int, upstreamHost: String = "127.0.0.1", port: Int? = nil, mode: Mode = .pass) async throws(LocalRedisError) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let upstream: SocketAddress
        do {
            upstream = try SocketAddress(ipAddress: upstreamHost, port: upstreamPort)
        } catch {
            try? await group.shutdownGracefully()
            throw LocalRedisError(.launchFailed, "'\(upstreamHost)' is not an IP address: give the proxy the server's address, not a host name")
        }
        let hub: NIOLoopBound<FaultProxyHub>
        do {
            hub = try await loop.submit { NIOLoopBound(FaultProxyHub(upstream: upstream, mode: mode), eventLoop: loop) }.get()
        } catch {
            try? await group.shutdownGracefully()
            throw LocalRedisError(.launchFailed, "the proxy's event loop did not start: \(error)")
        }
        var attempt = 0
        var bound: (port: Int, channel: any Channel)?
        while bound == nil {
            attempt += 1
            let chosen: Int
            if let port {
                chosen = port
            } else {
                do {
                    chosen = try LoopbackPort.free()
                } catch {
                    try? await group.shutdownGracefully()
                    throw error
                }
            }
            let bootstrap = ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                // A connection reads nothing until its mode says so (a blackholed one holds the client's bytes in
                // the kernel, as a dead link does).
                .childChannelOption(ChannelOptions.autoRead, value: false)
                .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pair = FaultProxyPair(client: channel, hub: hub.value)
                        try channel.pipeline.syncOperations.addHandler(FaultProxyRelayHandler(pair: pair, side: .client))
                    }
                }
            do {
                bound = (chosen, try await bootstrap.bind(host: "127.0.0.1", port: chosen).get())
            } catch {
                guard port == nil, attempt < 10 else {
                    try? await group.shutdownGracefully()
                    throw LocalRedisError(.noFreePort, "the proxy cannot listen on 127.0.0.1:\(chosen): \(error); give it another port")
                }
            }
        }
        self.port = bound!.port
        self.serverChannel = bound!.channel
        self.upstreamHost = upstreamHost
        self.upstreamPort = upstreamPort
        self.group = group
        self.hub = hub
        self.currentMode = Mutex(mode)
    }

    /// The mode now.
    public var mode: Mode { currentMode.withLock { $0 } }

    /// Switches every open connection and every new one to `mode`; returns once the open ones have been switched
    /// (for ``Mode/reset``: once their resets were sent).
    public func setMode(_ mode: Mode) async {
        currentMode.withLock { $0 = mode }
        let hub = self.hub
        try? await serverChannel.eventLoop.submit { hub.value.apply(mode) }.get()
    }

    /// The client connections open now.
    public var connectionCount: Int {
        get async {
            let hub = self.hub
            return (try? await serverChannel.eventLoop.submit { hub.value.pairCount }.get()) ?? 0
        }
    }

    /// Stops listening, closes every connection, and ends the proxy's thread.
    public func stop() async {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        try? await serverChannel.close()
        let hub = self.hub
        try? await serverChannel.eventLoop.submit { hub.value.closeAll() }.get()
        try? await group.shutdownGracefully()
    }

    deinit {
        guard !stopped.load(ordering: .relaxed) else { return }
        // Released without stop(): close what is open; the thread ends once the closes are done.
        serverChannel.close(promise: nil)
        let hub = self.hub
        let group = self.group
        serverChannel.eventLoop.execute { hub.value.closeAll() }
        group.shutdownGracefully { _ in }
    }
}
