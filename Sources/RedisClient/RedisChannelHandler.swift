import NIOCore
import NIOSSL
import NIOTLS
import RESP

/// What the connection writes into its channel: encoded commands and the promises their replies complete.
struct RedisRequest: Sendable {
    enum Replies: Sendable {
        case one(EventLoopPromise<RESPValue>)
        case many([EventLoopPromise<RESPValue>])
    }

    var buffer: ByteBuffer
    var replies: Replies
    var deadline: NIODeadline
}

/// The connection's protocol state machine, on its event loop: matches replies to commands in order, delivers push
/// messages, enforces deadlines, and fails everything in flight at once when the connection breaks.
///
/// A cancelled or timed-out command keeps its place in the queue with no promise, so that its reply, when it comes, is
/// read and dropped and later replies still reach their own commands.
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var promise: EventLoopPromise<RESPValue>?
        var deadline: NIODeadline
    }

    private var pending = CircularBuffer<Pending>(initialCapacity: 32)
    private var decoder: RESPDecoder
    private var cumulation: ByteBuffer?
    private var failure: RedisError?
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    private let address: String
    private let timerTick: TimeAmount
    /// Receives RESP3 push messages (CLIENT TRACKING invalidations, pub/sub).
    var onPush: (@Sendable (RESPValue) -> Void)?

    /// Whether the connection runs over TLS, and whether its handshake completed: a TLS connection that closes before
    /// the handshake completes failed TLS (a refused certificate), whatever event arrives first.
    private let expectsTLS: Bool
    private var tlsEstablished = false

    init(address: String, expectsTLS: Bool = false, limits: RESPDecoder.Limits = .default, timerTick: TimeAmount = .milliseconds(10)) {
        self.address = address
        self.expectsTLS = expectsTLS
        self.decoder = RESPDecoder(limits: limits)
        self.timerTick = timerTick
    }

    /// Commands whose replies have not arrived.
    var inFlight: Int { pending.count }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failAll(RedisError(.connectionClosed, "the connection was closed", address: address))
        self.context = nil
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            fail(request.replies, failure)
            promise?.fail(failure)
            return
        }
        switch request.replies {
        case .one(let reply):
            pending.append(Pending(promise: reply, deadline: request.deadline))
        case .many(let replies):
            for reply in replies { pending.append(Pending(promise: reply, deadline: request.deadline)) }
        }
        armTimer(context: context)
        context.write(wrapOutboundOut(request.buffer), promise: promise)
    }

    private func fail(_ replies: RedisRequest.Replies, _ error: RedisError) {
        switch replies {
        case .one(let reply): reply.fail(error)
        case .many(let replies): for reply in replies { reply.fail(error) }
        }
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if cumulation == nil {
            decodeAll(&incoming, context: context)
            if incoming.readableBytes > 0 { cumulation = incoming }
        } else {
            cumulation!.writeBuffer(&incoming)
            var buffer = cumulation!
            cumulation = nil
            decodeAll(&buffer, context: context)
            if buffer.readableBytes > 0 {
                buffer.discardReadBytes()
                cumulation = buffer
            }
        }
    }

    private func decodeAll(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) {
        do {
            while let value = try decoder.decode(&buffer) {
                deliver(value, context: context)
                if failure != nil { return }
            }
        } catch {
            close(context: context, error: RedisError(.protocolError, error.description, address: address))
        }
    }

    private func deliver(_ value: RESPValue, context: ChannelHandlerContext) {
        var value = value
        while case .attribute(_, let inner) = value { value = inner }
        if case .push = value {
            onPush?(value)
            return
        }
        guard let next = pending.popFirst() else {
            close(context: context, error: RedisError(.protocolError, "the server sent a reply no command was waiting for", address: address))
            return
        }
        next.promise?.succeed(value)
        if pending.isEmpty {
            timer?.cancel()
            timer = nil
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent { tlsEstablished = true }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if expectsTLS && !tlsEstablished {
            failAll(RedisError(.tls, "the connection closed before the TLS handshake completed; check the CA certificate and the server name", address: address))
        }
        failAll(RedisError(.connectionClosed, "the server closed the connection with \(pending.count) command(s) in flight; they may or may not have run", address: address))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        close(context: context, error: RedisError.channelFailure(error, address: address, while: "connection error"))
    }

    // MARK: Cancellation and deadlines

    /// Drops the command whose reply `promise` awaits: it fails now, and its reply will be read and discarded.
    func abandon(_ promise: EventLoopPromise<RESPValue>, with error: any Error) {
        for index in pending.indices where pending[index].promise?.futureResult === promise.futureResult {
            pending[index].promise = nil
            promise.fail(error)
            return
        }
    }

    private func armTimer(context: ChannelHandlerContext) {
        guard timer == nil else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timerTick) {
            let handler = loopBound.value
            handler.timer = nil
            handler.checkDeadlines()
        }
    }

    private func checkDeadlines() {
        guard let context, !pending.isEmpty else { return }
        let now = NIODeadline.now()
        if let head = pending.first, head.deadline <= now {
            // The oldest command is overdue: the server is stalled or the link is broken. Close, so nothing waits on
            // a reply that may never come and the pool opens a fresh connection.
            let headPromise = pending.removeFirst().promise
            headPromise?.fail(RedisError(.timeout, "no reply before the command's deadline; the connection was closed", address: address))
            close(context: context, error: RedisError(.connectionClosed, "the connection was closed after an earlier command timed out", address: address))
            return
        }
        for index in pending.indices where pending[index].deadline <= now {
            if let promise = pending[index].promise {
                pending[index].promise = nil
                promise.fail(RedisError(.timeout, "no reply before the command's deadline", address: address))
            }
        }
        armTimer(context: context)
    }

    // MARK: Failure

    private func failAll(_ error: RedisError) {
        if failure == nil { failure = error }
        timer?.cancel()
        timer = nil
        while let next = pending.popFirst() {
            next.promise?.fail(error)
        }
    }

    private func close(context: ChannelHandlerContext, error: RedisError) {
        failAll(error)
        context.close(promise: nil)
    }
}
