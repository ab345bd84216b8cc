// cache-benchmark: the cache runtime on a redis-server, or with --cluster a local Redis Cluster, that this process
// starts (see README.md, "Cache runtime"):
// 1. getOrSet on a hit against a raw GET of the same stored bytes, 50 in flight;
// 2. codecs (JSON, MessagePack, binary property list) on a ~300-byte DTO;
// 3. invalidating an entity instance with 20 keys among 10^4–10^6 filler keys: through the index vs SCAN+UNLINK;
// 4. the near cache: a near hit against a Redis hit, another process's writes reaching this one, memory per entry;
// 5. cache-schema inspect's walk of 10^6 keys: the latency of another connection's PING during it, against without.
import BenchmarkSupport
import CacheRuntime
import CacheSchemaLocalRedis
import CacheSchemaMessagePack
import CacheSchemaRedis
import Foundation
import Logging

func runBenchmarks(_ options: Options) async throws {
    var logger = Logger(label: "cache-benchmark")
    logger.logLevel = .warning  // connection lines would interleave with the tables
    let redis: BenchmarkRedis
    if options.cluster {
        redis = try await BenchmarkRedis.cluster(logger: logger)
    } else {
        guard let serverPath = options.redisServer ?? ExecutableSearch.path(of: "redis-server") else {
            throw BenchmarkError("redis-server not found; install it (apt-get install redis-server) or pass --redis-server PATH")
        }
        redis = try await BenchmarkRedis.server(executable: serverPath, logger: logger)
    }

    let commit = await commit()
    print("""
        cache-benchmark at \(commit): \(redis.description), \(ProcessInfo.processInfo.activeProcessorCount) CPUs, load average \
        \(loadAverage()) at the start.

        """)

    // Deadlines far above any latency here: a slow read would be served by the loader (a miss), not measured.
    let cache = RedisCache(client: redis.client, readTimeout: .seconds(10), writeTimeout: .seconds(30), logger: logger)
    do {
        if options.only.contains("hit") { try await HitPath.run(options, client: redis.client, cache: cache) }
        if options.only.contains("codec") { try await Codecs.run(options, client: redis.client, logger: logger) }
        if options.only.contains("invalidation") { try await Invalidation.run(options, redis: redis, cache: cache) }
        if options.only.contains("near") { try await NearCacheTable.run(options, client: redis.client, logger: logger) }
        if options.only.contains("inspect") { try await InspectTable.run(options, redis: redis, cache: cache) }
    } catch {
        await redis.stop()
        throw error
    }
    await redis.stop()
    print("load average at the end: \(loadAverage())")
}

/// `git rev-parse --short HEAD` in the current folder, or "an unknown commit".
func commit() async -> String {
    guard let git = ExecutableSearch.path(of: "git"),
        let run = try? await CommandRun.run(git, ["rev-parse", "--short", "HEAD"], separateErrorOutput: true, timeout: .seconds(60))
    else { return "an unknown commit" }
    let text = run.output.trimmingCharacters(in: .whitespacesAndNewlines)
    return run.status == 0 && !text.isEmpty ? "commit \(text)" : "an unknown commit"
}

let commandArguments = Array(CommandLine.arguments.dropFirst())
do {
    // Internal mode: table 4's writer, re-executed by this same binary as a second OS process.
    if commandArguments.first == NearWriter.command {
        try await NearWriter.run(Array(commandArguments.dropFirst()))
    } else {
        try await runBenchmarks(try Options.parse(commandArguments))
    }
} catch {
    FileHandle.standardError.write(Data("cache-benchmark: \(error)\n".utf8))
    exit(1)
}
