import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

#if os(Linux)
    private let sendFlags = Int32(MSG_NOSIGNAL)
#else
    private let sendFlags: Int32 = 0
#endif

/// A minimal blocking HTTP/1.1 client on one keep-alive loopback connection: enough to drive the service (GET and
/// small JSON bodies, `Content-Length` or chunked responses). One per load thread; never shared.
public final class HTTPConnection {
    /// A response: status, headers (names in lower case) and body.
    public struct Reply: Sendable {
        /// The status code (200, 404, …).
        public var status: Int
        /// Header names in lower case; a repeated header keeps its last value.
        public var headers: [String: String]
        /// The body, de-chunked.
        public var body: [UInt8]

        /// The body as UTF-8 text.
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// A connection or protocol failure, or a service that did not answer as expected.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong.
        public var description: String

        /// A failure saying `description`.
        public init(description: String) {
            self.description = description
        }
    }

    /// The service's IPv4 address.
    public let host: String
    /// The service's port.
    public let port: Int
    /// The longest wait for a reply's bytes: a service that hangs fails the request instead of its thread.
    public let timeout: Duration
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []
    private var start = 0

    /// A connection to `host` (an IPv4 address) and `port`, opened on the first request.
    public init(host: String, port: Int, timeout: Duration = .seconds(30)) {
        self.host = host
        self.port = port
        self.timeout = timeout
    }

    deinit { disconnect() }

    /// Closes the connection; the next request opens a new one.
    public func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
        buffer.removeAll(keepingCapacity: true)
        start = 0
    }

    private func connectIfNeeded() throws {
        guard fd < 0 else { return }
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw Failure(description: "socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr(host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socketFD)
            throw Failure(description: "cannot connect to \(host):\(port) (errno \(errno))")
        }
        var one: Int32 = 1
        setsockopt(socketFD, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let (seconds, attoseconds) = timeout.components
        var limit = timeval(tv_sec: .init(max(0, seconds)), tv_usec: .init(attoseconds / 1_000_000_000_000))
        setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        fd = socketFD
    }

    /// Sends a request and reads its response; reconnects once if a kept-alive connection was closed by the server.
    public func request(_ method: String, _ path: String, body: String? = nil) throws -> Reply {
        do {
            return try attempt(method, path, body: body)
        } catch {
            disconnect()
            return try attempt(method, path, body: body)
        }
    }

    private func attempt(_ method: String, _ path: String, body: String?) throws -> Reply {
        try connectIfNeeded()
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\n"
        let payload = Array((body ?? "").utf8)
        if body != nil { head += "Content-Type: application/json\r\nContent-Length: \(payload.count)\r\n" }
        let bytes = Array((head + "\r\n").utf8) + payload
        try writeAll(bytes)
        let reply = try readReply()
        if reply.headers["connection"]?.lowercased() == "close" { disconnect() }
        return reply
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, sendFlags) }
            guard written > 0 else { throw Failure(description: "send failed (errno \(errno))") }
            offset += written
        }
    }

    private func fill() throws {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw Failure(description: "connection closed") }
        buffer.append(contentsOf: chunk[0..<count])
    }

    private func readLine() throws -> String {
        while true {
            if let index = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = index
                if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = index + 1
                return line
            }
            try fill()
        }
    }

    private func readBytes(_ count: Int) throws -> [UInt8] {
        while buffer.count - start < count { try fill() }
        let bytes = Array(buffer[start..<(start + count)])
        start += count
        return bytes
    }

    private func readReply() throws -> Reply {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure(description: "bad status line '\(statusLine)'") }
        var headers: [String: String] = [:]
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        var body: [UInt8] = []
        if let length = headers["content-length"].flatMap({ Int($0) }) {
            body = try readBytes(length)
        } else if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            while true {
                let sizeLine = try readLine()
                guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else { throw Failure(description: "bad chunk size") }
                if size == 0 {
                    while try !readLine().isEmpty {}
                    break
                }
                body += try readBytes(size)
                _ = try readLine()
            }
        }
        return Reply(status: status, headers: headers, body: body)
    }
}
