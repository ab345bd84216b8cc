import Foundation
import RedisTestSupport
import Testing

/// `cache-schema inspect` as a CI job or a cron job runs it: its exit status and its two formats.
@Suite struct InspectCommandTests {
    @Test func anEmptyRedisIsHealthy() async throws {
        let server = try await RedisServerProcess.start()
        defer { Task { await server.stop() } }
        let output = try await CLIRunner.run(["inspect", "schemas/shop.cache.yaml", "--url", server.url, "--pause-ms", "1"])
        #expect(output.status == 0, "\(output.stdout)\n\(output.stderr)")
        #expect(output.stdout.contains("namespace 'shop': 0 keys walked"), "\(output.stdout)")
        #expect(output.stdout.contains("healthy: no problems found"), "\(output.stdout)")
        #expect(!output.stderr.contains("keys walked…"), "no progress line when standard error is not a terminal")
    }

    @Test func keysWithoutTTLOrMatchingNoPatternExitOneAndJSONSaysWhy() async throws {
        let server = try await RedisServerProcess.start()
        defer { Task { await server.stop() } }
        _ = try await server.cli(["SET", "shop:user:42", "by hand"])
        _ = try await server.cli(["SET", "other:key", "outside the namespace"])
        let output = try await CLIRunner.run(["inspect", "schemas/shop.cache.yaml", "--url", server.url, "--format", "json"])
        #expect(output.status == 1, "\(output.stdout)\n\(output.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect(report["keysScanned"] as? Int == 1, "only the namespace is walked")
        let unmatched = try #require(report["unmatched"] as? [String: Any])
        #expect(unmatched["examples"] as? [String] == ["shop:user:42"])
        let problems = try #require(report["problems"] as? [[String: Any]])
        #expect(problems.contains { $0["id"] as? String == "unmatched-key" && $0["severity"] as? String == "error" })
    }

    @Test func anUnreachableRedisOrABadSchemaExitsTwo() async throws {
        let port = try LoopbackPort.free()
        let unreachable = try await CLIRunner.run(["inspect", "schemas/shop.cache.yaml", "--url", "redis://127.0.0.1:\(port)"])
        #expect(unreachable.status == 2, "\(unreachable.stdout)\n\(unreachable.stderr)")
        #expect(unreachable.stderr.contains("Redis could not be walked"), "\(unreachable.stderr)")
        let noTarget = try await CLIRunner.run(["inspect", "schemas/shop.cache.yaml"])
        #expect(noTarget.status == 2 && noTarget.stderr.contains("--url"), "\(noTarget.stderr)")
        let directory = try CLIRunner.temporaryDirectory()
        let bad = directory.appendingPathComponent("bad.cache.yaml")
        try "version: 1\nentities: { user: { keys: { user: { pattern: \"user:{id}\" } } } }\n".write(to: bad, atomically: true, encoding: .utf8)
        let badSchema = try await CLIRunner.run(["inspect", bad.path, "--url", "redis://127.0.0.1:\(port)"])
        #expect(badSchema.status == 2 && badSchema.stderr.contains("the schema has errors"), "\(badSchema.stderr)")
    }
}
