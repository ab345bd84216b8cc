import NIOCore
import NIOPosix
import RedisTestSupport
import Synchronization

/// A scripted TCP server on loopback, for the faults a real redis-server cannot produce: garbage bytes, a reply
/// split byte by byte, a reply that never comes. Every received chunk is passed to `respond`, which returns the bytes
/// to send back (written one byte per write when `trickle` is set), or `nil` to stay silent.
final class FakeRedisServer: Sendable {
    let port: Int
    private let channel: any Channel

    private init(port: Int, channel: any Channel) {
        TestLogging.bootstrap()
        self.port = port
        self.channel = channel
    }

    var url: String { "redis://127.0.0.1:\(port)" }

    static func start(trickle: Bool = false, respond: @escaping @Sendable (String) -> [UInt8]?) async throws -> FakeRedisServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ScriptHandler(trickle: trickle, respond: respond))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return FakeRedisServer(port: channel.localAddress!.port!, channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }

    private final class ScriptHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let trickle: Bool
        let respond: @Sendable (String) -> [UInt8]?

        init(trickle: Bool, respond: @escaping @Sendable (String) -> [UInt8]?) {
            self.trickle = trickle
            self.respond = respond
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let request = String(buffer: unwrapInboundIn(data))
            guard let reply = respond(request) else { return }
            if trickle {
                for byte in reply {
                    context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: [byte])), promise: nil)
                }
            } else {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: reply)), promise: nil)
            }
        }
    }
}

/// Answers the handshake like Redis 7 does, so tests reach the interesting part.
enum FakeReplies {
    static let hello: [UInt8] = Array("%1\r\n+server\r\n+redis\r\n".utf8)

    /// HELLO gets a map; every other command gets `reply(command)`.
    static func afterHandshake(_ reply: @escaping @Sendable (String) -> [UInt8]?) -> @Sendable (String) -> [UInt8]? {
        { request in
            if request.contains("HELLO") { return hello }
            return reply(request)
        }
    }
}
