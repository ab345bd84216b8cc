import CacheSchemaRESP
import NIOCore

extension RedisCommandSending {
    /// Runs a script by its SHA1 with binary-safe arguments (values stay bytes), loading it first when it was never
    /// loaded, and sending its text (`EVAL`, which caches it there) when the node that runs it does not know it
    /// (`NOSCRIPT`, after a restart or `SCRIPT FLUSH`, or on a cluster node reached by a redirect). A read-only script runs
    /// with `EVALSHA_RO`, or with `EVALSHA` on a server older than Redis 7. The one place that implements the reload;
    /// the `[String]` form of `run` calls it.
    public func run(_ script: RedisScript, keys: [String], values: [any RESPArgument], timeout: Duration? = nil) async throws -> RESPValue {
        func evalsha(_ sha1: String) async throws -> RESPValue {
            let command = script.command
            var buffer = ByteBuffer()
            RESPCommandEncoder.write(into: &buffer, arguments: [command, sha1, keys.count] + keys.map { $0 as any RESPArgument } + values)
            do {
                return try await execute(RedisCommand(encoded: buffer, name: command), timeout: timeout)
            } catch let error as RedisError where command == "EVALSHA_RO" && Self.isUnknownCommand(error) && script.fallBackFromReadOnlyCommand() {
                return try await evalsha(sha1)
            }
        }
        /// The script's text with `EVAL` (or `EVAL_RO`), which also caches it on the node that runs it.
        func eval() async throws -> RESPValue {
            let command = script.command == "EVALSHA_RO" ? "EVAL_RO" : "EVAL"
            var buffer = ByteBuffer()
            RESPCommandEncoder.write(into: &buffer, arguments: [command, script.source, keys.count] + keys.map { $0 as any RESPArgument } + values)
            return try await execute(RedisCommand(encoded: buffer, name: command), timeout: timeout)
        }
        if let sha1 = script.loadedSHA1 {
            do {
                return try await evalsha(sha1)
            } catch let error as RedisError where error.server?.code == .noScript {
                // The node that ran it does not know it (restarted, flushed, or — on a cluster — the node a slot is
                // migrating to, reached through `ASK`, where a `SCRIPT LOAD` routed by the key would not go).
                return try await eval()
            }
        }
        let sha1 = try await scriptLoad(script.source, timeout: timeout)
        script.remember(sha1)
        do {
            return try await evalsha(sha1)
        } catch let error as RedisError where error.server?.code == .noScript {
            return try await eval()
        }
    }

    /// Whether the server did not know the command (`ERR unknown command …`).
    private static func isUnknownCommand(_ error: RedisError) -> Bool {
        guard let server = error.server, server.code == .err else { return false }
        return server.message.lowercased().contains("unknown command")
    }
}
