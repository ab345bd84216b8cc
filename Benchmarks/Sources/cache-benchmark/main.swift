// cache-benchmark: the cache runtime on a redis-server this process starts (see README.md, "Cache runtime"):
// 1. getOrSet on a hit against a raw GET of the same stored bytes, 50 in flight;
// 2. codecs (JSON, MessagePack, binary property list) on a ~300-byte DTO;
// 3. invalidating an entity instance with 20 keys among 10^4–10^6 filler keys: through the index vs SCAN+UNLINK.
import BenchmarkSupport
import CacheRuntime
import CacheSchemaMessagePack
import CacheSchemaRedis
import Foundation
import Logging

func runBenchmarks(_ options: Options) async throws {
    guard let serverPath = options.redisServer ?? RedisServer.find("redis-server") else {
        throw BenchmarkError("redis-server not found; install it (apt-get install redis-server) or pass --redis-server PATH")
    }
    // DEBUG POPULATE fills the keyspaces of table 3.
    let server = try RedisServer(executable: serverPath, label: "cache-benchmark", arguments: ["--enable-debug-command", "yes"])
    defer { server.stop() }
    Interrupts.killOnInterrupt(server.pid)

    print("""
        cache-benchmark at \(commit()): redis-server \(server.executable) on 127.0.0.1:\(server.port) (pid \(server.pid), \
        --save '' --appendonly no), \(ProcessInfo.processInfo.activeProcessorCount) CPUs, load average \(loadAverage()) at the start.

        """)

    var logger = Logger(label: "cache-benchmark")
    logger.logLevel = .warning  // connection lines would interleave with the tables
    var configuration = RedisConnectionConfiguration(host: "127.0.0.1", port: server.port)
    configuration.commandTimeout = .seconds(30)
    let client = RedisClient(configuration: configuration, logger: logger)
    // Deadlines far above any latency here: a slow read would be served by the loader (a miss), not measured.
    let cache = RedisCache(client: client, readTimeout: .seconds(10), writeTimeout: .seconds(30), logger: logger)
    do {
        if options.only.contains("hit") { try await HitPath.run(options, client: client, cache: cache) }
        if options.only.contains("codec") { try await Codecs.run(options, client: client, logger: logger) }
        if options.only.contains("invalidation") { try await Invalidation.run(options, client: client, cache: cache) }
    } catch {
        await client.shutdown()
        throw error
    }
    await client.shutdown()
    print("load average at the end: \(loadAverage())")
}

/// `git rev-parse --short HEAD` in the current folder, or "an unknown commit".
func commit() -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git", "rev-parse", "--short", "HEAD"]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return "an unknown commit" }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    return process.terminationStatus == 0 && !text.isEmpty ? "commit \(text)" : "an unknown commit"
}

do {
    try await runBenchmarks(try Options.parse(Array(CommandLine.arguments.dropFirst())))
} catch {
    FileHandle.standardError.write(Data("cache-benchmark: \(error)\n".utf8))
    exit(1)
}
