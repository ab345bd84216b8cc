import CacheSchemaRESP
import NIOCore
import ServiceLifecycle

/// A client that sends each command to the node holding the keys it touches: a ``RedisClient`` (one node holds
/// every key) or a ``RedisClusterClient`` (the primary of the keys' hash slot). Code that must run on both — the
/// cache runtime — takes `any RedisKeyedClient` and names, for every command, the key it routes by.
///
/// ```swift
/// let value = try await client.routed(by: key).get(key)
/// let reply = try await client.routed(byKeys: [key, indexKey]).run(script, keys: [key, indexKey])
/// for try await key in try await client.scanPrimaries(match: "shop:*") { … }
/// ```
public protocol RedisKeyedClient: Sendable, Service {
    /// How nodes are reached (TLS, AUTH, ACL user, deadlines).
    var configuration: RedisConnectionConfiguration { get }

    /// Whether the keys of one command or script must share a hash slot: true on a cluster, where Redis refuses
    /// them otherwise (`CROSSSLOT`); false on one node, which runs any command on any keys.
    var requiresOneSlotPerCommand: Bool { get }

    /// The event loop the client's connections run on, as a task executor: a task that prefers it sends commands
    /// without a thread hop (see ``RedisEventLoopExecutor``).
    var taskExecutor: RedisEventLoopExecutor { get }

    /// Sends a command to the node holding `key` and returns its reply; a server error reply is a value, not
    /// thrown (redirects and retries of a cluster are followed first).
    ///
    /// - Parameters:
    ///   - command: The encoded command.
    ///   - key: The key it routes by (every key of a multi-key command must share its slot on a cluster).
    ///   - idempotent: Whether sending it twice does no harm; a cluster then also retries it when its connection
    ///     closed after it may have been written.
    ///   - timeout: The deadline of the whole exchange; the configuration's `commandTimeout` when `nil`.
    func send(_ command: RedisCommand, routedBy key: String, idempotent: Bool, timeout: Duration?) async throws -> RESPValue

    /// The node that a command routed by `key` goes to now (`host:port`), or `nil` when no single node is known
    /// (a cluster whose slot map has not been read yet). It lets a caller keep work for a failing node apart from
    /// work for the others; the command itself may still be redirected.
    func nodeName(routing key: String) -> String?

    /// Sends commands, each with the key it routes by: one write per node, results in the order of `commands`. Not
    /// atomic.
    func batch(_ commands: [(command: RedisCommand, key: String)], timeout: Duration?) async throws -> [Result<RESPValue, RedisError>]

    /// `MGET` of keys in any slots, values in the order of `keys` (on a cluster one `MGET` per slot, so not atomic
    /// across slots).
    func mget(_ keys: [String], timeout: Duration?) async throws -> [ByteBuffer?]

    /// `UNLINK` of keys in any slots (on a cluster one `UNLINK` per slot): how many keys were removed.
    func unlink(_ keys: [String], timeout: Duration?) async throws -> Int

    /// `SCAN` over every primary, one after the other (one node: its own `SCAN`).
    func scanPrimaries(match: String?, count: Int?, timeout: Duration?) async throws -> RedisPrimariesScanSequence

    /// `PING` on every primary: `PONG` when each answered.
    func ping(timeout: Duration?) async throws -> String

    /// Closes every connection; commands sent afterwards fail with kind `shutDown`.
    func shutdown() async
}

extension RedisKeyedClient {
    /// The typed commands (`get`, `set`, `run(script)`, …) for the node holding `key`:
    /// `client.routed(by: key).get(key)`.
    public func routed(by key: String, idempotent: Bool = false) -> RedisRoutedCommands {
        RedisRoutedCommands(client: self, key: key, idempotent: idempotent)
    }

    /// The typed commands for keys that one command or script touches together.
    ///
    /// - Throws: ``RedisCrossSlotError`` naming the slots when ``requiresOneSlotPerCommand`` and the keys do not
    ///   share one; ``RedisError`` of kind `configuration` when `keys` is empty.
    public func routed(byKeys keys: [String], idempotent: Bool = false) throws -> RedisRoutedCommands {
        guard let first = keys.first else { throw RedisError(.configuration, "a command routed by its keys needs at least one key") }
        if requiresOneSlotPerCommand {
            let slot = RedisClusterSlot.of(first)
            if keys.dropFirst().contains(where: { RedisClusterSlot.of($0) != slot }) {
                throw RedisCrossSlotError(slots: Set(keys.map(RedisClusterSlot.of)).sorted())
            }
        }
        return RedisRoutedCommands(client: self, key: first, idempotent: idempotent)
    }
}

/// Every typed command of ``RedisCommandSending``, sent to the node holding one key (see
/// ``RedisKeyedClient/routed(by:idempotent:)``).
public struct RedisRoutedCommands: RedisCommandSending {
    /// The client.
    public let client: any RedisKeyedClient
    /// The key commands route by.
    public let key: String
    /// Whether the commands may be sent twice.
    public let idempotent: Bool

    public func send(_ command: RedisCommand, timeout: Duration?) async throws -> RESPValue {
        try await client.send(command, routedBy: key, idempotent: idempotent, timeout: timeout)
    }
}

/// Keys of one multi-key command or script that Redis Cluster would refuse with `CROSSSLOT`: refused before
/// anything is sent.
public struct RedisCrossSlotError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The slots the keys fall in, sorted.
    public let slots: [Int]

    public var description: String {
        "the keys of one command fall in \(slots.count) slots (\(slots.map(String.init).joined(separator: ", "))); a Redis Cluster "
            + "runs a command or script only on keys of one slot: give them one hash tag ({…})"
    }
}
