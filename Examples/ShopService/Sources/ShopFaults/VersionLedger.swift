import Synchronization

/// What the writer wrote to each hot user, so that a read can tell a stale value.
///
/// Every `PUT /users/{id}` sets the user's name to `fault-write <version>`, versions counting up over the whole run,
/// and one writer thread writes, so a user's versions only grow. A write is *completed* when its response came back
/// 200 (SQLite committed before the service answered). A read of a user that started after a write of it completed
/// must return that version or a later one: an older one is a stale read.
final class VersionLedger: Sendable {
    private struct Entry {
        /// The last version whose write answered 200 (0: the seeded name).
        var completed = 0
        /// The last version sent (its write may have committed even if its answer was lost).
        var attempted = 0
    }

    private let entries: Mutex<[Entry]>
    private let counter = Atomic<Int>(0)

    init(users: Int) {
        entries = Mutex(Array(repeating: Entry(), count: users))
    }

    /// The name that carries `version`.
    static func name(version: Int) -> String { "fault-write \(version)" }

    /// The version in a user's JSON body: what follows `fault-write ` in it, 0 for a name the writer never set.
    static func version(inBody body: [UInt8]) -> Int {
        let marker = Array("fault-write ".utf8)
        guard body.count > marker.count else { return 0 }
        var index = 0
        while index + marker.count <= body.count {
            if body[index] == marker[0], Array(body[index..<(index + marker.count)]) == marker {
                var version = 0
                var digit = index + marker.count
                while digit < body.count, (48...57).contains(body[digit]) {
                    version = version * 10 + Int(body[digit] - 48)
                    digit += 1
                }
                return version
            }
            index += 1
        }
        return 0
    }

    /// A fresh version for the next write of `user`.
    func attempt(user: Int) -> Int {
        let version = counter.add(1, ordering: .relaxed).newValue
        entries.withLock { $0[user].attempted = version }
        return version
    }

    /// The write of `version` to `user` answered 200.
    func complete(user: Int, version: Int) {
        entries.withLock { $0[user].completed = max($0[user].completed, version) }
    }

    /// The last completed and the last attempted version of `user`.
    func versions(of user: Int) -> (completed: Int, attempted: Int) {
        entries.withLock { ($0[user].completed, $0[user].attempted) }
    }
}
