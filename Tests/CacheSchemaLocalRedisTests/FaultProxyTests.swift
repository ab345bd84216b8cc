import CacheSchemaLocalRedis
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The fault proxy in front of a real redis-server, seen through plain sockets (what it does to bytes, not what a
/// client makes of it): pass, blackhole, reset and delay, switched at run time.
@Suite("Fault proxy")
struct FaultProxyTests {
    @Test("pass forwards commands and large values both ways")
    func passForwards() async throws {
        let redis = try await LocalRedisServer(folderPrefix: "fault-proxy-redis")
        let proxy = try await FaultProxy(upstreamPort: redis.port)
        let socket = try RawSocket(port: proxy.port)
        try socket.write("PING\r\n")
        #expect(try socket.receive(atLeast: 7, within: .seconds(30)) == "+PONG\r\n")
        // 1 MB crosses the proxy in many reads and writes.
        let value = String(repeating: "x", count: 1 << 20)
        try socket.write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$\(value.utf8.count)\r\n\(value)\r\n")
        #expect(try socket.receive(atLeast: 5, within: .seconds(30)) == "+OK\r\n")
        try socket.write("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
        let reply = "$\(value.utf8.count)\r\n\(value)\r\n"
        #expect(try socket.receive(atLeast: reply.utf8.count, within: .seconds(30)) == reply)
        #expect(await proxy.connectionCount == 1)
        await proxy.stop()
        await redis.stop()
    }

    @Test("blackhole holds every byte of open and new connections, and pass delivers them in order")
    func blackholeHoldsBytes() async throws {
        let redis = try await LocalRedisServer(folderPrefix: "fault-proxy-redis")
        let proxy = try await FaultProxy(upstreamPort: redis.port)
        let open = try RawSocket(port: proxy.port)
        try open.write("PING\r\n")
        #expect(try open.receive(atLeast: 7, within: .seconds(30)) == "+PONG\r\n")

        await proxy.setMode(.blackhole)
        #expect(proxy.mode == .blackhole)
        try open.write("INCR n\r\n")
        let fresh = try RawSocket(port: proxy.port)  // accepted, as by a link that drops packets after the handshake
        try fresh.write("INCR n\r\n")
        #expect(try open.receive(atLeast: 1, within: .milliseconds(300)) == "", "nothing comes back through a blackhole")
        #expect(try fresh.receive(atLeast: 1, within: .milliseconds(300)) == "")
        #expect(try await redis.cli(["GET", "n"]).isEmpty, "nothing reached the server either")

        await proxy.setMode(.pass)
        let first = try open.receive(atLeast: 4, within: .seconds(30))
        let second = try fresh.receive(atLeast: 4, within: .seconds(30))
        #expect(Set([first, second]) == [":1\r\n", ":2\r\n"], "the held commands ran once each when the link healed")
        await proxy.stop()
        await redis.stop()
    }

    @Test("reset sends RST on open connections and on every new one, until the mode changes")
    func resetResets() async throws {
        let redis = try await LocalRedisServer(folderPrefix: "fault-proxy-redis")
        let proxy = try await FaultProxy(upstreamPort: redis.port)
        let open = try RawSocket(port: proxy.port)
        try open.write("PING\r\n")
        #expect(try open.receive(atLeast: 7, within: .seconds(30)) == "+PONG\r\n")

        await proxy.setMode(.reset)
        #expect(throws: RawSocket.Reset.self) { _ = try open.receive(atLeast: 1, within: .seconds(30)) }
        let fresh = try RawSocket(port: proxy.port)
        #expect(throws: RawSocket.Reset.self) { _ = try fresh.receive(atLeast: 1, within: .seconds(30)) }
        try await waitUntil("the proxy holds no connection") { await proxy.connectionCount == 0 }

        await proxy.setMode(.pass)
        let after = try RawSocket(port: proxy.port)
        try after.write("PING\r\n")
        #expect(try after.receive(atLeast: 7, within: .seconds(30)) == "+PONG\r\n")
        await proxy.stop()
        await redis.stop()
    }

    @Test("delay holds the server's replies for the latency ± jitter, never out of order")
    func delaySlowsReplies() async throws {
        let redis = try await LocalRedisServer(folderPrefix: "fault-proxy-redis")
        let proxy = try await FaultProxy(upstreamPort: redis.port)
        let socket = try RawSocket(port: proxy.port)
        await proxy.setMode(.delay(.milliseconds(50), jitter: .milliseconds(20)))

        let clock = ContinuousClock()
        let start = clock.now
        try socket.write("PING\r\n")
        #expect(try socket.receive(atLeast: 7, within: .seconds(30)) == "+PONG\r\n")
        #expect(clock.now - start >= .milliseconds(30), "the reply came \(clock.now - start) after the command")

        // Separate commands get separate replies, each with its own draw of jitter: they still arrive in order.
        let count = 40
        for _ in 0..<count {
            try socket.write("INCR n\r\n")
            try await Task.sleep(for: .milliseconds(2))
        }
        let expected = (1...count).map { ":\($0)\r\n" }.joined()
        #expect(try socket.receive(atLeast: expected.utf8.count, within: .seconds(30)) == expected)

        await proxy.setMode(.pass)
        let passStart = clock.now
        try socket.write("PING\r\n")
        #expect(try socket.receive(atLeast: 7, within: .seconds(30)) == "+PONG\r\n")
        #expect(clock.now - passStart < .seconds(5), "pass forwards without the delay (a loose bound for a busy machine)")
        await proxy.stop()
        await redis.stop()
    }

    @Test("a server that dies closes its connections through the proxy, and a new one is closed at once")
    func serverDeathClosesConnections() async throws {
        let redis = try await LocalRedisServer(folderPrefix: "fault-proxy-redis")
        let proxy = try await FaultProxy(upstreamPort: redis.port)
        let open = try RawSocket(port: proxy.port)
        try open.write("PING\r\n")
        #expect(try open.receive(atLeast: 7, within: .seconds(30)) == "+PONG\r\n")
        await redis.kill()
        #expect(try open.receiveUntilClosed(within: .seconds(30)), "the client sees its connection end")
        let fresh = try RawSocket(port: proxy.port)
        #expect(try fresh.receiveUntilClosed(within: .seconds(30)), "a connection to a dead server ends at once")
        try await waitUntil("the proxy holds no connection") { await proxy.connectionCount == 0 }

        try await redis.restart()
        let after = try RawSocket(port: proxy.port)
        try after.write("PING\r\n")
        #expect(try after.receive(atLeast: 7, within: .seconds(30)) == "+PONG\r\n")
        await proxy.stop()
        await redis.stop()
    }
}

#if os(Linux)
    private let sendFlags = Int32(MSG_NOSIGNAL)
#else
    private let sendFlags: Int32 = 0
#endif

/// A blocking TCP socket to 127.0.0.1 with receive deadlines: the bytes as they come, nothing parsed.
private final class RawSocket {
    struct Reset: Error {}
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let fd: Int32

    init(port: Int) throws {
        #if canImport(Darwin)
            fd = socket(AF_INET, SOCK_STREAM, 0)
        #else
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #endif
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure(description: "cannot connect to port \(port) (errno \(errno))")
        }
    }

    deinit { close(fd) }

    func write(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, sendFlags) }
            guard written > 0 else { throw Failure(description: "send failed (errno \(errno))") }
            offset += written
        }
    }

    /// Reads until `count` bytes came or `within` passed, and returns what came (maybe less, maybe nothing).
    /// - Throws: ``Reset`` when the connection was reset; ``Failure`` when it was closed.
    func receive(atLeast count: Int, within timeout: Duration) throws -> String {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        while received.count < count {
            switch try read(until: deadline) {
            case .bytes(let bytes): received += bytes
            case .timedOut: return String(decoding: received, as: UTF8.self)
            case .closed: throw Failure(description: "closed after \(received.count) bytes")
            }
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Whether the connection ends (closed or reset) before `within` passes.
    func receiveUntilClosed(within timeout: Duration) throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                switch try read(until: deadline) {
                case .bytes: continue
                case .timedOut: return false
                case .closed: return true
                }
            } catch is Reset {
                return true
            }
        }
    }

    private enum Outcome {
        case bytes([UInt8]), timedOut, closed
    }

    private func read(until deadline: ContinuousClock.Instant) throws -> Outcome {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { return .timedOut }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(min(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000, 60_000))
        let ready = poll(&descriptor, 1, max(1, milliseconds))
        guard ready > 0 else { return .timedOut }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 {
            if errno == ECONNRESET { throw Reset() }
            throw Failure(description: "recv failed (errno \(errno))")
        }
        return count == 0 ? .closed : .bytes(Array(chunk[0..<count]))
    }
}
