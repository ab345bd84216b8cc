/// A bounded map with SIEVE eviction (Zhang et al., NSDI 2024): entries sit in insertion order, a hit only sets a
/// visited bit (no reordering, so a hit is cheap), and eviction moves a hand from the oldest entry toward the newest,
/// clearing visited bits, and evicts the first entry not visited since the hand last passed. Hot entries survive; a
/// burst of one-off keys (a scan of many ids) is evicted first, which LRU would let flush the hot ones.
///
/// Not thread-safe: the near cache keeps it behind a lock.
struct SieveCache<Value> {
    private struct Node {
        var key: String
        /// `nil` once the slot is free, so that a freed slot holds no value.
        var value: Value?
        var expires: ContinuousClock.Instant
        var visited = false
        /// Toward the newest entry, and toward the oldest; -1 for none.
        var newer = -1
        var older = -1
    }

    let capacity: Int
    private var nodes: [Node] = []
    private var free: [Int] = []
    private var index: [String: Int] = [:]
    private var newest = -1
    private var oldest = -1
    private var hand = -1

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { index.count }

    /// The value of `key` if present and not expired at `now` (an expired entry is removed).
    mutating func value(for key: String, now: ContinuousClock.Instant) -> Value? {
        guard let slot = index[key] else { return nil }
        guard nodes[slot].expires > now else {
            unlink(slot)
            return nil
        }
        nodes[slot].visited = true
        return nodes[slot].value
    }

    /// Inserts or replaces; returns how many entries were evicted to make room (0 or 1).
    @discardableResult
    mutating func insert(_ key: String, _ value: Value, expires: ContinuousClock.Instant) -> Int {
        if let slot = index[key] {
            nodes[slot].value = value
            nodes[slot].expires = expires
            return 0
        }
        var evicted = 0
        if index.count >= capacity {
            evictOne()
            evicted = 1
        }
        let node = Node(key: key, value: value, expires: expires, older: newest)
        let slot: Int
        if let reused = free.popLast() {
            nodes[reused] = node
            slot = reused
        } else {
            nodes.append(node)
            slot = nodes.count - 1
        }
        if newest != -1 { nodes[newest].newer = slot }
        newest = slot
        if oldest == -1 { oldest = slot }
        index[key] = slot
        return evicted
    }

    /// Removes `key`; whether it was present.
    @discardableResult
    mutating func remove(_ key: String) -> Bool {
        guard let slot = index[key] else { return false }
        unlink(slot)
        return true
    }

    /// Removes every entry whose key and value satisfy `predicate`; how many.
    mutating func removeAll(where predicate: (String, Value) -> Bool) -> Int {
        let doomed = index.compactMap { key, slot in nodes[slot].value.map { predicate(key, $0) } == true ? key : nil }
        for key in doomed { remove(key) }
        return doomed.count
    }

    /// The keys present (any order).
    var keys: [String] { Array(index.keys) }

    private mutating func evictOne() {
        var slot = hand != -1 ? hand : oldest
        while slot != -1 && nodes[slot].visited {
            nodes[slot].visited = false
            slot = nodes[slot].newer != -1 ? nodes[slot].newer : oldest
        }
        guard slot != -1 else { return }
        hand = nodes[slot].newer
        unlink(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let node = nodes[slot]
        if node.newer != -1 { nodes[node.newer].older = node.older } else { newest = node.older }
        if node.older != -1 { nodes[node.older].newer = node.newer } else { oldest = node.newer }
        if hand == slot { hand = node.newer }
        index[node.key] = nil
        nodes[slot].newer = -1
        nodes[slot].older = -1
        nodes[slot].value = nil
        free.append(slot)
    }
}
