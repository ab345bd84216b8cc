import CacheSchemaRESP
import NIOCore

extension RedisCommandSending {
    /// Runs a script by its SHA1 with binary-safe arguments (values stay bytes), loading it first when the server
    /// does not know it (`NOSCRIPT`, after a restart or `SCRIPT FLUSH`) and retrying once. The one place that
    /// implements the reload; the `[String]` form of `run` calls it.
    public func run(_ script: RedisScript, keys: [String], values: [any RESPArgument], timeout: Duration? = nil) async throws -> RESPValue {
        func evalsha(_ sha1: String) async throws -> RESPValue {
            var buffer = ByteBuffer()
            RESPCommandEncoder.write(into: &buffer, arguments: ["EVALSHA", sha1, keys.count] + keys.map { $0 as any RESPArgument } + values)
            return try await execute(RedisCommand(encoded: buffer, name: "EVALSHA"), timeout: timeout)
        }
        if let sha1 = script.loadedSHA1 {
            do {
                return try await evalsha(sha1)
            } catch let error as RedisError where error.server?.code == .noScript {
                // Loaded again below.
            }
        }
        let sha1 = try await scriptLoad(script.source, timeout: timeout)
        script.remember(sha1)
        return try await evalsha(sha1)
    }
}
