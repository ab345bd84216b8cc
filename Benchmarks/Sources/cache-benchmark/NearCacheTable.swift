import BenchmarkSupport
import CacheRuntime
import CacheSchemaLocalRedis
import CacheSchemaRedis
import Foundation
import Logging

/// Table 4, on one node or a cluster (`--cluster`): the near cache. (a) One caller, `getOrSet` of the same `SampleDTO` from process memory
/// against a Redis hit, each call timed alone; (b) how long another process's write takes to reach this one (a second
/// OS process, this binary re-run as ``NearWriter``, writes; this one reads until it sees the new value), over many
/// writes; (c) resident memory per near entry.
enum NearCacheTable {
    static func run(_ options: Options, client: any RedisKeyedClient, logger: Logger) async throws {
        let policy = CacheNearCachePolicy(localTTL: .seconds(600), capacity: 200_000)
        let cache = RedisCache(client: client, readTimeout: .seconds(10), writeTimeout: .seconds(30), logger: logger)
        let dto = SampleDTO.make()
        let plain = CacheKeys.sample(id: dto.id)
        let nearID = UUID()
        let near = withNearCache(CacheKeys.sample(id: nearID), policy)
        try await cache.set(plain, dto)
        try await cache.set(near, dto)
        // The first near read starts tracking; from then on reads are held: wait until a read is answered from memory.
        let ready = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < ready, try await timeOne({ try await cache.getOrSet(near) { nil } }, expecting: dto) > .microseconds(20) {
            try await Task.sleep(for: .milliseconds(10))
        }

        // (a) One caller, each call timed alone, after a warm-up of a tenth.
        let calls = options.nearCalls
        _ = try await times(calls / 10, { try await cache.getOrSet(near) { nil } }, expecting: dto)
        _ = try await times(calls / 100, { try await cache.getOrSet(plain) { nil } }, expecting: dto)
        let nearTimes = try await times(calls, { try await cache.getOrSet(near) { nil } }, expecting: dto)
        let redisTimes = try await times(calls / 10, { try await cache.getOrSet(plain) { nil } }, expecting: dto)
        func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
        }
        let nearP50 = percentile(nearTimes, 0.5), redisP50 = percentile(redisTimes, 0.5)

        // (b) Another OS process's writes reaching this one.
        let windows = try await windowsOfWriterProcess(writes: options.nearWrites, keyID: nearID, near: near, cache: cache, client: client)
        let early = windows.count { $0 < 0 }

        // (c) Memory per entry: fill many near keys, compare resident memory.
        let entries = options.nearEntries
        let keys = (0..<entries).map { _ in withNearCache(CacheKeys.sample(id: UUID()), policy) }
        for chunk in stride(from: 0, to: entries, by: 1_000) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for key in keys[chunk..<min(chunk + 1_000, entries)] { group.addTask { try await cache.set(key, dto) } }
                try await group.waitForAll()
            }
        }
        let before = residentBytes() ?? 0
        for key in keys { _ = try await cache.getOrSet(key) { nil } }
        let after = residentBytes() ?? 0

        print("""
            4. Near cache (\(client is RedisClusterClient ? "a cluster: tracking connections to each primary" : "one node")): getOrSet of SampleDTO (JSON), one caller, each call timed alone (its result checked after the \
            clock read); \(thousands(Double(calls))) near calls, \(thousands(Double(calls / 10))) Redis hits, after a warm-up round.

            """)
        print(pad([
            ["getOrSet, one caller", "p50 µs", "p99 µs", "max µs"],
            ["near hit (process memory)", String(format: "%.3f", nearP50), String(format: "%.3f", percentile(nearTimes, 0.99)), String(format: "%.1f", nearTimes.max() ?? 0)],
            ["Redis hit (GET + decode)", String(format: "%.2f", redisP50), String(format: "%.2f", percentile(redisTimes, 0.99)), String(format: "%.1f", redisTimes.max() ?? 0)],
            ["Redis hit / near hit (p50)", String(format: "%.0fx", redisP50 / nearP50), "", ""],
        ]))
        print(String(
            format: "\nnear-hit p50 target ≤ 1 µs: %@. Another OS process's write seen by this one, %d writes: p50 %.0f µs, p99 %.0f µs, max %.0f µs (CLOCK_MONOTONIC when the writer process's set returned → when this process's getOrSet first returned the new value; %d of them seen before the writer's set had returned).\nResident memory for %@ near entries: %.1f MiB, %.0f bytes per entry (the decoded DTO, its key and the map's bookkeeping).\n",
            nearP50 <= 1 ? "met" : "MISSED", windows.count, percentile(windows, 0.5), percentile(windows, 0.99), windows.max() ?? 0, early,
            thousands(Double(entries)), Double(after - before) / 1_048_576, Double(after - before) / Double(entries)))
    }

    /// Table 4 (b): starts this binary again as the writer process (``NearWriter``) and reads `near` until each of
    /// its writes shows, acknowledging each through a Redis list so that the writer waits in `BLPOP`, not on a core.
    /// Returns, per write, microseconds from the writer's `set` returning to this process seeing the new value, both
    /// read from `CLOCK_MONOTONIC`.
    private static func windowsOfWriterProcess(
        writes: Int, keyID: UUID, near: CacheKey<SampleDTO>, cache: RedisCache, client: any RedisKeyedClient
    ) async throws -> [Double] {
        let folder = FileManager.default.temporaryDirectory.appending(path: "cache-benchmark-near-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appending(path: "timestamps"), errorOutput = folder.appending(path: "errors")
        func writerErrors() -> String { (try? String(contentsOf: errorOutput, encoding: .utf8)).map { String($0.suffix(2000)) } ?? "" }
        let ack = NearWriter.ackKey(keyID)
        @Sendable func onAckKey(_ arguments: [String]) async throws {
            _ = try await client.send(RedisCommand(arguments: arguments), routedBy: ack, idempotent: false, timeout: nil)
        }
        try await onAckKey(["DEL", ack])

        let server = if let cluster = client as? RedisClusterClient {
            ["--cluster", cluster.seeds[0].description]
        } else if let node = client as? RedisClient {
            ["--host", node.configuration.host, "--port", String(node.configuration.port)]
        } else {
            throw BenchmarkError("neither one node nor a cluster: \(type(of: client))")
        }
        let child = try await ChildProcess.start(
            executablePath,
            [NearWriter.command] + server + ["--writes", String(writes), "--key-id", keyID.uuidString],
            output: output, errorOutput: errorOutput, diesWithThisProcess: true)
        var seen: [UInt64] = []
        seen.reserveCapacity(writes)
        do {
            for write in 1...writes {
                // 10 s per write from the previous acknowledgement; the first one also covers the writer's start.
                let deadline = ContinuousClock.now + .seconds(write == 1 ? 30 : 10)
                while try await cache.getOrSet(near, loader: { nil })?.score != write {
                    if child.hasExited {
                        throw BenchmarkError("the writer process exited (status \(child.status ?? -1)) before write \(write) was seen: \(writerErrors())")
                    }
                    if ContinuousClock.now > deadline { throw BenchmarkError("write \(write) of the writer process did not reach this one in 10 s") }
                }
                seen.append(monotonicNanoseconds())
                try await onAckKey(["LPUSH", ack, String(write)])
            }
            guard let status = await child.waitForExit(timeout: .seconds(30)) else {
                throw BenchmarkError("the writer process did not exit 30 s after its last write was acknowledged")
            }
            guard status == 0 else { throw BenchmarkError("the writer process ended with status \(status): \(writerErrors())") }
        } catch {
            await child.kill()
            throw error
        }
        try? await onAckKey(["DEL", ack])

        let text = try String(contentsOf: output, encoding: .utf8)
        let returned = text.split(whereSeparator: \.isNewline).compactMap { UInt64($0) }
        guard returned.count == writes else {
            throw BenchmarkError("the writer process printed \(returned.count) timestamps for \(writes) writes: \(text.prefix(300))")
        }
        return zip(seen, returned).map { seen, returned in Double(Int64(seen) - Int64(returned)) / 1e3 }
    }

    /// This binary, to run it again as the writer process.
    private static var executablePath: String {
        #if os(Linux)
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        #else
        Bundle.main.executablePath ?? CommandLine.arguments[0]
        #endif
    }

    /// Microseconds of each of `count` calls, timed one by one; throws when a call's result is wrong.
    private static func times(_ count: Int, _ call: () async throws -> SampleDTO?, expecting expected: SampleDTO) async throws -> [Double] {
        var result: [Double] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(seconds(try await timeOne(call, expecting: expected)) * 1e6) }
        return result
    }

    /// The time of one call; its result is checked after the clock was read, so the check is not timed.
    private static func timeOne(_ call: () async throws -> SampleDTO?, expecting expected: SampleDTO) async throws -> Duration {
        let start = ContinuousClock.now
        let value = try await call()
        let elapsed = ContinuousClock.now - start
        guard value == expected else { throw BenchmarkError("a near-cache call returned a wrong value") }
        return elapsed
    }

    /// The key with a near cache, as a schema declaring one generates it.
    private static func withNearCache<Value>(_ key: CacheKey<Value>, _ policy: CacheNearCachePolicy) -> CacheKey<Value> {
        let d = key.descriptor
        return CacheKey(
            descriptor: CacheKeyDescriptor(
                name: d.name, entity: d.entity, pattern: d.pattern, namespace: d.namespace, parameters: d.parameters, ttl: d.ttl,
                ttlClass: d.ttlClass, valueType: d.valueType, invalidatedBy: d.invalidatedBy, freshness: d.freshness, nearCache: policy),
            rawValue: key.rawValue, owners: key.owners)
    }
}
