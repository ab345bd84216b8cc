import Foundation
import RedisTestSupport
import Testing

/// `cache-schema diff` as CI runs it: exit statuses, text and JSON, `--warnings-as-errors`, and `--base` against a git
/// repository made in the test.
@Suite struct DiffCommandTests {
    static let old = """
        version: 1
        namespace: shop
        entities:
          user:
            id: { user_id: UUID }
            keys:
              user: { pattern: "user:{user_id}", ttl: 5m, value: UserDTO }
              userOrders: { pattern: "user:{user_id}:orders:{page}", params: { page: Int }, ttl: 2m }

        """

    static let breaking = old.replacingOccurrences(of: "\"user:{user_id}\"", with: "\"users:{user_id}\"")
    static let warningOnly = old.replacingOccurrences(of: "value: UserDTO", with: "value: UserRecord")
    static let safeOnly = old.replacingOccurrences(of: "ttl: 2m", with: "ttl: 3m")

    /// Writes the schemas into a new folder, as `old.cache.yaml` and `new.cache.yaml`.
    func write(old: String = Self.old, new: String) throws -> (old: URL, new: URL) {
        let folder = try CLIRunner.temporaryDirectory()
        let oldURL = folder.appendingPathComponent("old.cache.yaml")
        let newURL = folder.appendingPathComponent("new.cache.yaml")
        try old.write(to: oldURL, atomically: true, encoding: .utf8)
        try new.write(to: newURL, atomically: true, encoding: .utf8)
        return (oldURL, newURL)
    }

    @Test func identicalSchemasReportNothingAndExitZero() async throws {
        let files = try write(new: Self.old)
        let output = try await CLIRunner.run(["diff", files.old.path, files.new.path])
        #expect(output.status == 0)
        #expect(output.stdout == "\(files.old.path) → \(files.new.path): no change that a running fleet notices\n")
        #expect(output.stderr.isEmpty)
    }

    @Test func aBreakingChangeExitsOne() async throws {
        let files = try write(new: Self.breaking)
        let output = try await CLIRunner.run(["diff", files.old.path, files.new.path])
        #expect(output.status == 1)
        let lines = output.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "\(files.new.path):7: breaking: key 'user': shop:user:{<user_id>} → shop:users:{<user_id>} [#pattern-changed]")
        #expect(lines.dropFirst().first?.hasPrefix("  Old processes use shop:user:{<user_id>}, new processes shop:users:{<user_id>}.") == true)
        #expect(lines.last == "\(files.old.path) → \(files.new.path): 1 breaking, 0 warnings, 0 safe")
    }

    @Test func warningsExitZeroUnlessAskedToFail() async throws {
        let files = try write(new: Self.warningOnly)
        let output = try await CLIRunner.run(["diff", files.old.path, files.new.path])
        #expect(output.status == 0)
        #expect(output.stdout.contains("warning: key 'user': UserDTO → UserRecord [#value-type-changed]"))
        let strict = try await CLIRunner.run(["diff", "--warnings-as-errors", files.old.path, files.new.path])
        #expect(strict.status == 1)
        let safe = try write(new: Self.safeOnly)
        #expect(try await CLIRunner.run(["diff", "--warnings-as-errors", safe.old.path, safe.new.path]).status == 0)
    }

    @Test func jsonGivesEachChangeWithItsKeys() async throws {
        let files = try write(new: Self.breaking.replacingOccurrences(of: "ttl: 2m", with: "ttl: 3m"))
        let output = try await CLIRunner.run(["diff", "--format", "json", files.old.path, files.new.path])
        #expect(output.status == 1)
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let changes = try #require(decoded["changes"] as? [[String: Any]])
        #expect(changes.compactMap { $0["id"] as? String } == ["pattern-changed", "ttl-changed"])
        #expect(changes.compactMap { $0["severity"] as? String } == ["breaking", "safe"])
        #expect(changes.compactMap { $0["keyName"] as? String } == ["user", "userOrders"])
        #expect(changes.compactMap { $0["oldKeyName"] as? String } == ["user", "userOrders"])
        #expect(changes.first?["touches"] as? [String] == ["user"])
        #expect(changes.first?["line"] as? Int == 7)
        #expect((decoded["counts"] as? [String: Int]) == ["breaking": 1, "warning": 0, "safe": 1])
        #expect((decoded["old"] as? [String: Any])?["namespace"] as? String == "shop")
    }

    @Test func urlCountsTheLiveKeysEachChangeConcerns() async throws {
        let server = try await RedisServerProcess.start()
        defer { Task { await server.stop() } }
        // Three users and two order pages, as the old schema's generated code writes them, and a key of nobody's.
        for _ in 0..<3 { _ = try await server.cli(["SET", "shop:user:{\(UUID().uuidString.lowercased())}", "v", "EX", "60"]) }
        for page in 1...2 { _ = try await server.cli(["SET", "shop:user:{\(UUID().uuidString.lowercased())}:orders:\(page)", "v", "EX", "60"]) }
        _ = try await server.cli(["SET", "shop:by-hand", "v"])
        let files = try write(new: Self.breaking.replacingOccurrences(of: "ttl: 2m", with: "ttl: 3m"))
        let output = try await CLIRunner.run(["diff", "--format", "json", files.old.path, files.new.path, "--url", server.url])
        #expect(output.status == 1, "\(output.stderr)")
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let changes = try #require(decoded["changes"] as? [[String: Any]])
        #expect(changes.compactMap { $0["liveKeys"] as? Int } == [3, 2])
        let text = try await CLIRunner.run(["diff", files.old.path, files.new.path, "--url", server.url])
        #expect(text.stdout.contains("Live keys it concerns: 3."), "\(text.stdout)")
        let unreachable = try await CLIRunner.run(["diff", files.old.path, files.new.path, "--url", "redis://127.0.0.1:\(try LoopbackPort.free())"])
        #expect(unreachable.status == 2 && unreachable.stderr.contains("could not be walked"), "\(unreachable.stderr)")
    }

    @Test func usageErrorsExitTwo() async throws {
        let files = try write(new: Self.old)
        for arguments in [
            ["diff"], ["diff", files.old.path], ["diff", files.old.path, files.new.path, files.new.path],
            ["diff", files.old.path, files.new.path, "--base", "HEAD"], ["diff", files.new.path, "--base", "--help-me"],
            ["diff", files.old.path, files.new.path, "--format", "yaml"],
        ] {
            let output = try await CLIRunner.run(arguments)
            #expect(output.status == 2, "\(arguments): \(output.stderr)")
            #expect(!output.stderr.isEmpty)
        }
    }

    @Test func aSchemaWithErrorsExitsTwoWithItsDiagnostics() async throws {
        let files = try write(new: Self.old.replacingOccurrences(of: "\"user:{user_id}\"", with: "\"user:{userid}\""))
        let output = try await CLIRunner.run(["diff", files.old.path, files.new.path])
        #expect(output.status == 2)
        #expect(output.stdout.isEmpty)
        #expect(output.stderr.contains("\(files.new.path):7:"))
        #expect(output.stderr.contains("[#undeclared-placeholder]"))
        #expect(output.stderr.contains("error: \(files.new.path) does not compile; fix them (cache-schema check \(files.new.path)) before comparing it"))
        let missing = try await CLIRunner.run(["diff", files.old.path + ".missing", files.old.path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("[#unreadable-file]"))
    }

    // MARK: --base

    /// A git repository with `schemas/app.cache.yaml` committed as `old`, then changed in the working tree to `new`.
    func repository(new: String) async throws -> URL {
        let root = try CLIRunner.temporaryDirectory()
        try FileManager.default.createDirectory(at: root.appendingPathComponent("schemas"), withIntermediateDirectories: true)
        let file = root.appendingPathComponent("schemas/app.cache.yaml")
        try Self.old.write(to: file, atomically: true, encoding: .utf8)
        try await git(["init", "-q"], in: root)
        try await git(["add", "schemas/app.cache.yaml"], in: root)
        try await git(["-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "schema"], in: root)
        try new.write(to: file, atomically: true, encoding: .utf8)
        return root
    }

    func git(_ arguments: [String], in directory: URL) async throws {
        let run = try await CommandRun.run("/usr/bin/env", ["git"] + arguments, workingDirectory: directory, separateErrorOutput: true)
        #expect(run.status == 0, "git \(arguments): \(run.errorOutput)")
    }

    @Test func baseReadsTheFileAtARevision() async throws {
        let root = try await repository(new: Self.breaking)
        // From the repository's root, with a relative path.
        let output = try await CLIRunner.run(["diff", "schemas/app.cache.yaml", "--base", "HEAD"], in: root)
        #expect(output.status == 1, "\(output.stderr)")
        #expect(output.stdout.hasPrefix("schemas/app.cache.yaml:7: breaking: key 'user': "))
        #expect(output.stdout.hasSuffix("HEAD:schemas/app.cache.yaml → schemas/app.cache.yaml: 1 breaking, 0 warnings, 0 safe\n"))
        // From elsewhere, with an absolute path: git runs in the file's folder.
        let path = root.appendingPathComponent("schemas/app.cache.yaml").path
        let json = try await CLIRunner.run(["diff", path, "--base", "HEAD", "--format", "json"])
        #expect(json.status == 1, "\(json.stderr)")
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((decoded["old"] as? [String: Any])?["file"] as? String == "HEAD:schemas/app.cache.yaml")
        // Unchanged since the revision.
        try Self.old.write(to: root.appendingPathComponent("schemas/app.cache.yaml"), atomically: true, encoding: .utf8)
        let same = try await CLIRunner.run(["diff", "schemas/app.cache.yaml", "--base", "HEAD"], in: root)
        #expect(same.status == 0)
        #expect(same.stdout == "HEAD:schemas/app.cache.yaml → schemas/app.cache.yaml: no change that a running fleet notices\n")
    }

    @Test func baseSaysWhenGitFails() async throws {
        let root = try await repository(new: Self.old)
        let badRevision = try await CLIRunner.run(["diff", "schemas/app.cache.yaml", "--base", "no-such-branch"], in: root)
        #expect(badRevision.status == 2)
        #expect(badRevision.stdout.isEmpty)
        #expect(badRevision.stderr.hasPrefix("error: cannot read schemas/app.cache.yaml at revision 'no-such-branch' (git says: fatal: "))
        #expect(badRevision.stderr.contains("check the revision (git log --oneline)"))

        let untracked = root.appendingPathComponent("schemas/other.cache.yaml")
        try Self.old.write(to: untracked, atomically: true, encoding: .utf8)
        let notThere = try await CLIRunner.run(["diff", "schemas/other.cache.yaml", "--base", "HEAD"], in: root)
        #expect(notThere.status == 2)
        #expect(notThere.stderr.contains("not in 'HEAD'"))

        let outside = try CLIRunner.temporaryDirectory().appendingPathComponent("app.cache.yaml")
        try Self.old.write(to: outside, atomically: true, encoding: .utf8)
        let noRepository = try await CLIRunner.run(["diff", outside.path, "--base", "HEAD"])
        #expect(noRepository.status == 2)
        #expect(noRepository.stderr.contains("cannot find the git repository of \(outside.path)"))
    }

    @Test func aRevisionWithErrorsExitsTwo() async throws {
        let root = try CLIRunner.temporaryDirectory()
        try FileManager.default.createDirectory(at: root.appendingPathComponent("schemas"), withIntermediateDirectories: true)
        let file = root.appendingPathComponent("schemas/app.cache.yaml")
        try "version: 2\n".write(to: file, atomically: true, encoding: .utf8)
        try await git(["init", "-q"], in: root)
        try await git(["add", "."], in: root)
        try await git(["-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "bad"], in: root)
        try Self.old.write(to: file, atomically: true, encoding: .utf8)
        let output = try await CLIRunner.run(["diff", "schemas/app.cache.yaml", "--base", "HEAD"], in: root)
        #expect(output.status == 2)
        #expect(output.stderr.contains("HEAD:schemas/app.cache.yaml:1:"))
        #expect(output.stderr.contains("error: HEAD:schemas/app.cache.yaml does not compile; compare with another revision"))
    }
}
