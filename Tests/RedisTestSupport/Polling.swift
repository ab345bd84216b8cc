/// Polls `condition` (a state of the server or the client, never a duration) every 20 ms until it holds, and throws
/// when it still does not after `timeout` (generous by default: the machine may be loaded).
public func waitUntil(
    _ what: String = "the condition holds", timeout: Duration = .seconds(30), _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while try await !condition() {
        guard clock.now < deadline else { throw TestServerError("timed out after \(timeout) waiting until \(what)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}
