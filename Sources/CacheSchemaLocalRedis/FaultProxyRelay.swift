import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The proxy's state on its event loop: the mode and every open connection pair. Touched only on that loop.
final class FaultProxyHub {
    let upstream: SocketAddress
    private(set) var mode: FaultProxy.Mode
    private var pairs: [ObjectIdentifier: FaultProxyPair] = [:]

    init(upstream: SocketAddress, mode: FaultProxy.Mode) {
        self.upstream = upstream
        self.mode = mode
    }

    var pairCount: Int { pairs.count }

    func adopt(_ pair: FaultProxyPair) {
        pairs[ObjectIdentifier(pair)] = pair
        pair.apply(mode)
    }

    func forget(_ pair: FaultProxyPair) {
        pairs[ObjectIdentifier(pair)] = nil
    }

    func apply(_ mode: FaultProxy.Mode) {
        self.mode = mode
        for pair in Array(pairs.values) { pair.apply(mode) }
    }

    func closeAll() {
        for pair in Array(pairs.values) { pair.close() }
    }
}

/// One client connection and its connection to the server, with the bytes held for each direction.
///
/// Bytes are queued per direction with the time they may be delivered, and delivered in order: a delayed chunk never
/// overtakes an earlier one, and a blackhole keeps them all until the mode lets them go.
final class FaultProxyPair {
    enum Side {
        case client, upstream
    }

    private struct Chunk {
        var deliverAt: NIODeadline
        var bytes: ByteBuffer
    }

    let client: any Channel
    /// Strong: the hub forgets the pair when it closes, which ends the cycle.
    private let hub: FaultProxyHub
    private var upstream: (any Channel)?
    private var connecting = false
    private var closed = false
    /// Bytes from the client to the server, and from the server to the client.
    private var toUpstream = CircularBuffer<Chunk>()
    private var toClient = CircularBuffer<Chunk>()
    /// When the last chunk to the client may be delivered: a later one is never delivered before it.
    private var lastDeliveryToClient = NIODeadline.uptimeNanoseconds(0)
    private var pumpScheduled: (toUpstream: Bool, toClient: Bool) = (false, false)

    init(client: any Channel, hub: FaultProxyHub) {
        self.client = client
        self.hub = hub
    }

    private var eventLoop: any EventLoop { client.eventLoop }

    /// The client connection is active: join the hub, which applies its mode.
    func start() {
        hub.adopt(self)
    }

    func apply(_ mode: FaultProxy.Mode) {
        guard !closed else { return }
        switch mode {
        case .reset:
            reset()
        case .blackhole:
            // Read nothing more; what was read stays queued.
            client.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
            upstream?.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        case .pass, .delay:
            if upstream == nil {
                connectUpstream()
            } else {
                upstream?.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
                client.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
            }
            pump(.upstream)
            pump(.client)
        }
    }

    private func connectUpstream() {
        guard !connecting else { return }
        connecting = true
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        ClientBootstrap(group: eventLoop)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FaultProxyRelayHandler(pair: bound.value, side: .upstream))
                }
            }
            .connect(to: hub.upstream)
            .hop(to: eventLoop)
            .whenComplete { result in
                let pair = bound.value
                pair.connecting = false
                switch result {
                case .success(let channel):
                    guard !pair.closed else {
                        channel.close(promise: nil)
                        return
                    }
                    pair.upstream = channel
                    // The mode may have changed while connecting.
                    pair.apply(pair.hub.mode)
                case .failure:
                    // The server is down: the client sees its connection closed, as it would see a refusal.
                    pair.close()
                }
            }
    }

    /// Bytes read on `side`: queue them for the other side, with the time they may be delivered.
    func received(_ bytes: ByteBuffer, from side: Side) {
        guard !closed else { return }
        let now = NIODeadline.now()
        switch side {
        case .client:
            toUpstream.append(Chunk(deliverAt: now, bytes: bytes))
            pump(.upstream)
        case .upstream:
            var deliverAt = now
            if case .delay(let latency, let jitter) = hub.mode {
                let spread = Self.nanoseconds(jitter)
                let offset = spread > 0 ? Int64.random(in: -spread...spread) : 0
                deliverAt = now + .nanoseconds(max(0, Self.nanoseconds(latency) + offset))
            }
            deliverAt = max(deliverAt, lastDeliveryToClient)
            lastDeliveryToClient = deliverAt
            toClient.append(Chunk(deliverAt: deliverAt, bytes: bytes))
            pump(.client)
        }
    }

    /// A duration in nanoseconds, clamped to what a delay can sensibly be (about a day).
    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return min(max(seconds, 0), 86_400) * 1_000_000_000 + (seconds >= 0 ? attoseconds / 1_000_000_000 : 0)
    }

    /// Delivers the chunks due towards `target`, and schedules the next look for the first one not yet due.
    private func pump(_ target: Side) {
        guard !closed, hub.mode != .blackhole else { return }
        guard let channel = target == .client ? client : upstream, channel.isActive else { return }
        let now = NIODeadline.now()
        var wrote = false
        while let head = (target == .client ? toClient.first : toUpstream.first) {
            guard head.deliverAt <= now else {
                schedulePump(target, at: head.deliverAt)
                break
            }
            if target == .client { toClient.removeFirst() } else { toUpstream.removeFirst() }
            channel.write(head.bytes, promise: nil)
            wrote = true
        }
        if wrote { channel.flush() }
    }

    private func schedulePump(_ target: Side, at deadline: NIODeadline) {
        let already = target == .client ? pumpScheduled.toClient : pumpScheduled.toUpstream
        guard !already else { return }
        if target == .client { pumpScheduled.toClient = true } else { pumpScheduled.toUpstream = true }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.scheduleTask(deadline: deadline) {
            let pair = bound.value
            if target == .client { pair.pumpScheduled.toClient = false } else { pair.pumpScheduled.toUpstream = false }
            pair.pump(target)
        }
    }


    /// Sends the client a reset (SO_LINGER 0, then close), and closes the connection to the server.
    private func reset() {
        guard !closed else { return }
        closed = true
        hub.forget(self)
        let client = self.client
        if let options = client as? any SocketOptionProvider {
            options.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in client.close(promise: nil) }
        } else {
            client.close(promise: nil)
        }
        upstream?.close(promise: nil)
        toClient.removeAll()
        toUpstream.removeAll()
    }

    func close() {
        guard !closed else { return }
        closed = true
        hub.forget(self)
        client.close(promise: nil)
        upstream?.close(promise: nil)
        toClient.removeAll()
        toUpstream.removeAll()
    }
}

/// Hands what one channel reads to its pair, and tells the pair when the channel ends.
final class FaultProxyRelayHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let pair: FaultProxyPair
    private let side: FaultProxyPair.Side

    init(pair: FaultProxyPair, side: FaultProxyPair.Side) {
        self.pair = pair
        self.side = side
    }

    func channelActive(context: ChannelHandlerContext) {
        if side == .client { pair.start() }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pair.received(unwrapInboundIn(data), from: side)
    }

    func channelInactive(context: ChannelHandlerContext) {
        pair.close()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset from either end, or a write to a closed socket: the pair ends.
        pair.close()
        context.close(promise: nil)
    }
}
