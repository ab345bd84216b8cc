import CacheSchemaLocalRedis
import Foundation

/// Runs `redis-benchmark` against the server and reads its `--csv` output.
public struct RedisBenchmarkTool: Sendable {
    public let executable: String
    public let port: Int

    public init(executable: String, port: Int) {
        self.executable = executable
        self.port = port
    }

    /// The requests per second it reports for one test.
    ///
    /// - Parameters:
    ///   - keyspace: `-r`: random keys among this many (`key:000000000042`), instead of one key.
    ///   - cluster: `--cluster`: the server is a node of a Redis Cluster; each request goes to its slot's primary.
    public func run(
        test: String, requests: Int, clients: Int, pipeline: Int, dataSize: Int, keyspace: Int? = nil, cluster: Bool = false
    ) async throws -> Double {
        var arguments = [
            "-h", "127.0.0.1", "-p", String(port), "-t", test, "-d", String(dataSize), "-n", String(requests),
            "-c", String(clients), "-P", String(pipeline), "--csv",
        ]
        if let keyspace { arguments += ["-r", String(keyspace)] }
        if cluster { arguments.append("--cluster") }
        let text = try await CommandRun.run(executable, arguments, separateErrorOutput: true, timeout: .seconds(3600)).output
        // "test","rps",...  then  "GET","18656.72",...
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            if fields.count >= 2, fields[0].uppercased() == test.uppercased(), let rps = Double(fields[1]) { return rps }
        }
        throw BenchmarkError("cannot read redis-benchmark's output for \(test): \(text.prefix(300))")
    }
}
