/// Checks `condition` every `interval` until it holds, and throws when it still does not after `timeout`.
///
/// The one wait loop of the local servers and of the tests: wait for a state (a port accepting connections, a
/// process gone, a hit), never for a duration. The default timeout is generous because a loaded two-core machine
/// can stall a process for seconds.
public func waitUntil(
    _ what: String = "the condition holds", timeout: Duration = .seconds(30), interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while try await !condition() {
        guard clock.now < deadline else {
            throw LocalRedisError(.timedOut, "timed out after \(timeout) waiting until \(what); a loaded machine may need a longer timeout")
        }
        try await Task.sleep(for: interval)
    }
}
