import CacheSchemaRESP
import NIOCore

/// A command encoded once, on the caller's side, ready to be written to any connection.
///
/// ```swift
/// let command = RedisCommand("SET", key, value, "PX", 300_000)
/// ```
public struct RedisCommand: Sendable {
    /// The encoded RESP array.
    public let buffer: ByteBuffer
    /// The command's name in upper case, for metrics labels (a bounded set: unknown names count as `OTHER`).
    public let name: String

    /// Encodes a command from its arguments; the first is the command name.
    @inlinable
    public init<each Argument: RESPArgument>(_ name: StaticString, _ arguments: repeat each Argument) {
        var buffer = ByteBuffer()
        RESPCommandEncoder.write(into: &buffer, name, repeat each arguments)
        self.buffer = buffer
        self.name = RedisCommandNames.label(name.description)
    }

    /// Encodes a command whose name and arguments are only known at run time (`RAW` commands).
    public init(arguments: [String]) {
        var buffer = ByteBuffer()
        RESPCommandEncoder.write(into: &buffer, arguments: arguments)
        self.buffer = buffer
        self.name = RedisCommandNames.label(arguments.first ?? "")
    }
}

/// Keeps metrics labels bounded: known command names, everything else `OTHER`.
public enum RedisCommandNames {
    static let known: Set<String> = [
        "GET", "SET", "MGET", "MSET", "DEL", "UNLINK", "EXISTS", "EXPIRE", "PEXPIRE", "TTL", "PTTL", "SCAN", "SADD",
        "SREM", "SMEMBERS", "SSCAN", "INCR", "EVAL", "EVALSHA", "EVALSHA_RO", "SCRIPT", "PING", "INFO", "MEMORY",
        "CLIENT", "HELLO", "AUTH", "SELECT", "MULTI", "EXEC", "DISCARD", "TYPE", "FLUSHDB", "DBSIZE", "CONFIG", "DEBUG",
    ]

    /// The label for a command name.
    public static func label(_ name: String) -> String {
        // Names are almost always written in upper case already: skip `uppercased()` (a new string) for those.
        let upper = name.utf8.contains(where: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) ? name.uppercased() : name
        return known.contains(upper) ? upper : "OTHER"
    }
}
