/// Why a local `redis-server` or another child process could not be started, run or stopped, and what to do about it.
public struct LocalRedisError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, in categories a caller can act on.
    public enum Kind: Sendable, Equatable {
        /// An executable (`redis-server`, `redis-cli`, …) is not installed.
        case notInstalled
        /// A child process could not be started (the executable, its folder or its log file).
        case launchFailed
        /// `redis-server` started but did not accept connections (its log says why).
        case serverDidNotStart
        /// No loopback port was free.
        case noFreePort
        /// A child process ran past its deadline and was killed.
        case timedOut
        /// A server answered something other than what the operation needs (a cluster without a replica to fail over
        /// to, a `MIGRATE` that failed).
        case unexpectedReply
    }

    /// The category.
    public let kind: Kind
    /// The message, ending with what to do.
    public let description: String

    /// Creates an error of `kind` with a message that says what to do.
    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
