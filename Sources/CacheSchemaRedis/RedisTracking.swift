import CacheSchemaRESP
import NIOCore

/// A CLIENT TRACKING invalidation pushed by the server: the keys whose cached copies are stale, or `nil` when the
/// server flushed everything (`FLUSHALL`, `FLUSHDB`).
public struct RedisInvalidation: Sendable, Hashable {
    /// The invalidated keys, or `nil` for "all keys".
    public let keys: [String]?

    /// Parses a push message; `nil` when it is not an invalidation.
    public init?(push: RESPValue) {
        guard case .push(let parts) = push, parts.count == 2, (try? parts[0].text()) == "invalidate" else { return nil }
        switch parts[1] {
        case .null: keys = nil
        case .array(let values), .set(let values): keys = values.compactMap { try? $0.text() }
        default: return nil
        }
    }
}

extension RedisConnection {
    /// `CLIENT TRACKING ON|OFF [BCAST] [PREFIX p]… [NOLOOP]`: the server pushes invalidations of keys this connection
    /// read (or, with `broadcast`, of every key under the prefixes) to the connection's `onPush` handler. Needs RESP3.
    public func clientTracking(_ on: Bool, broadcast: Bool = false, prefixes: [String] = [], noLoop: Bool = false, timeout: Duration? = nil) async throws {
        guard protocolVersion == 3 else {
            throw RedisError(.configuration, "CLIENT TRACKING push messages need RESP3; this server spoke RESP2", address: address)
        }
        var arguments = ["CLIENT", "TRACKING", on ? "ON" : "OFF"]
        if broadcast { arguments.append("BCAST") }
        for prefix in prefixes { arguments += ["PREFIX", prefix] }
        if noLoop { arguments.append("NOLOOP") }
        _ = try await execute(RedisCommand(arguments: arguments), timeout: timeout)
    }
}
