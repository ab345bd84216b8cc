import CacheSchemaRESP
import NIOCore

/// One node holds every key: commands go to it whatever key they route by.
extension RedisClient: RedisKeyedClient {
    public var requiresOneSlotPerCommand: Bool { false }

    public func nodeName(routing key: String) -> String? { configuration.address }

    public func send(_ command: RedisCommand, routedBy key: String, idempotent: Bool = false, timeout: Duration? = nil) async throws -> RESPValue {
        try await send(command, timeout: timeout)
    }

    public func batch(_ commands: [(command: RedisCommand, key: String)], timeout: Duration? = nil) async throws -> [Result<RESPValue, RedisError>] {
        try await batch(commands.map(\.command), timeout: timeout)
    }

    public func scanPrimaries(match: String? = nil, count: Int? = nil, timeout: Duration? = nil) async throws -> RedisPrimariesScanSequence {
        RedisPrimariesScanSequence(scans: [scan(match: match, count: count, timeout: timeout)])
    }
}
