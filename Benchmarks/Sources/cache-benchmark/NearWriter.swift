import BenchmarkSupport
import CacheRuntime
import CacheSchemaRedis
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The writer of table 4 (b), run as a second OS process: `cache-benchmark near-writer (--host H --port P | --cluster
/// H:P) --writes N --key-id UUID` (internal, started by ``NearCacheTable``; not in the usage text; `--cluster` names a
/// seed node of a cluster).
///
/// For i in 1...N it sets `CacheKeys.sample(id: UUID)` to a `SampleDTO` of score i through its own `RedisCache`,
/// reads `CLOCK_MONOTONIC` as soon as `set` returns, then waits in `BLPOP` until the reader pushes i onto the ack
/// list, so that it sleeps in the kernel instead of taking a core from the reader. At the end it prints the N
/// timestamps (nanoseconds, one a line) on standard output.
enum NearWriter {
    static let command = "near-writer"

    /// The list the reader pushes each seen score onto; derived from the key's id, so that both processes agree.
    static func ackKey(_ keyID: UUID) -> String { "bench:near-ack:\(keyID.uuidString)" }

    static func run(_ arguments: [String]) async throws {
        var host = "127.0.0.1", port: Int?, clusterSeed: String?, writes: Int?, keyID: UUID?
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            let value = iterator.next()
            switch argument {
            case "--host": host = value ?? host
            case "--port": port = value.flatMap { Int($0) }
            case "--cluster": clusterSeed = value
            case "--writes": writes = value.flatMap { Int($0) }
            case "--key-id": keyID = value.flatMap { UUID(uuidString: $0) }
            default: throw BenchmarkError("\(command): unknown option \(argument)")
            }
        }
        guard port != nil || clusterSeed != nil, let writes, writes >= 1, let keyID else {
            throw BenchmarkError("\(command) needs --port P or --cluster H:P, --writes N (≥ 1) and --key-id UUID")
        }

        var logger = Logger(label: "cache-benchmark.near-writer")
        logger.logLevel = .warning
        // On a cluster the seed names the node; the configuration then carries only the deadlines.
        var configuration = RedisConnectionConfiguration(host: host, port: port ?? 6379)
        configuration.commandTimeout = .seconds(30)
        let client: any RedisKeyedClient = if let clusterSeed {
            try RedisClusterClient(seeds: [clusterSeed], configuration: configuration, logger: logger)
        } else {
            RedisClient(configuration: configuration, logger: logger)
        }
        // No near policy: this process only writes; the reader's key carries it.
        let cache = RedisCache(client: client, readTimeout: .seconds(10), writeTimeout: .seconds(30), nearCaching: nil, logger: logger)
        let key = CacheKeys.sample(id: keyID)
        let ack = ackKey(keyID)
        var version = SampleDTO.make()
        version.id = keyID
        var returned: [UInt64] = []
        returned.reserveCapacity(writes)
        do {
            for write in 1...writes {
                version.score = write
                try await cache.set(key, version)
                returned.append(monotonicNanoseconds())
                // BLPOP's own 10 s bound: a reader that is gone ends this process instead of leaving it waiting.
                let reply = try await client.send(
                    RedisCommand(arguments: ["BLPOP", ack, "10"]), routedBy: ack, idempotent: false, timeout: .seconds(20))
                guard case .array(let pair) = reply, pair.count == 2, try pair[1].text() == String(write) else {
                    throw BenchmarkError("\(command): no acknowledgement of write \(write) within 10 s (got \(reply.kindName))")
                }
            }
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
        // One write(2), unbuffered: the parent reads the file once this process has exited.
        FileHandle.standardOutput.write(Data((returned.map(String.init).joined(separator: "\n") + "\n").utf8))
    }
}

/// Nanoseconds of `CLOCK_MONOTONIC`: one clock for every process on the machine, so that the writer's and the
/// reader's readings can be subtracted.
func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}
