import CacheSchemaRESP
import NIOCore

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

extension RedisClusterClient {
    /// Every typed command (`get`, `set`, `run(script)`, …) of ``RedisCommandSending``, sent to the primary of one
    /// slot with this client's redirects and retries.
    public struct Routed: RedisCommandSending {
        /// The client.
        public let cluster: RedisClusterClient
        /// The slot every command goes to.
        public let slot: Int
        /// Whether the commands may be sent twice (see ``RedisClusterClient/send(_:slot:idempotent:timeout:)``).
        public let idempotent: Bool

        public func send(_ command: RedisCommand, timeout: Duration?) async throws -> RESPValue {
            try await cluster.send(command, slot: slot, idempotent: idempotent, timeout: timeout)
        }
    }

    /// The typed commands for `key`'s slot: `cluster.routed(by: key).get(key)`.
    public func routed(by key: String, idempotent: Bool = false) -> Routed {
        Routed(cluster: self, slot: RedisClusterSlot.of(key), idempotent: idempotent)
    }

    /// The typed commands for keys that must share one slot (a multi-key command, a script's keys).
    ///
    /// - Throws: ``RedisCrossSlotError`` naming the slots when they do not; ``RedisError`` of kind `configuration`
    ///   when `keys` is empty.
    public func routed(byKeys keys: [String], idempotent: Bool = false) throws -> Routed {
        let slots = Set(keys.map(RedisClusterSlot.of))
        guard let slot = slots.first else { throw RedisError(.configuration, "a command routed by its keys needs at least one key") }
        guard slots.count == 1 else { throw RedisCrossSlotError(slots: slots.sorted()) }
        return Routed(cluster: self, slot: slot, idempotent: idempotent)
    }

    /// `MGET` of keys in any slots: one `MGET` per slot, sent concurrently, values returned in the order of `keys`.
    /// Not atomic across slots (each slot's values are read at their own moment).
    public func mget(_ keys: [String], timeout: Duration? = nil) async throws -> [ByteBuffer?] {
        var bySlot: [Int: [Int]] = [:]
        for (index, key) in keys.enumerated() { bySlot[RedisClusterSlot.of(key), default: []].append(index) }
        var values = [ByteBuffer?](repeating: nil, count: keys.count)
        try await withThrowingTaskGroup(of: ([Int], [ByteBuffer?]).self) { group in
            for (slot, indexes) in bySlot {
                group.addTask {
                    let routed = Routed(cluster: self, slot: slot, idempotent: true)
                    return (indexes, try await routed.mget(indexes.map { keys[$0] }, timeout: timeout))
                }
            }
            for try await (indexes, replies) in group {
                for (index, value) in zip(indexes, replies) { values[index] = value }
            }
        }
        return values
    }

    /// Sends commands for keys in any slots: one `batch` (one write) per primary, sent concurrently; results in the
    /// order of `commands`. A command answered with a redirect (`MOVED`, `ASK`) or a retryable error is sent again
    /// alone, with the redirects and retries of ``send(_:slot:idempotent:timeout:)``. Not atomic: each node runs its
    /// part on its own.
    ///
    /// - Parameters:
    ///   - commands: Each command with the key it routes by.
    ///   - timeout: The deadline of the whole batch.
    public func batch(_ commands: [(command: RedisCommand, key: String)], timeout: Duration? = nil) async throws -> [Result<RESPValue, RedisError>] {
        let deadline = ContinuousClock.now + (timeout ?? configuration.commandTimeout)
        let topology = try await refreshIfUnknown(deadline: deadline)
        var byNode: [RedisClusterNode: [Int]] = [:]
        var unrouted: [Int] = []
        for (index, entry) in commands.enumerated() {
            if let node = topology.primary(forSlot: RedisClusterSlot.of(entry.key)) { byNode[node, default: []].append(index) } else { unrouted.append(index) }
        }
        var results = [Result<RESPValue, RedisError>?](repeating: nil, count: commands.count)
        try await withThrowingTaskGroup(of: [(Int, Result<RESPValue, RedisError>)].self) { group in
            for (node, indexes) in byNode {
                group.addTask {
                    let replies = try await self.client(for: node).batch(indexes.map { commands[$0].command }, timeout: deadline - ContinuousClock.now)
                    return Array(zip(indexes, replies))
                }
            }
            for try await part in group {
                for (index, result) in part { results[index] = result }
            }
        }
        // Redirected, retryable or unrouted commands: one at a time through the full routing.
        for index in commands.indices where results[index].map(Self.needsRouting) ?? true {
            do {
                results[index] = .success(try await send(commands[index].command, routedBy: commands[index].key, timeout: deadline - ContinuousClock.now))
            } catch let error as RedisError {
                results[index] = .failure(error)
            }
        }
        return results.map { $0! }
    }

    /// Whether a batch's result must go through the full routing again.
    private static func needsRouting(_ result: Result<RESPValue, RedisError>) -> Bool {
        let code: RedisServerError.Code?
        switch result {
        case .success(let reply): code = reply.errorMessage.map { RedisServerError(message: $0).code }
        case .failure(let error): code = error.server?.code ?? (error.kind == .connectionFailed || error.kind == .poolUnavailable ? .tryAgain : nil)
        }
        switch code {
        case .moved, .ask, .tryAgain, .clusterDown, .loading, .other("MASTERDOWN"): return true
        default: return false
        }
    }

    /// `SCAN` over every primary, one after the other: each key of the cluster once while the slot map does not
    /// change (a slot that moves during the walk may be seen twice or not at all, as on one node during a rehash).
    public func scan(match: String? = nil, count: Int? = nil, timeout: Duration? = nil) async throws -> RedisClusterScanSequence {
        let deadline = ContinuousClock.now + (timeout ?? configuration.commandTimeout)
        let primaries = try await refreshIfUnknown(deadline: deadline).primaries
        return RedisClusterScanSequence(scans: try primaries.map { node throws(RedisError) in
            try client(for: node).scan(match: match, count: count, timeout: timeout)
        })
    }
}

/// Keys of every primary of a cluster: the `SCAN` of each in turn.
public struct RedisClusterScanSequence: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let scans: [RedisScanSequence]

    public struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: [RedisScanSequence]
        var current: RedisScanSequence.AsyncIterator?

        public mutating func next() async throws -> ByteBuffer? {
            while true {
                if current == nil {
                    guard !remaining.isEmpty else { return nil }
                    current = remaining.removeFirst().makeAsyncIterator()
                }
                if let key = try await current?.next() { return key }
                current = nil
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: scans, current: nil) }
}
