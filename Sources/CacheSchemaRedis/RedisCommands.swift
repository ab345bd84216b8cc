import CacheSchemaRESP
import NIOCore

/// Anything that sends commands: a ``RedisClient`` (pooled) or a ``RedisConnection``. The typed commands are
/// defined once, here, for both.
public protocol RedisCommandSending: Sendable {
    /// Sends a command and returns its reply; a server error reply is a value, not thrown.
    func send(_ command: RedisCommand, timeout: Duration?) async throws -> RESPValue
}

extension RedisConnection: RedisCommandSending {}

/// When a `SET` key expires.
public enum RedisExpiration: Sendable, Hashable {
    /// `EX seconds`.
    case seconds(Int)
    /// `PX milliseconds`.
    case milliseconds(Int)
    /// `KEEPTTL`: keep the key's current TTL.
    case keepTTL

    /// `PX` with a duration's whole milliseconds (at least 1). A duration beyond `Int.max` milliseconds (about 292
    /// million years) saturates there, and Redis refuses it as an invalid expire time (a ``RedisError`` of kind
    /// `server`).
    public static func after(_ duration: Duration) -> RedisExpiration {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = Int(seconds).multipliedReportingOverflow(by: 1000)
        guard !overflow else { return .milliseconds(seconds < 0 ? 1 : .max) }
        let (total, carry) = whole.addingReportingOverflow(Int(attoseconds / 1_000_000_000_000_000))
        return .milliseconds(carry ? .max : max(1, total))
    }
}

/// When a `SET` applies.
public enum RedisSetCondition: Sendable, Hashable {
    /// Always.
    case always
    /// `NX`: only when the key does not exist.
    case ifNotExists
    /// `XX`: only when the key exists.
    case ifExists
}

extension RedisCommandSending {
    /// Sends a command and throws a server error reply as ``RedisError`` of kind `server`.
    public func execute(_ command: RedisCommand, timeout: Duration? = nil) async throws -> RESPValue {
        let reply = try await send(command, timeout: timeout)
        guard let message = reply.errorMessage else { return reply }
        let error = RedisServerError(message: message)
        if error.code == .moved {
            // A cluster node given to the single-node client: say so once, instead of a bare MOVED per command.
            throw RedisError(
                .server, "\(message) — this server is a Redis Cluster node and the key is served by another node; use RedisClusterClient(seeds:configuration:)",
                server: error)
        }
        throw RedisError.server(error, address: nil)
    }

    /// Sends any command given as strings (`["CONFIG", "GET", "maxmemory"]`).
    public func raw(_ arguments: [String], timeout: Duration? = nil) async throws -> RESPValue {
        try await execute(RedisCommand(arguments: arguments), timeout: timeout)
    }

    // MARK: Strings

    /// `GET key`: the value, or `nil` when the key does not exist.
    public func get(_ key: String, timeout: Duration? = nil) async throws -> ByteBuffer? {
        try await execute(RedisCommand("GET", key), timeout: timeout).optionalBytes()
    }

    /// `SET key value [EX|PX|KEEPTTL] [NX|XX]`: whether the value was set (false when the condition was not met).
    @discardableResult
    public func set(_ key: String, _ value: some RESPArgument, expiration: RedisExpiration? = nil, condition: RedisSetCondition = .always, timeout: Duration? = nil) async throws -> Bool {
        let reply = try await execute(Self.setCommand(key, value, expiration: expiration, condition: condition, get: false), timeout: timeout)
        return reply != .null
    }

    /// `SET key value … GET`: sets and returns the previous value (`nil` when there was none).
    public func setAndGet(_ key: String, _ value: some RESPArgument, expiration: RedisExpiration? = nil, condition: RedisSetCondition = .always, timeout: Duration? = nil) async throws -> ByteBuffer? {
        try await execute(Self.setCommand(key, value, expiration: expiration, condition: condition, get: true), timeout: timeout).optionalBytes()
    }

    static func setCommand(_ key: String, _ value: some RESPArgument, expiration: RedisExpiration?, condition: RedisSetCondition, get: Bool) -> RedisCommand {
        let conditionFlag: StaticString? = switch condition {
        case .always: nil
        case .ifNotExists: "NX"
        case .ifExists: "XX"
        }
        let getFlag: StaticString? = get ? "GET" : nil
        switch expiration {
        case .seconds(let seconds)?:
            return RedisCommand("SET", key, value, StaticString("EX"), seconds, conditionFlag, getFlag)
        case .milliseconds(let milliseconds)?:
            return RedisCommand("SET", key, value, StaticString("PX"), milliseconds, conditionFlag, getFlag)
        case .keepTTL?:
            return RedisCommand("SET", key, value, StaticString("KEEPTTL"), conditionFlag, getFlag)
        case nil:
            return RedisCommand("SET", key, value, conditionFlag, getFlag)
        }
    }

    /// `MGET key…`: one value (or `nil`) per key, in order.
    ///
    /// - Throws: ``RedisError``; of kind `protocolError` when the reply does not hold exactly one value per key.
    public func mget(_ keys: [String], timeout: Duration? = nil) async throws -> [ByteBuffer?] {
        guard !keys.isEmpty else { return [] }
        guard case .array(let values) = try await execute(RedisCommand("MGET", keys), timeout: timeout) else {
            throw RedisError(.unexpectedReply, "MGET did not return an array")
        }
        // Callers index the result by key position: a reply with another count (a misbehaving proxy) must not
        // reach them.
        guard values.count == keys.count else {
            throw RedisError(.protocolError, "MGET of \(keys.count) key(s) returned \(values.count) value(s), expected one per key; the server or a proxy in between does not follow the protocol")
        }
        return try values.map { try $0.optionalBytes() }
    }

    /// `MSET key value …`.
    public func mset(_ pairs: [(key: String, value: ByteBuffer)], timeout: Duration? = nil) async throws {
        guard !pairs.isEmpty else { return }
        var arguments: [any RESPArgument] = ["MSET"]
        for pair in pairs {
            arguments.append(pair.key)
            arguments.append(pair.value)
        }
        var buffer = ByteBuffer()
        RESPCommandEncoder.write(into: &buffer, arguments: arguments)
        _ = try await execute(RedisCommand(encoded: buffer, name: "MSET"), timeout: timeout)
    }

    /// `INCR key`: the new value.
    public func incr(_ key: String, timeout: Duration? = nil) async throws -> Int64 {
        try await execute(RedisCommand("INCR", key), timeout: timeout).integer()
    }

    // MARK: Keys

    /// `DEL key…`: how many keys were removed.
    @discardableResult
    public func del(_ keys: [String], timeout: Duration? = nil) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        return Int(try await execute(RedisCommand("DEL", keys), timeout: timeout).integer())
    }

    /// `UNLINK key…`: like DEL, but frees memory in the background. How many keys were removed.
    @discardableResult
    public func unlink(_ keys: [String], timeout: Duration? = nil) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        return Int(try await execute(RedisCommand("UNLINK", keys), timeout: timeout).integer())
    }

    /// `EXISTS key…`: how many of the keys exist.
    public func exists(_ keys: [String], timeout: Duration? = nil) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        return Int(try await execute(RedisCommand("EXISTS", keys), timeout: timeout).integer())
    }

    /// `EXPIRE key seconds`: whether the timeout was set.
    @discardableResult
    public func expire(_ key: String, seconds: Int, timeout: Duration? = nil) async throws -> Bool {
        try await execute(RedisCommand("EXPIRE", key, seconds), timeout: timeout).integer() == 1
    }

    /// `PEXPIRE key milliseconds`: whether the timeout was set.
    @discardableResult
    public func pexpire(_ key: String, milliseconds: Int, timeout: Duration? = nil) async throws -> Bool {
        try await execute(RedisCommand("PEXPIRE", key, milliseconds), timeout: timeout).integer() == 1
    }

    /// `TTL key`: seconds left; -1 when the key has no expiry, -2 when it does not exist.
    public func ttl(_ key: String, timeout: Duration? = nil) async throws -> Int64 {
        try await execute(RedisCommand("TTL", key), timeout: timeout).integer()
    }

    /// `PTTL key`: milliseconds left; -1 when the key has no expiry, -2 when it does not exist.
    public func pttl(_ key: String, timeout: Duration? = nil) async throws -> Int64 {
        try await execute(RedisCommand("PTTL", key), timeout: timeout).integer()
    }

    /// `SCAN` as an async sequence of keys: `for try await key in client.scan(match: "shop:user:*")`.
    ///
    /// Keys may repeat (a SCAN guarantee) and keys added or removed during the scan may or may not appear.
    public func scan(match: String? = nil, count: Int? = nil, type: String? = nil, timeout: Duration? = nil) -> RedisScanSequence {
        RedisScanSequence(sender: self, key: nil, match: match, count: count, type: type, timeout: timeout)
    }

    // MARK: Sets

    /// `SADD key member…`: how many members were added.
    @discardableResult
    public func sadd(_ key: String, members: [String], timeout: Duration? = nil) async throws -> Int {
        guard !members.isEmpty else { return 0 }
        return Int(try await execute(RedisCommand("SADD", key, members), timeout: timeout).integer())
    }

    /// `SREM key member…`: how many members were removed.
    @discardableResult
    public func srem(_ key: String, members: [String], timeout: Duration? = nil) async throws -> Int {
        guard !members.isEmpty else { return 0 }
        return Int(try await execute(RedisCommand("SREM", key, members), timeout: timeout).integer())
    }

    /// `SMEMBERS key`: every member.
    public func smembers(_ key: String, timeout: Duration? = nil) async throws -> [ByteBuffer] {
        switch try await execute(RedisCommand("SMEMBERS", key), timeout: timeout) {
        case .set(let values), .array(let values): return try values.map { try $0.bytes() }
        default: throw RedisError(.unexpectedReply, "SMEMBERS did not return a set")
        }
    }

    /// `SSCAN key` as an async sequence of members.
    public func sscan(_ key: String, match: String? = nil, count: Int? = nil, timeout: Duration? = nil) -> RedisScanSequence {
        RedisScanSequence(sender: self, key: key, match: match, count: count, type: nil, timeout: timeout)
    }

    // MARK: Scripts

    /// `EVAL script numkeys key… arg…`.
    public func eval(_ script: String, keys: [String] = [], arguments: [String] = [], timeout: Duration? = nil) async throws -> RESPValue {
        try await execute(RedisCommand("EVAL", script, keys.count, keys, arguments), timeout: timeout)
    }

    /// `EVALSHA sha1 numkeys key… arg…`.
    public func evalsha(_ sha1: String, keys: [String] = [], arguments: [String] = [], timeout: Duration? = nil) async throws -> RESPValue {
        try await execute(RedisCommand("EVALSHA", sha1, keys.count, keys, arguments), timeout: timeout)
    }

    /// `SCRIPT LOAD script`: the script's SHA1.
    public func scriptLoad(_ script: String, timeout: Duration? = nil) async throws -> String {
        try await execute(RedisCommand("SCRIPT", StaticString("LOAD"), script), timeout: timeout).text()
    }

    /// Runs a script by its SHA1, loading it first when the server does not know it (`NOSCRIPT`) and retrying once.
    public func run(_ script: RedisScript, keys: [String] = [], arguments: [String] = [], timeout: Duration? = nil) async throws -> RESPValue {
        try await run(script, keys: keys, values: arguments.map { $0 as any RESPArgument }, timeout: timeout)
    }

    // MARK: Server

    /// `PING`: `PONG`.
    public func ping(timeout: Duration? = nil) async throws -> String {
        try await execute(RedisCommand("PING"), timeout: timeout).text()
    }

    /// `INFO [section]`: the server's report text.
    public func info(_ section: String? = nil, timeout: Duration? = nil) async throws -> String {
        try await execute(RedisCommand("INFO", section), timeout: timeout).text()
    }

    /// `MEMORY USAGE key`: bytes used by the key and its value, or `nil` when it does not exist.
    public func memoryUsage(_ key: String, timeout: Duration? = nil) async throws -> Int? {
        let reply = try await execute(RedisCommand("MEMORY", StaticString("USAGE"), key), timeout: timeout)
        return reply == .null ? nil : Int(try reply.integer())
    }
}

extension RedisCommand {
    /// Wraps an already encoded command.
    public init(encoded buffer: ByteBuffer, name: String) {
        self.buffer = buffer
        self.name = RedisCommandNames.label(name)
    }
}

extension RESPValue {
    /// The bytes of a bulk or simple string.
    public func bytes() throws -> ByteBuffer {
        switch self {
        case .bulkString(let buffer): return buffer
        case .simpleString(let text), .verbatimString(_, let text): return ByteBuffer(string: text)
        default: throw RedisError(.unexpectedReply, "expected a string reply, got \(kindName)")
        }
    }

    /// The bytes of a string reply, or `nil` for a null reply.
    public func optionalBytes() throws -> ByteBuffer? {
        self == .null ? nil : try bytes()
    }

    /// The text of a string reply.
    public func text() throws -> String {
        switch self {
        case .simpleString(let text), .verbatimString(_, let text): return text
        case .bulkString(let buffer): return String(buffer: buffer)
        default: throw RedisError(.unexpectedReply, "expected a string reply, got \(kindName)")
        }
    }

    /// The value of an integer reply.
    public func integer() throws -> Int64 {
        switch self {
        case .integer(let value): return value
        case .boolean(let flag): return flag ? 1 : 0
        default: throw RedisError(.unexpectedReply, "expected an integer reply, got \(kindName)")
        }
    }

    /// The reply's type, for messages (never its content).
    public var kindName: String {
        switch self {
        case .simpleString: "simple string"
        case .simpleError: "error"
        case .integer: "integer"
        case .bulkString: "bulk string"
        case .null: "null"
        case .double: "double"
        case .boolean: "boolean"
        case .bigNumber: "big number"
        case .bulkError: "bulk error"
        case .verbatimString: "verbatim string"
        case .array: "array"
        case .set: "set"
        case .map: "map"
        case .push: "push"
        case .attribute: "attribute"
        }
    }
}
