import NIOCore
import Synchronization

/// Cache changes that must still happen because a write or an invalidation failed after the source of truth changed.
///
/// When `set`, `writeThrough`, `delete`, an invalidation or `deletePattern` fails (Redis down, a timeout), the cache
/// may still hold the value from before the change. Throwing tells the caller, but the caller cannot fix it while Redis
/// is unreachable, and the stale value would be served again as soon as Redis answers. So the failure is also recorded here, and
/// ``RedisCache`` retries it (deleting the key, invalidating the instance or deleting the pattern again) with backoff
/// until it succeeds. Until then, this process does not read those keys from the cache (including keys of other
/// entities that a scanned glob matches): reads of them go to the loader and are not stored.
///
/// Bounded: past `capacity` pending repairs, the oldest is dropped (logged as an error, counted), because a cache that
/// cannot reach Redis for long must not grow without limit.
final class CacheRepairQueue: Sendable {
    /// What must be done again.
    enum Action: Sendable, Hashable {
        /// Delete one concrete key, remove it from its owners' indexes and bump their generations (so that a load
        /// that started before cannot store an older value); then bump the markers of its owners in other slots.
        case delete(key: String, name: String, indexKeys: [String], generationKeys: [String], foreignGenerationKeys: [String])
        /// Carry out the invalidation again.
        case invalidate(CacheInvalidation)
        /// Carry out a `deletePattern` of this glob again (`namespace`: the one it was built with, if any).
        case deletePattern(glob: String, namespace: String?)

        /// The name logs and metrics use for a pattern deletion, which has no schema name.
        static let patternDeletionName = "deletePattern"

        /// Repairs with the same identity replace each other.
        var identity: String {
            switch self {
            case .delete(let key, _, _, _, _): "key\u{0}" + key
            case .invalidate(let invalidation): "instance\u{0}" + CacheRepairQueue.instanceIdentity(invalidation.instance, namespace: invalidation.namespace)
            case .deletePattern(let glob, _): "glob\u{0}" + glob
            }
        }

        /// The keys whose nodes this repair writes to, or `nil` when it writes to every primary (a SCAN deletion).
        /// Only the keys known before it runs: an invalidation also deletes the members of its index in other slots.
        var routingKeys: [String]? {
            switch self {
            case .delete(let key, _, _, _, let foreignGenerationKeys): [key] + foreignGenerationKeys
            case .invalidate(let invalidation):
                invalidation.scannedGlobs.isEmpty ? [CacheIndexKeys.index(invalidation.instance, namespace: invalidation.namespace)] : nil
            case .deletePattern: nil
            }
        }

        /// The schema name (key or entity) for logs and metrics.
        var name: String {
            switch self {
            case .delete(_, let name, _, _, _): name
            case .invalidate(let invalidation): invalidation.instance.entity
            case .deletePattern: Self.patternDeletionName
            }
        }
    }

    struct Repair: Sendable {
        let action: Action
        /// Distinguishes a repair from a newer one with the same identity recorded while it was being carried out.
        let sequence: UInt64
    }

    private struct State: Sendable {
        var pending: [String: Repair] = [:]
        /// Identities in the order they were first recorded (oldest first), for dropping past capacity. Repairs
        /// complete oldest first, so removing one is usually a `popFirst`.
        var order = CircularBuffer<String>()
        /// Concrete keys and entity instances that reads must not take from the cache, with how many pending repairs
        /// name each.
        var blockedKeys: [String: Int] = [:]
        var blockedInstances: [String: Int] = [:]
        /// Globs a pending invalidation or pattern deletion must still scan: the keys they match may be owned by any
        /// entity, so neither of the maps above covers them.
        var blockedGlobs: [String: Int] = [:]
        var nextSequence: UInt64 = 0
        var running = false
    }

    let capacity: Int
    private let state = Mutex(State())
    /// Lets reads skip the lock while nothing is pending, the usual case.
    private let pendingCount = Atomic<Int>(0)

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    static func instanceIdentity(_ instance: CacheEntityInstance, namespace: String?) -> String {
        (namespace ?? "") + "\u{0}" + instance.entity + "\u{0}" + instance.identity
    }

    /// Records a repair. Returns whether a repair loop must be started (none is running), and the repair dropped to
    /// stay within capacity, if any.
    func record(_ action: Action) -> (startLoop: Bool, dropped: Action?) {
        state.withLock { state in
            let identity = action.identity
            state.nextSequence += 1
            if let previous = state.pending[identity] {
                unblock(previous.action, in: &state)
            } else {
                state.order.append(identity)
            }
            state.pending[identity] = Repair(action: action, sequence: state.nextSequence)
            block(action, in: &state)
            var dropped: Action?
            if state.pending.count > capacity, let oldest = state.order.popFirst() {
                if let removed = state.pending.removeValue(forKey: oldest) {
                    unblock(removed.action, in: &state)
                    dropped = removed.action
                }
            }
            pendingCount.store(state.pending.count, ordering: .releasing)
            let start = !state.running
            state.running = true
            return (start, dropped)
        }
    }

    /// The repairs to attempt now, oldest first; when there are none, marks the loop as stopped.
    func next() -> [Repair] {
        state.withLock { state in
            if state.pending.isEmpty {
                state.running = false
                return []
            }
            return state.order.compactMap { state.pending[$0] }
        }
    }

    /// Forgets a repair that succeeded, unless a newer one with the same identity was recorded meanwhile.
    func complete(_ repair: Repair) {
        state.withLock { state in
            let identity = repair.action.identity
            guard let current = state.pending[identity], current.sequence == repair.sequence else { return }
            state.pending.removeValue(forKey: identity)
            if state.order.first == identity {
                state.order.removeFirst()
            } else if let index = state.order.firstIndex(of: identity) {
                state.order.remove(at: index)
            }
            unblock(repair.action, in: &state)
            pendingCount.store(state.pending.count, ordering: .releasing)
        }
    }

    /// Forgets every repair (the client was shut down). Returns how many were pending.
    func dropAll() -> Int {
        state.withLock { state in
            let count = state.pending.count
            state = State()
            pendingCount.store(0, ordering: .releasing)
            return count
        }
    }

    /// How many repairs are pending.
    var count: Int { pendingCount.load(ordering: .acquiring) }

    /// Whether reads of this key must bypass the cache: a repair of the key itself, of an instance owning it, or of
    /// a scan whose glob matches it is pending.
    func blocks(key: String, owners: [CacheEntityInstance], namespace: String?) -> Bool {
        guard pendingCount.load(ordering: .acquiring) > 0 else { return false }
        return state.withLock { state in
            if state.blockedKeys[key] != nil { return true }
            if owners.contains(where: { state.blockedInstances[Self.instanceIdentity($0, namespace: namespace)] != nil }) { return true }
            return state.blockedGlobs.keys.contains { CacheGlob.matches($0, key) }
        }
    }

    /// The globs an action scans.
    private static func scannedGlobs(_ action: Action) -> [String] {
        switch action {
        case .delete: []
        case .invalidate(let invalidation): invalidation.scannedGlobs
        case .deletePattern(let glob, _): [glob]
        }
    }

    private func block(_ action: Action, in state: inout State) {
        switch action {
        case .delete(let key, _, _, _, _):
            state.blockedKeys[key, default: 0] += 1
        case .invalidate(let invalidation):
            state.blockedInstances[Self.instanceIdentity(invalidation.instance, namespace: invalidation.namespace), default: 0] += 1
            for key in invalidation.keys { state.blockedKeys[key.rawValue, default: 0] += 1 }
        case .deletePattern:
            break
        }
        for glob in Self.scannedGlobs(action) { state.blockedGlobs[glob, default: 0] += 1 }
    }

    private func unblock(_ action: Action, in state: inout State) {
        func decrement(_ dictionary: inout [String: Int], _ key: String) {
            guard let count = dictionary[key] else { return }
            dictionary[key] = count > 1 ? count - 1 : nil
        }
        switch action {
        case .delete(let key, _, _, _, _):
            decrement(&state.blockedKeys, key)
        case .invalidate(let invalidation):
            decrement(&state.blockedInstances, Self.instanceIdentity(invalidation.instance, namespace: invalidation.namespace))
            for key in invalidation.keys { decrement(&state.blockedKeys, key.rawValue) }
        case .deletePattern:
            break
        }
        for glob in Self.scannedGlobs(action) { decrement(&state.blockedGlobs, glob) }
    }
}
