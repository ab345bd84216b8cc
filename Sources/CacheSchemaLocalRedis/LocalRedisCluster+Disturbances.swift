extension LocalRedisCluster {
    /// The nodes that are primaries now (`ROLE`; a failover changes them).
    public func primaries() async throws -> [LocalRedisServer] {
        var primaries: [LocalRedisServer] = []
        for node in nodes where try await node.cli(["ROLE"]).hasPrefix("master") { primaries.append(node) }
        return primaries
    }

    /// The hash slot of `key` (`CLUSTER KEYSLOT`, the server's own answer).
    public func slot(ofKey key: String) async throws -> Int {
        let answer = try await nodes[0].cli(["CLUSTER", "KEYSLOT", key])
        guard let slot = Int(answer) else {
            throw LocalRedisError(.unexpectedReply, "CLUSTER KEYSLOT answered '\(answer.prefix(200))'; check that the nodes run in cluster mode")
        }
        return slot
    }

    /// The primary that serves `slot` now, by its own account (its `myself` line of `CLUSTER NODES`).
    public func primary(ofSlot slot: Int) async throws -> LocalRedisServer {
        for node in try await primaries() where try await Self.ownSlots(of: node).contains(where: { $0.contains(slot) }) {
            return node
        }
        throw LocalRedisError(.unexpectedReply, "no primary claims slot \(slot); check the cluster with redis-cli --cluster check")
    }

    /// Makes the first replica take over its primary (`CLUSTER FAILOVER`, coordinated: the primary stops taking
    /// writes until the replica has caught up, so no acknowledged write is lost), and waits until it is a primary.
    ///
    /// - Returns: The new primary.
    @discardableResult
    public func failOver(timeout: Duration = .seconds(30)) async throws -> LocalRedisServer {
        for node in nodes where try await node.cli(["ROLE"]).hasPrefix("slave") {
            _ = try await node.cli(["CLUSTER", "FAILOVER"])
            try await waitUntil("the replica on port \(node.port) is a primary", timeout: timeout) {
                try await node.cli(["ROLE"]).hasPrefix("master")
            }
            return node
        }
        throw LocalRedisError(.unexpectedReply, "the cluster has no replica to fail over to; start it with replicasPerPrimary of 1 or more")
    }

    /// Moves hash slot `slot` to another primary as `redis-cli --cluster reshard` does: `SETSLOT IMPORTING` on the
    /// target and `MIGRATING` on the source, `MIGRATE` of its keys in batches of 20, then `SETSLOT NODE` on every
    /// primary. Clients meanwhile get `ASK` for keys already moved and `MOVED` once it is done.
    ///
    /// - Parameters:
    ///   - slot: The slot (see ``slot(ofKey:)``).
    ///   - target: The primary to move it to; by default the first primary that does not serve it.
    /// - Returns: How many keys moved.
    @discardableResult
    public func moveSlot(_ slot: Int, to target: LocalRedisServer? = nil) async throws -> Int {
        let primaries = try await primaries()
        let source = try await primary(ofSlot: slot)
        guard let target = target ?? primaries.first(where: { $0.port != source.port }), target.port != source.port else {
            throw LocalRedisError(.unexpectedReply, "the cluster has no second primary to move slot \(slot) to")
        }
        let sourceID = try await source.cli(["CLUSTER", "MYID"])
        let targetID = try await target.cli(["CLUSTER", "MYID"])
        _ = try await target.cli(["CLUSTER", "SETSLOT", String(slot), "IMPORTING", sourceID])
        _ = try await source.cli(["CLUSTER", "SETSLOT", String(slot), "MIGRATING", targetID])
        var moved = 0
        while true {
            let keys = try await source.cli(["CLUSTER", "GETKEYSINSLOT", String(slot), "20"])
                .split(separator: "\n").map(String.init).filter { !$0.isEmpty }
            if keys.isEmpty { break }
            let answer = try await source.cli(["MIGRATE", "127.0.0.1", String(target.port), "", "0", "5000", "REPLACE", "KEYS"] + keys)
            guard answer == "OK" || answer == "NOKEY" else {
                throw LocalRedisError(.unexpectedReply, "MIGRATE of slot \(slot) answered '\(answer.prefix(200))'")
            }
            moved += keys.count
            // Leave the clients room between batches, as a reshard under load does.
            try await Task.sleep(for: .milliseconds(20))
        }
        for node in primaries {
            _ = try await node.cli(["CLUSTER", "SETSLOT", String(slot), "NODE", targetID])
        }
        return moved
    }

    /// The slot ranges `node` itself serves (its `myself` line of `CLUSTER NODES`; slots being imported or migrated,
    /// written in brackets, are left out).
    private static func ownSlots(of node: LocalRedisServer) async throws -> [ClosedRange<Int>] {
        let lines = try await node.cli(["CLUSTER", "NODES"]).split(separator: "\n")
        guard let line = lines.first(where: { $0.split(separator: " ").count > 2 && $0.split(separator: " ")[2].contains("myself") }) else {
            throw LocalRedisError(.unexpectedReply, "CLUSTER NODES on port \(node.port) has no 'myself' line")
        }
        return line.split(separator: " ").dropFirst(8).compactMap { token -> ClosedRange<Int>? in
            guard !token.hasPrefix("[") else { return nil }
            let bounds = token.split(separator: "-").compactMap { Int($0) }
            switch bounds.count {
            case 1: return bounds[0]...bounds[0]
            case 2 where bounds[0] <= bounds[1]: return bounds[0]...bounds[1]
            default: return nil
            }
        }
    }
}
