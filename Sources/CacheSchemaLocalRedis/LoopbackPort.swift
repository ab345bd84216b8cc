import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// TCP ports on 127.0.0.1: a free one for a server to listen on, and whether one accepts connections.
public enum LoopbackPort {
    /// A port that is free now and that no other caller in this process gets.
    ///
    /// Ports are handed out in turn from 20000–31999, below the kernel's ephemeral range (32768 and up), so neither a
    /// parallel caller nor an outgoing connection's local port can take it between this call and the server's bind.
    /// The starting point depends on the process id, so that two processes on one machine rarely meet; a port found
    /// busy is skipped. Another process can still take it first: ``LocalRedisServer`` then retries with the next one.
    public static func free() throws(LocalRedisError) -> Int {
        for _ in 0..<Allocator.count {
            let candidate = Allocator.next()
            if canBind(candidate) { return candidate }
        }
        throw LocalRedisError(
            .noFreePort,
            "no free TCP port on 127.0.0.1 in \(Allocator.first)–\(Allocator.first + Allocator.count - 1); stop the servers that hold them")
    }

    /// Whether something accepts TCP connections on `127.0.0.1:port` now.
    public static func isAccepting(_ port: Int) -> Bool {
        withSocket(port: port) { fd, address, length in connect(fd, address, length) == 0 }
    }

    /// Whether a listening socket could be bound to `127.0.0.1:port` now.
    static func canBind(_ port: Int) -> Bool {
        withSocket(port: port) { fd, address, length in bind(fd, address, length) == 0 }
    }

    private static func withSocket(
        port: Int, _ body: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Bool
    ) -> Bool {
        #if canImport(Darwin)
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #else
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    private enum Allocator {
        static let first = 20000
        static let count = 12000
        private static let offset = Mutex(Int(getpid()) * 37 % count)

        static func next() -> Int {
            offset.withLock { offset in
                defer { offset = (offset + 1) % count }
                return first + offset
            }
        }
    }
}
