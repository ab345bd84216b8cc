import CacheSchemaRESP
import NIOSSL

/// Every error the Redis client throws. It says what failed, where, and what to do; it never contains a password or
/// a value.
public struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure.
    public enum Kind: Sendable, Hashable {
        /// The server answered with an error reply (`ERR`, `WRONGTYPE`, `NOSCRIPT`, …); see ``RedisError/server``.
        case server
        /// No connection could be opened (refused, unreachable, DNS, connect timeout).
        case connectionFailed
        /// The connection closed while commands were in flight, or before a command could be sent.
        case connectionClosed
        /// A command's deadline passed before its reply arrived.
        case timeout
        /// No connection became available before the command's deadline (the pool is exhausted or the server is
        /// down); the underlying connection error is in the message.
        case poolUnavailable
        /// The server's bytes are not valid RESP (the connection was closed), or a reply breaks the command's
        /// contract (an `MGET` reply without exactly one value per key): the server or a proxy misbehaves.
        case protocolError
        /// Authentication failed (`WRONGPASS`, `NOAUTH`, missing ACL permissions at connect).
        case authentication
        /// TLS could not be set up or the server's certificate was refused.
        case tls
        /// The client was shut down.
        case shutDown
        /// The configuration is invalid (for example a malformed URL).
        case configuration
        /// The reply has an unexpected shape for the command.
        case unexpectedReply
        /// The node stopped answering (several commands in a row got no reply before their deadlines): commands fail
        /// at once while one is let through now and then to find out when it answers again (see
        /// ``RedisCircuitBreakerConfiguration``).
        case circuitOpen
    }

    /// What kind of failure.
    public let kind: Kind
    /// A one-line explanation, with what to do where there is something to do.
    public let message: String
    /// The server address involved (`host:port`), when there is one.
    public let address: String?
    /// For ``Kind/server`` errors: the error code and text the server sent.
    public let server: RedisServerError?

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, address: String? = nil, server: RedisServerError? = nil) {
        self.kind = kind
        self.message = message
        self.address = address
        self.server = server
    }

    /// A server error reply.
    public static func server(_ error: RedisServerError, address: String?) -> RedisError {
        RedisError(.server, error.message, address: address, server: error)
    }

    public var description: String {
        let place = address.map { " (\($0))" } ?? ""
        switch kind {
        case .server: return "Redis error\(place): \(message)"
        default: return "Redis \(kind)\(place): \(message)"
        }
    }
}

/// A server error reply, typed by its code and with redirections parsed for cluster routing.
public struct RedisServerError: Sendable, Hashable, CustomStringConvertible {
    /// Well-known error codes.
    public enum Code: Sendable, Hashable {
        case err, wrongType, noScript, noAuth, wrongPass, noPerm, moved, ask, tryAgain, clusterDown, busy, loading
        case readOnly, execAbort, oom, noProto
        /// Any other code, as sent.
        case other(String)

        init(_ text: Substring) {
            switch text {
            case "ERR": self = .err
            case "WRONGTYPE": self = .wrongType
            case "NOSCRIPT": self = .noScript
            case "NOAUTH": self = .noAuth
            case "WRONGPASS": self = .wrongPass
            case "NOPERM": self = .noPerm
            case "MOVED": self = .moved
            case "ASK": self = .ask
            case "TRYAGAIN": self = .tryAgain
            case "CLUSTERDOWN": self = .clusterDown
            case "BUSY": self = .busy
            case "LOADING": self = .loading
            case "READONLY": self = .readOnly
            case "EXECABORT": self = .execAbort
            case "OOM": self = .oom
            case "NOPROTO": self = .noProto
            default: self = .other(String(text))
            }
        }
    }

    /// A `MOVED` or `ASK` redirection: the slot and the node that serves it.
    public struct Redirection: Sendable, Hashable {
        /// The hash slot (0–16383).
        public let slot: Int
        /// The node's host.
        public let host: String
        /// The node's port.
        public let port: Int
    }

    /// The error code (first word of the reply).
    public let code: Code
    /// The whole error text as sent (`WRONGTYPE Operation against a key holding the wrong kind of value`).
    public let message: String
    /// For `MOVED` and `ASK`: where to go.
    public let redirection: Redirection?

    /// Parses a server error text.
    public init(message: String) {
        self.message = message
        let words = message.split(separator: " ", omittingEmptySubsequences: true)
        let first = words.first ?? ""
        code = first.allSatisfy({ $0.isUppercase || $0 == "_" }) && !first.isEmpty ? Code(first) : .other("")
        if code == .moved || code == .ask, words.count >= 3, let slot = Int(words[1]),
            let colon = words[2].lastIndex(of: ":"), let port = Int(words[2][words[2].index(after: colon)...])
        {
            var host = String(words[2][..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            redirection = Redirection(slot: slot, host: host, port: port)
        } else {
            redirection = nil
        }
    }

    public var description: String { message }
}

extension RESPValue {
    /// The value, or the server error it carries thrown as a ``RedisError``.
    func throwingServerError(address: String?) throws(RedisError) -> RESPValue {
        if let message = errorMessage { throw RedisError.server(RedisServerError(message: message), address: address) }
        return self
    }
}

extension RedisError {
    /// The error for a failure the channel reports (an error caught in the pipeline, a write that could not be
    /// done): TLS failures as `tls`, everything else as `connectionClosed`; a `RedisError` as it is.
    static func channelFailure(_ error: any Error, address: String, while action: String) -> RedisError {
        if let error = error as? RedisError { return error }
        if error is NIOSSLError || error is BoringSSLError {
            return RedisError(.tls, "TLS failed: \(error); check the CA certificate and the server name", address: address)
        }
        return RedisError(.connectionClosed, "\(action): \(error)", address: address)
    }
}
