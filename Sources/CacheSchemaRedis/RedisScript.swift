import Synchronization

/// A Lua script run with `EVALSHA`, loaded on first use and reloaded when the server answers `NOSCRIPT` (after a
/// restart or `SCRIPT FLUSH`). Keep one instance per script for the life of the process.
public final class RedisScript: Sendable {
    /// The Lua source.
    public let source: String
    private let sha1 = Mutex<String?>(nil)

    /// Creates a script.
    public init(_ source: String) {
        self.source = source
    }

    var loadedSHA1: String? { sha1.withLock { $0 } }

    func remember(_ value: String) {
        sha1.withLock { $0 = value }
    }
}
