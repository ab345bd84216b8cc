import CacheSchemaRESP
import NIOCore

extension RedisClusterClient: RedisKeyedClient {
    /// Always true: Redis Cluster refuses a command whose keys span slots.
    public var requiresOneSlotPerCommand: Bool { true }

    public func nodeName(routing key: String) -> String? {
        topology?.primary(forSlot: RedisClusterSlot.of(key))?.description
    }

    /// `MGET` of keys in any slots: one `MGET` per slot, sent concurrently, values returned in the order of `keys`.
    /// Not atomic across slots (each slot's values are read at their own moment).
    public func mget(_ keys: [String], timeout: Duration? = nil) async throws -> [ByteBuffer?] {
        var bySlot: [Int: [Int]] = [:]
        for (index, key) in keys.enumerated() { bySlot[RedisClusterSlot.of(key), default: []].append(index) }
        var values = [ByteBuffer?](repeating: nil, count: keys.count)
        try await withThrowingTaskGroup(of: ([Int], [ByteBuffer?]).self) { group in
            for indexes in bySlot.values {
                group.addTask {
                    let routed = self.routed(by: keys[indexes[0]], idempotent: true)
                    return (indexes, try await routed.mget(indexes.map { keys[$0] }, timeout: timeout))
                }
            }
            for try await (indexes, replies) in group {
                for (index, value) in zip(indexes, replies) { values[index] = value }
            }
        }
        return values
    }

    /// `UNLINK` of keys in any slots: one `UNLINK` per slot, sent in one ``batch(_:timeout:)``; how many keys were
    /// removed. Not atomic across slots.
    ///
    /// - Throws: ``RedisError``: the first failure among the slots' replies, after all were sent.
    public func unlink(_ keys: [String], timeout: Duration? = nil) async throws -> Int {
        var bySlot: [Int: [String]] = [:]
        for key in keys { bySlot[RedisClusterSlot.of(key), default: []].append(key) }
        let commands = bySlot.values.map { (command: RedisCommand("UNLINK", $0), key: $0[0]) }
        var removed = 0
        for result in try await batch(commands, timeout: timeout) {
            let reply = try result.get()
            if let message = reply.errorMessage { throw RedisError.server(RedisServerError(message: message), address: nil) }
            removed += Int(try reply.integer())
        }
        return removed
    }

    /// `PING` on every primary: `PONG` when each answered.
    ///
    /// - Throws: ``RedisError`` of the first primary that did not answer `PONG`.
    public func ping(timeout: Duration? = nil) async throws -> String {
        for (node, reply) in try await sendToAllPrimaries(RedisCommand("PING"), timeout: timeout) {
            if let message = reply.errorMessage { throw RedisError.server(RedisServerError(message: message), address: node.description) }
            guard (try? reply.text()) == "PONG" else { throw RedisError(.unexpectedReply, "\(node) answered PING with a \(reply.kindName)") }
        }
        return "PONG"
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
    public func scanPrimaries(match: String? = nil, count: Int? = nil, timeout: Duration? = nil) async throws -> RedisPrimariesScanSequence {
        let deadline = ContinuousClock.now + (timeout ?? configuration.commandTimeout)
        let primaries = try await refreshIfUnknown(deadline: deadline).primaries
        return RedisPrimariesScanSequence(scans: try primaries.map { node throws(RedisError) in
            try client(for: node).scan(match: match, count: count, timeout: timeout)
        })
    }
}

