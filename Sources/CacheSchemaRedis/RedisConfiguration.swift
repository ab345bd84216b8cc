import Foundation

/// Where and how to connect: parsed from `redis://[user[:password]@]host[:port][/db]` or `rediss://…` (TLS).
///
/// Its description never shows the password.
public struct RedisConnectionConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// The server's host name or IP address.
    public var host: String
    /// The server's port (default 6379).
    public var port: Int
    /// The ACL user name, when not the default user.
    public var username: String?
    /// The password, when the server requires one.
    public var password: String?
    /// The database number to `SELECT` (default 0).
    public var database: Int
    /// TLS settings, for `rediss://`.
    public var tls: RedisTLSConfiguration?
    /// The name set with `CLIENT SETNAME` (visible in `CLIENT LIST`).
    public var clientName: String?
    /// How long opening a connection (TCP, TLS and handshake) may take.
    public var connectTimeout: Duration
    /// The default deadline of every command.
    public var commandTimeout: Duration

    /// Creates a configuration.
    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        tls: RedisTLSConfiguration? = nil,
        clientName: String? = nil,
        connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(2)
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.clientName = clientName
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    /// Parses a Redis URL: `redis://[user[:password]@]host[:port][/db]`, or `rediss://` for TLS. User and password
    /// are percent-decoded; an IPv6 host is written in brackets (`redis://[::1]:6380`).
    ///
    /// - Throws: ``RedisError`` of kind ``RedisError/Kind/configuration`` saying what is wrong (never echoing the
    ///   password).
    public init(url: String) throws(RedisError) {
        self.init()
        let scheme: String
        var rest: Substring
        if url.hasPrefix("redis://") {
            scheme = "redis"
            rest = url.dropFirst("redis://".count)
        } else if url.hasPrefix("rediss://") {
            scheme = "rediss"
            rest = url.dropFirst("rediss://".count)
        } else {
            throw RedisError(.configuration, "a Redis URL starts with redis:// or rediss:// (e.g. redis://127.0.0.1:6379/0)")
        }
        if let query = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            rest = rest[..<query]
        }
        var hostPart = rest
        var pathPart: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            hostPart = rest[..<slash]
            pathPart = rest[rest.index(after: slash)...]
        }
        if let at = hostPart.lastIndex(of: "@") {
            let credentials = hostPart[..<at]
            hostPart = hostPart[hostPart.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let user = String(credentials[..<colon]).removingPercentEncoding ?? ""
                username = user.isEmpty ? nil : user
                password = String(credentials[credentials.index(after: colon)...]).removingPercentEncoding
            } else {
                let user = String(credentials).removingPercentEncoding ?? ""
                username = user.isEmpty ? nil : user
            }
        }
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else {
                throw RedisError(.configuration, "the IPv6 address in the Redis URL has no closing ']'")
            }
            host = String(hostPart[hostPart.index(after: hostPart.startIndex)..<close])
            let after = hostPart[hostPart.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()), (1...65535).contains(value) else {
                    throw RedisError(.configuration, "the port in the Redis URL must be a number from 1 to 65535")
                }
                port = value
            } else if !after.isEmpty {
                throw RedisError(.configuration, "unexpected text after the IPv6 address in the Redis URL")
            }
        } else if let colon = hostPart.lastIndex(of: ":") {
            host = String(hostPart[..<colon])
            guard let value = Int(hostPart[hostPart.index(after: colon)...]), (1...65535).contains(value) else {
                throw RedisError(.configuration, "the port in the Redis URL must be a number from 1 to 65535")
            }
            port = value
        } else {
            host = String(hostPart)
        }
        if host.isEmpty { host = "127.0.0.1" }
        if !pathPart.isEmpty {
            guard let value = Int(pathPart), value >= 0 else {
                throw RedisError(.configuration, "the path of a Redis URL is the database number (e.g. /0)")
            }
            database = value
        }
        if scheme == "rediss" { tls = RedisTLSConfiguration() }
    }

    /// `host:port`, for messages and logs.
    public var address: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The URL without the password.
    public var description: String {
        var text = tls == nil ? "redis://" : "rediss://"
        if let username { text += username + (password == nil ? "" : ":***") + "@" } else if password != nil { text += ":***@" }
        return text + address + "/\(database)"
    }
}

/// TLS settings for `rediss://` connections.
public struct RedisTLSConfiguration: Sendable, Hashable {
    /// A PEM file of CA certificates to trust instead of the system's.
    public var caCertificatePath: String?
    /// A PEM client certificate, for servers that require one.
    public var certificatePath: String?
    /// The client certificate's PEM private key.
    public var privateKeyPath: String?
    /// Whether to check the server's certificate and host name (default true; turn off only in tests).
    public var verifyServer: Bool
    /// The host name to check the certificate against, when it differs from the connection's host.
    public var serverHostname: String?

    /// Creates TLS settings.
    public init(caCertificatePath: String? = nil, certificatePath: String? = nil, privateKeyPath: String? = nil, verifyServer: Bool = true, serverHostname: String? = nil) {
        self.caCertificatePath = caCertificatePath
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.verifyServer = verifyServer
        self.serverHostname = serverHostname
    }
}

/// How the client's pool behaves.
public struct RedisPoolConfiguration: Sendable, Hashable {
    /// Connections kept open even when idle (opened on first use, reopened after a drop).
    public var minimumConnections: Int
    /// The most connections opened at once.
    public var maximumConnections: Int
    /// In-flight commands on the least busy connection above which another connection is opened (up to the
    /// maximum). Commands pipeline on a connection, so a few connections carry many concurrent callers.
    public var pipelineThreshold: Int
    /// Connections beyond the minimum idle this long are closed (by ``RedisClient/run()``).
    public var idleTimeout: Duration
    /// Idle connections are checked with `PING` this often (by ``RedisClient/run()``).
    public var healthCheckInterval: Duration
    /// The first delay before reconnecting after a failure (default 50 ms); it doubles up to ``maximumBackoff``, with
    /// jitter.
    public var initialBackoff: Duration
    /// The longest delay between reconnection attempts (default 500 ms).
    ///
    /// While the pool backs off, commands fail at once, so this bounds how long the cache keeps bypassing after the
    /// server is back: with 2 s (the earlier default) hits returned 1.8 s after a restart in the example's fault
    /// matrix; with 500 ms, within half a second. An attempt against a server that is down costs a refused connection.
    public var maximumBackoff: Duration
    /// How long a connection may have commands in flight with no reply arriving before the pool stops sending new
    /// commands to it (default 100 ms).
    ///
    /// Redis answers one connection's commands in order, so a command queued behind a blocked one (a write held by
    /// `CLIENT PAUSE WRITE` during a failover, a slow script, a stopped server) would wait as long as it does. The
    /// pool sends new commands to another open connection instead, or opens one (up to ``maximumConnections``), so
    /// that reads keep flowing while writes are held; when every connection is stalled and the pool is full, a
    /// command waits (up to its deadline) for one to answer again or close. Lower values spread commands sooner at
    /// the cost of more connections on a busy server; a stalled connection is used again as soon as a reply arrives.
    public var stallThreshold: Duration
    /// When commands fail at once because the node stopped answering, instead of each waiting out its deadline (by
    /// default after 3 commands in a row without a reply, probing every 250 ms). Set after `init`:
    /// `pool.circuitBreaker = RedisCircuitBreakerConfiguration(threshold: 0)` turns it off.
    public var circuitBreaker = RedisCircuitBreakerConfiguration()

    /// Creates pool settings.
    public init(
        minimumConnections: Int = 1,
        maximumConnections: Int = 4,
        pipelineThreshold: Int = 64,
        idleTimeout: Duration = .seconds(60),
        healthCheckInterval: Duration = .seconds(15),
        initialBackoff: Duration = .milliseconds(50),
        maximumBackoff: Duration = .milliseconds(500),
        stallThreshold: Duration = .milliseconds(100)
    ) {
        self.minimumConnections = max(0, minimumConnections)
        self.maximumConnections = max(1, maximumConnections, minimumConnections)
        self.pipelineThreshold = max(1, pipelineThreshold)
        self.idleTimeout = idleTimeout
        self.healthCheckInterval = healthCheckInterval
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.stallThreshold = max(.zero, stallThreshold)
    }
}
