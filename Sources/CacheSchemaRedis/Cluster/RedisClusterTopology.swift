import CacheSchemaRESP

/// A node of a Redis Cluster, by the address clients reach it at.
public struct RedisClusterNode: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The host (an IP address or a name, as the cluster announces it).
    public var host: String
    /// The port clients use (the TLS port when the client uses TLS and the node announces one).
    public var port: Int

    /// Creates a node address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`.
    public var description: String { "\(host):\(port)" }

    public static func < (lhs: RedisClusterNode, rhs: RedisClusterNode) -> Bool {
        (lhs.host, lhs.port) < (rhs.host, rhs.port)
    }
}

/// One primary, its replicas and the slots it serves.
public struct RedisClusterShard: Sendable, Hashable {
    /// The slot ranges, sorted.
    public var slots: [ClosedRange<Int>]
    /// The node that takes writes for those slots.
    public var primary: RedisClusterNode
    /// Its replicas, sorted.
    public var replicas: [RedisClusterNode]

    /// Creates a shard.
    public init(slots: [ClosedRange<Int>], primary: RedisClusterNode, replicas: [RedisClusterNode] = []) {
        self.slots = slots.sorted { $0.lowerBound < $1.lowerBound }
        self.primary = primary
        self.replicas = replicas.sorted()
    }
}

/// Which node serves which slot: a cluster's view of itself, as `CLUSTER SHARDS` (Redis 7) or `CLUSTER SLOTS`
/// reports it. Two views are equal when they assign the same slots to the same primaries with the same replicas.
public struct RedisClusterTopology: Sendable, Hashable {
    /// The shards that serve at least one slot, sorted by their first slot.
    public let shards: [RedisClusterShard]
    /// For each slot, the index of its shard in ``shards``, or -1 when no shard serves it.
    private let shardBySlot: [Int16]

    /// Creates a topology from shards; shards without slots are left out.
    ///
    /// - Throws: ``RedisError`` of kind ``RedisError/Kind/unexpectedReply`` when a slot is out of range or served
    ///   by two shards.
    public init(shards: [RedisClusterShard]) throws(RedisError) {
        let serving = shards.filter { !$0.slots.isEmpty }.sorted { $0.slots[0].lowerBound < $1.slots[0].lowerBound }
        var bySlot = [Int16](repeating: -1, count: RedisClusterSlot.count)
        for (index, shard) in serving.enumerated() {
            for range in shard.slots {
                guard range.lowerBound >= 0, range.upperBound < RedisClusterSlot.count else {
                    throw RedisError(.unexpectedReply, "the cluster reported slots \(range), outside 0...16383")
                }
                for slot in range {
                    guard bySlot[slot] == -1 else {
                        throw RedisError(.unexpectedReply, "the cluster reported slot \(slot) for two primaries")
                    }
                    bySlot[slot] = Int16(index)
                }
            }
        }
        self.shards = serving
        self.shardBySlot = bySlot
    }

    /// The shard serving `slot`, or `nil` when none does.
    public func shard(forSlot slot: Int) -> RedisClusterShard? {
        guard (0..<RedisClusterSlot.count).contains(slot), shardBySlot[slot] >= 0 else { return nil }
        return shards[Int(shardBySlot[slot])]
    }

    /// The primary serving `slot`, or `nil` when none does.
    public func primary(forSlot slot: Int) -> RedisClusterNode? { shard(forSlot: slot)?.primary }

    /// Whether every slot has a primary (a cluster in `cluster_state:ok` with full coverage).
    public var coversAllSlots: Bool { !shardBySlot.contains(-1) }

    /// Every primary, sorted.
    public var primaries: [RedisClusterNode] { shards.map(\.primary).sorted() }

    /// The same topology with `slot` served by `node` (what a `MOVED` says before the next refresh confirms it):
    /// the slot moves to the shard whose primary is `node`, or to a new shard of its own.
    public func moving(slot: Int, to node: RedisClusterNode) -> RedisClusterTopology {
        var shards = self.shards.map { shard -> RedisClusterShard in
            var shard = shard
            shard.slots = shard.slots.flatMap { range -> [ClosedRange<Int>] in
                guard range.contains(slot) else { return [range] }
                var parts: [ClosedRange<Int>] = []
                if range.lowerBound < slot { parts.append(range.lowerBound...(slot - 1)) }
                if slot < range.upperBound { parts.append((slot + 1)...range.upperBound) }
                return parts
            }
            return shard
        }
        if let index = shards.firstIndex(where: { $0.primary == node }) {
            shards[index].slots.append(slot...slot)
            shards[index].slots.sort { $0.lowerBound < $1.lowerBound }
        } else {
            shards.append(RedisClusterShard(slots: [slot...slot], primary: node))
        }
        // Each slot is in exactly one range after the move, so this cannot throw.
        return (try? RedisClusterTopology(shards: shards)) ?? self
    }

    /// The view most of `views` agree on (ties go to the one that covers more slots, then to the first); `nil` when
    /// there is none.
    public static func consensus(_ views: [RedisClusterTopology]) -> RedisClusterTopology? {
        var counts: [(view: RedisClusterTopology, votes: Int)] = []
        for view in views {
            if let index = counts.firstIndex(where: { $0.view == view }) { counts[index].votes += 1 } else { counts.append((view, 1)) }
        }
        return counts.enumerated().max { lhs, rhs in
            let left = (lhs.element.votes, lhs.element.view.coveredSlots, -lhs.offset)
            let right = (rhs.element.votes, rhs.element.view.coveredSlots, -rhs.offset)
            return left < right
        }?.element.view
    }

    private var coveredSlots: Int { shardBySlot.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }

    public static func == (lhs: RedisClusterTopology, rhs: RedisClusterTopology) -> Bool { lhs.shards == rhs.shards }

    public func hash(into hasher: inout Hasher) { hasher.combine(shards) }
}
