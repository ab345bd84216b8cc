import Synchronization

/// A Lua script run with `EVALSHA`, loaded on first use and reloaded when the server answers `NOSCRIPT` (after a
/// restart or `SCRIPT FLUSH`). Keep one instance per script for the life of the process.
public final class RedisScript: Sendable {
    /// The Lua source.
    public let source: String
    /// Whether the script only reads: it then runs with `EVALSHA_RO` (Redis 7), which a `CLIENT PAUSE WRITE` (a
    /// failover's pause) lets through and which a read-only replica accepts. A read-only script must call no command
    /// that writes.
    public let readOnly: Bool
    private let sha1 = Mutex<String?>(nil)
    /// Set when the server does not know `EVALSHA_RO` (before Redis 7): the script then runs with `EVALSHA`.
    private let readOnlyCommandMissing = Atomic<Bool>(false)

    /// Creates a script.
    ///
    /// - Parameters:
    ///   - source: The Lua source.
    ///   - readOnly: Whether the script only reads (see ``readOnly``).
    public init(_ source: String, readOnly: Bool = false) {
        self.source = source
        self.readOnly = readOnly
    }

    var loadedSHA1: String? { sha1.withLock { $0 } }

    func remember(_ value: String) {
        sha1.withLock { $0 = value }
    }

    /// The command that runs the script by its SHA1.
    var command: String { readOnly && !readOnlyCommandMissing.load(ordering: .relaxed) ? "EVALSHA_RO" : "EVALSHA" }

    /// Records that the server answered `EVALSHA_RO` with "unknown command"; true if that changed the command.
    func fallBackFromReadOnlyCommand() -> Bool {
        readOnly && !readOnlyCommandMissing.exchange(true, ordering: .relaxed)
    }
}
