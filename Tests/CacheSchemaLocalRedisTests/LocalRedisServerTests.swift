import CacheSchemaLocalRedis
import Foundation
import Testing

/// The shared local redis-server: it answers on its own port, stops, restarts on the same port, pauses and dies.
@Suite("Local redis-server")
struct LocalRedisServerTests {
    @Test("a server answers on a port of its own, stops, and restarts on the same port")
    func startStopRestart() async throws {
        let first = try await LocalRedisServer()
        let second = try await LocalRedisServer()
        #expect(first.port != second.port)
        #expect(try await first.cli(["PING"]) == "PONG")
        #expect(try await first.cli(["CONFIG", "GET", "save"]).hasSuffix("save"), "no persistence: save is empty")

        await first.stop()
        #expect(!LoopbackPort.isAccepting(first.port))
        try await first.restart()
        #expect(try await first.cli(["PING"]) == "PONG")
        #expect(try await second.cli(["PING"]) == "PONG")
        await first.kill()
        #expect(!LoopbackPort.isAccepting(first.port))
        await second.stop()
    }

    @Test("suspend() stops the server's process and resume() lets it run again")
    func suspendAndResume() async throws {
        let server = try await LocalRedisServer()
        let processID = try #require(server.processID)
        server.suspend()
        try await waitUntil("the process is stopped") { processState(processID) == "T" }
        server.resume()
        try await waitUntil("the process runs again") { processState(processID) != "T" }
        #expect(try await server.cli(["PING"]) == "PONG")
        await server.stop()
    }

    @Test("a server released without stop() is killed, and its folder removed")
    func releasedServerIsKilled() async throws {
        var server: LocalRedisServer? = try await LocalRedisServer()
        let port = try #require(server?.port)
        let directory = try #require(server?.directory)
        server = nil
        try await waitUntil("nothing listens on the released server's port") { !LoopbackPort.isAccepting(port) }
        #expect(!FileManager.default.fileExists(atPath: directory.path))
    }

    /// The state letter of `/proc/<pid>/stat` (`T` when stopped), or "" when the process is gone.
    private func processState(_ processID: Int32) -> String {
        guard let stat = try? String(contentsOfFile: "/proc/\(processID)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return "" }
        return String(stat[stat.index(end, offsetBy: 2)])
    }
}
