import CacheSchemaCore
import Metrics
import Synchronization

/// Decoded values of keys whose schema declares a near cache, in process memory, one bounded SIEVE map per key name
/// (``CacheNearCachePolicy/capacity``). No I/O: ``CacheNearCacheTracker`` feeds it Redis's invalidations, the cache
/// feeds it values read from Redis and its own writes.
///
/// Coherence rests on three rules:
/// - **Only while tracking is live.** Values are stored only when a Redis tracking connection was live both when
///   their read was sent and when it is stored; losing the connection (or a `FLUSHALL` / `FLUSHDB`) empties the map.
///   Each such change starts a new *epoch*; a read's ticket remembers the epoch it was issued in.
/// - **No value read before an invalidation is stored after it.** A read takes a ticket before it is sent; an
///   invalidation of the key while any ticket for it is out marks the key, and a marked key's tickets store nothing
///   (the mark clears when the last of them is done). That closes the race of an invalidation arriving between a
///   read's reply and its store (Lettuce #3481).
/// - **Never past the value's life in Redis**: an entry expires at the earliest of its local TTL and the value's soft
///   expiry there (its remaining TTL less any stale window).
final class CacheNearCache: Sendable {
    /// A read's permission to store what it read.
    struct Ticket: Sendable {
        let key: String
        let epoch: UInt64
        let live: Bool
    }

    /// A value of one type, boxed once when stored: a hit checks the type by identity and takes the value out
    /// without a dynamic cast of an existential.
    private final class Box<Value: Sendable>: Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    private struct Entry {
        let box: AnyObject & Sendable
        let type: ObjectIdentifier
        let owners: [String]
        /// The key name's near-hit counter, kept with the value so that a hit looks nothing else up.
        let hits: Counter
    }

    private struct State {
        var maps: [String: SieveCache<Entry>] = [:]
        var epoch: UInt64 = 0
        var live = false
        /// Keys with tickets out: how many, and whether an invalidation came meanwhile.
        var pending: [String: (count: Int, invalidated: Bool)] = [:]
    }

    private let state = Mutex(State())

    /// Whether values may be stored: a tracking connection is live.
    var isLive: Bool { state.withLock { $0.live } }

    /// The value of `key` as `Value`, if present and not expired; a hit is counted in the counter it was stored with.
    func value<Value: Sendable>(_ key: CacheKey<Value>, now: ContinuousClock.Instant = .now) -> Value? {
        let found = state.withLock { state -> (Value, Counter)? in
            // In place: a copy of the map out of the dictionary would copy its storage on the first write.
            guard let entry = state.maps[key.name]?.value(for: key.rawValue, now: now), entry.type == ObjectIdentifier(Value.self) else {
                return nil
            }
            // The type was checked by identity just above.
            return (unsafeDowncast(entry.box, to: Box<Value>.self).value, entry.hits)
        }
        found?.1.increment()
        return found?.0
    }

    /// A ticket for a read of `key` about to be sent; give it back with ``store(_:_:ticket:expires:policy:)`` or
    /// ``release(_:)``.
    func ticket<Value>(for key: CacheKey<Value>) -> Ticket {
        state.withLock { state in
            state.pending[key.rawValue, default: (0, false)].count += 1
            return Ticket(key: key.rawValue, epoch: state.epoch, live: state.live)
        }
    }

    /// Stores what a read found, unless an invalidation or an epoch change came since its ticket; returns how many
    /// entries were evicted to make room.
    @discardableResult
    func store<Value: Sendable>(
        _ key: CacheKey<Value>, _ value: Value, ticket: Ticket, expires: ContinuousClock.Instant, policy: CacheNearCachePolicy,
        hits: Counter = Counter(label: "cache_near_hits_total", dimensions: [], factory: NOOPMetricsHandler.instance)
    ) -> Int {
        state.withLock { state in
            let invalidated = Self.done(ticket, in: &state)
            guard ticket.live, state.live, ticket.epoch == state.epoch, !invalidated else { return 0 }
            let owners = key.owners.map { CacheRepairQueue.instanceIdentity($0, namespace: key.descriptor.namespace) }
            let entry = Entry(box: Box(value), type: ObjectIdentifier(Value.self), owners: owners, hits: hits)
            return state.maps[key.name, default: SieveCache(capacity: policy.capacity)].insert(key.rawValue, entry, expires: expires)
        }
    }

    /// Gives a ticket back without storing.
    func release(_ ticket: Ticket) {
        state.withLock { _ = Self.done(ticket, in: &$0) }
    }

    /// Drops `keys` and keeps reads in flight for them from storing: a push from Redis, or a write in this process.
    /// Returns how many entries were dropped.
    @discardableResult
    func invalidate(_ keys: [String]) -> Int {
        state.withLock { state in
            var dropped = 0
            // A handful of key names have near caches: looking in each map is cheaper than indexing every key.
            let names = Array(state.maps.keys)
            for key in keys {
                if state.pending[key] != nil { state.pending[key]?.invalidated = true }
                for name in names where state.maps[name]?.remove(key) == true { dropped += 1 }
            }
            return dropped
        }
    }

    /// Drops every entry an entity instance owns (its identity, ``CacheRepairQueue/instanceIdentity(_:namespace:)``:
    /// its invalidation), and every entry whose key `matches`, and keeps every read in flight from storing (a new
    /// epoch): invalidations of many keys are rare, a scan of the map is fine.
    @discardableResult
    func invalidate(owner identity: String?, matching matches: (@Sendable (String) -> Bool)? = nil) -> Int {
        state.withLock { state in
            state.epoch &+= 1
            var dropped = 0
            for name in Array(state.maps.keys) {
                dropped += state.maps[name]?.removeAll { key, entry in
                    (matches?(key) ?? false) || (identity.map(entry.owners.contains) ?? false)
                } ?? 0
            }
            return dropped
        }
    }

    /// Tracking became live (`true`) or was lost (`false`), or Redis flushed everything: empties the map and starts a
    /// new epoch.
    func reset(live: Bool) {
        state.withLock { state in
            state.maps = [:]
            state.epoch &+= 1
            state.live = live
        }
    }

    /// How many values are held, over every key name.
    var count: Int { state.withLock { $0.maps.values.reduce(0) { $0 + $1.count } } }

    /// Ends a ticket; whether its key was invalidated while it was out.
    private static func done(_ ticket: Ticket, in state: inout State) -> Bool {
        guard let pending = state.pending[ticket.key] else { return true }
        if pending.count <= 1 {
            state.pending[ticket.key] = nil
        } else {
            state.pending[ticket.key]?.count -= 1
        }
        return pending.invalidated
    }
}
