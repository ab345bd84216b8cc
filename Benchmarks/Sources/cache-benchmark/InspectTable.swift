import BenchmarkSupport
import CacheRuntime
import CacheSchemaGenerator
import CacheSchemaInspection
import CacheSchemaRedis
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Table 5: what `cache-schema inspect`'s walk (`Inspector.run()`: SCAN, then per batch pipelined TYPE / PTTL and, on
/// a sample, MEMORY USAGE / GET / EXISTS) costs the other clients of the Redis it walks. A keyspace of
/// `--inspect-keys` keys under the schema's namespace (`DEBUG POPULATE` filler keys, plus a thousand instances of
/// entity `sample` written through `RedisCache`, with their index sets and generation markers) is walked while a
/// dedicated connection sends `PING`, one in flight, each timed; the same loop also runs alone, as long as the walk
/// took (the reference). `--inspect-rounds` walks per `--inspect-scan-count` value, the reference alternately after
/// and before a walk. The server's own time per command (`INFO commandstats`) and the commands over 1 ms (`SLOWLOG`)
/// tell a stall of the server from one of the machine.
enum InspectTable {
    /// Instances of entity `sample` written through the cache (a `sample` key, three `sampleItem` keys, the
    /// instance's index set and generation marker each), so that the walk meets keys of the schema and the runtime's
    /// own keys, and its sample path (MEMORY USAGE, GET, EXISTS of index members) runs.
    static let instances = 1_000
    static let itemsPerInstance = 3
    /// The target for the worst PING during the walk.
    static let target = 5.0  // ms

    static func run(_ options: Options, redis: BenchmarkRedis, cache: RedisCache) async throws {
        let keyCount = options.inspectKeys
        let schemaPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "bench.cache.yaml").path
        let compiled = CacheSchemaCompiler.compile(fileAt: schemaPath, generate: false)
        guard let schema = compiled.schema, let analysis = compiled.analysis, !compiled.hasErrors else {
            let errors = compiled.diagnostics.filter { $0.severity == .error }.map { $0.rendered(source: compiled.source) }
            throw BenchmarkError("\(schemaPath) does not compile:\n\(errors.joined(separator: "\n"))")
        }
        let inspected = InspectedSchema(schema: schema, analysis: analysis)

        // The keyspace: the instances first (so that their count is known), then filler keys up to `keyCount`.
        try await redis.flushAll()
        let written = min(instances, max(1, keyCount / 100))
        let dto = SampleDTO.make()
        let ids = (0..<written).map { _ in UUID() }
        for chunk in stride(from: 0, to: ids.count, by: 250) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in ids[chunk..<min(chunk + 250, ids.count)] {
                    group.addTask {
                        try await cache.set(CacheKeys.sample(id: id), dto)
                        for item in 0..<itemsPerInstance { try await cache.set(CacheKeys.sampleItem(id: id, item: item, as: Int.self), item) }
                    }
                }
                try await group.waitForAll()
            }
        }
        let cacheKeys = try await redis.keyCount()
        guard cacheKeys < keyCount else { throw BenchmarkError("--inspect-keys \(keyCount) is not above the \(cacheKeys) keys the cache wrote") }
        _ = try await redis.populate(keyCount - cacheKeys)
        guard try await redis.keyCount() == keyCount else { throw BenchmarkError("the keyspace does not hold \(keyCount) keys") }

        // The PING loop: its own event loop (one thread) and task executor, so that neither the walk's replies nor
        // its tasks queue in front of a PING on this side; on a cluster, every primary in turn, one PING in flight.
        let pingGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pingLoop = pingGroup.next()
        var nodes: [(host: String, port: Int)] = [(redis.client.configuration.host, redis.client.configuration.port)]
        if let cluster = redis.client as? RedisClusterClient {
            nodes = try await cluster.refreshTopology().primaries.map { ($0.host, $0.port) }
        }
        var connections: [RedisConnection] = []
        do {
            for node in nodes {
                var configuration = redis.client.configuration
                configuration.host = node.host
                configuration.port = node.port
                configuration.clientName = "cache-benchmark-ping"
                connections.append(try await RedisConnection.connect(configuration: configuration, eventLoop: pingLoop))
            }
            let pinger = Pinger(connections: connections, executor: RedisEventLoopExecutor(eventLoop: pingLoop))
            _ = try await pinger.measure(.seconds(1)) {}  // warm-up

            let rounds = options.inspectRounds
            var latency = [["PING, one in flight (µs)", "s", "PINGs", "p50", "p99", "p99.9", "max", "> 1 ms", "> 5 ms"]]
            var walks = [[
                "SCAN COUNT / batch", "keys walked", "walk s", "keys/s", "p99 during / alone", "max during / alone",
                "max per walk ms", "worst PING ≤ 5 ms",
            ]]
            var serverLines: [String] = []
            var verdicts: [String] = []
            var sampleLine = ""
            for scanCount in options.inspectScanCounts {
                var inspection = InspectionOptions()
                inspection.scanCount = scanCount
                let inspector = Inspector(schema: inspected, client: redis.client, target: redis.description, options: inspection)
                var during: [Double] = [], alone: [Double] = [], worst: [Double] = [], walkSeconds: [Double] = []
                var stats = CommandStats()
                var slow = SlowCommands()
                var walked = 0
                var previous = Duration.seconds(1)
                for round in 0..<rounds {
                    // The reference after the walk in even rounds, before it (as long as the previous walk) in odd ones.
                    if round % 2 == 1 { alone += try await pinger.measure(previous) {}.0 }
                    try await resetStats(redis)
                    let start = ContinuousClock.now
                    let (times, report) = try await pinger.measure(nil) { try await inspector.run() }
                    previous = ContinuousClock.now - start
                    stats.add(try await commandStats(redis))
                    slow.add(try await slowCommands(redis))
                    if round % 2 == 0 { alone += try await pinger.measure(previous) {}.0 }
                    guard report.keysScanned >= keyCount, report.complete else {
                        throw BenchmarkError("the walk saw \(report.keysScanned) of \(keyCount) keys (complete: \(report.complete))")
                    }
                    during += times
                    worst.append(times.max() ?? .nan)
                    walkSeconds.append(seconds(previous))
                    walked = report.keysScanned
                    sampleLine = sampleSummary(report)
                }
                let duringSummary = PingLatencies(during), aloneSummary = PingLatencies(alone)
                let total = String(format: "%.1f", walkSeconds.reduce(0, +))
                latency.append(["alone, \(rounds) × as long as a walk of COUNT \(scanCount)", total] + aloneSummary.cells)
                latency.append(["during \(rounds) walk\(rounds == 1 ? "" : "s"), COUNT \(scanCount)", total] + duringSummary.cells)
                let met = duringSummary.max / 1000 <= target
                let walkMedian = median(walkSeconds)
                walks.append([
                    String(scanCount), thousands(Double(walked)), String(format: "%.2f", walkMedian), thousands(Double(walked) / walkMedian),
                    String(format: "%.2fx", duringSummary.p99 / aloneSummary.p99), String(format: "%.2fx", duringSummary.max / aloneSummary.max),
                    worst.map { String(format: "%.1f", $0 / 1000) }.joined(separator: ", "),
                    String(format: "%.2f ms %@", duringSummary.max / 1000, met ? "met" : "MISSED"),
                ])
                var verdict = String(format: "COUNT %d: %.2f ms, %@", scanCount, duringSummary.max / 1000, met ? "met" : "MISSED")
                if !met && aloneSummary.max / 1000 > target {
                    verdict += String(format: " (alone, over as long: %.2f ms, above 5 ms too: the machine's own stalls)", aloneSummary.max / 1000)
                }
                verdicts.append(verdict)
                serverLines.append(stats.line(scanCount: scanCount) + " " + slow.line)
            }
            print("""
                5. cache-schema inspect's walk (Inspector(…).run() with bench.cache.yaml, \(nodes.count == 1 ? "one node" : "every primary in turn")) \
                over \(thousands(Double(keyCount))) keys under namespace bench (\(thousands(Double(keyCount - cacheKeys))) DEBUG POPULATE \
                filler keys, \(thousands(Double(cacheKeys))) written by RedisCache: \(written) instances of sample, each a sample key, \
                \(itemsPerInstance) sampleItem keys, and the runtime's index set and generation marker), while a dedicated \
                connection (its own event loop) sends PING \(nodes.count == 1 ? "" : "to each primary in turn, ")one in flight, \
                each timed; and the same PING loop alone for as long as the walk took (after the walk in rounds 1, 3, …, before \
                the next walk in rounds 2, 4, …). \(options.inspectRounds) walk\(options.inspectRounds == 1 ? "" : "s") per SCAN COUNT, \
                their PINGs pooled.

                """)
            print(pad(latency))
            print("")
            print(pad(walks))
            print("")
            for line in serverLines { print(line) }
            print(sampleLine)
            print("worst PING during the walk ≤ 5 ms: \(verdicts.joined(separator: "; "))\n")
        } catch {
            for connection in connections { await connection.close() }
            try? await pingGroup.shutdownGracefully()
            throw error
        }
        for connection in connections { await connection.close() }
        try await pingGroup.shutdownGracefully()
        try await redis.flushAll()
    }

    /// `CONFIG RESETSTAT` and an empty slow log that keeps every command over 1 ms, on every primary.
    private static func resetStats(_ redis: BenchmarkRedis) async throws {
        _ = try await onEveryPrimary(redis, ["CONFIG", "RESETSTAT"])
        _ = try await onEveryPrimary(redis, ["CONFIG", "SET", "slowlog-log-slower-than", String(SlowCommands.threshold), "slowlog-max-len", "10000"])
        _ = try await onEveryPrimary(redis, ["SLOWLOG", "RESET"])
    }

    /// `SLOWLOG GET` of every primary: the commands that took the server over 1 ms each.
    private static func slowCommands(_ redis: BenchmarkRedis) async throws -> SlowCommands {
        let command = RedisCommand(arguments: ["SLOWLOG", "GET", "10000"])
        let replies = if let cluster = redis.client as? RedisClusterClient {
            Array(try await cluster.sendToAllPrimaries(command).values)
        } else if let node = redis.client as? RedisClient {
            [try await node.send(command)]
        } else {
            throw BenchmarkError("neither one node nor a cluster: \(redis.description)")
        }
        var slow = SlowCommands()
        for reply in replies {
            guard case .array(let entries) = reply else { throw BenchmarkError("SLOWLOG GET answered \(reply)") }
            for case .array(let fields) in entries where fields.count >= 4 {
                // id, timestamp, duration in µs, arguments, …
                guard case .array(let arguments) = fields[3], let name = try? arguments.first?.text() else { continue }
                slow.add(name: name.uppercased(), microseconds: Int(try fields[2].integer()))
            }
        }
        return slow
    }

    /// `INFO commandstats` of every primary, added up.
    private static func commandStats(_ redis: BenchmarkRedis) async throws -> CommandStats {
        var stats = CommandStats()
        for text in try await onEveryPrimary(redis, ["INFO", "commandstats"]) { stats.add(CommandStats(info: text)) }
        return stats
    }

    /// A command on every primary; each one's text reply.
    private static func onEveryPrimary(_ redis: BenchmarkRedis, _ arguments: [String]) async throws -> [String] {
        if let cluster = redis.client as? RedisClusterClient {
            return try await cluster.sendToAllPrimaries(RedisCommand(arguments: arguments)).values.map { try $0.text() }
        }
        guard let node = redis.client as? RedisClient else { throw BenchmarkError("neither one node nor a cluster: \(redis.description)") }
        return [try await node.send(RedisCommand(arguments: arguments)).text()]
    }

    /// What the walk found, and how much of its sample path ran.
    private static func sampleSummary(_ report: InspectionReport) -> String {
        let schemaKeys = report.keys.reduce(0) { $0 + $1.count }
        let values = report.keys.reduce(0) { $0 + $1.values.sampled }
        let memory = report.keys.reduce(0) { $0 + $1.memory.sampled }
        let indexes = report.runtime.indexes.reduce(0) { $0 + $1.count }
        let members = report.runtime.indexes.reduce(0) { $0 + $1.membersChecked }
        var line = """
            The walk classified \(thousands(Double(schemaKeys))) keys of the schema, \(thousands(Double(indexes))) index sets, \
            \(thousands(Double(report.unmatched.count))) keys matching no pattern; its sample path read \(values) values \
            (GET / GETRANGE), \(memory) MEMORY USAGE, \(members) index members (EXISTS).
            """
        if schemaKeys == 0 {
            line += " No key was classified as a key of the schema (the key classifier is a stub?): the sample path did not run."
        }
        return line
    }
}

/// Server time per command (`INFO commandstats`), added up over primaries and walks.
struct CommandStats {
    var calls: [String: Int] = [:]
    var microseconds: [String: Int] = [:]

    init() {}

    /// Reads `cmdstat_scan:calls=200,usec=12345,usec_per_call=61.73,…` lines.
    init(info: String) {
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[line.index(line.startIndex, offsetBy: 8)..<colon])
            var fields: [Substring: Int] = [:]
            for field in line[line.index(after: colon)...].split(separator: ",") {
                let parts = field.split(separator: "=", maxSplits: 1)
                if parts.count == 2, let value = Int(parts[1]) { fields[parts[0]] = value }
            }
            calls[name] = fields["calls"] ?? 0
            microseconds[name] = fields["usec"] ?? 0
        }
    }

    mutating func add(_ other: CommandStats) {
        calls.merge(other.calls, uniquingKeysWith: +)
        microseconds.merge(other.microseconds, uniquingKeysWith: +)
    }

    /// What `Inspector` sends (`INFO commandstats` names), not the PINGs, this table's own commands or replication.
    static let walkCommands: Set<String> = [
        "scan", "type", "pttl", "scard", "memory|usage", "strlen", "srandmember", "get", "getrange", "exists",
    ]

    /// The walk's commands by server time, and the server time of one SCAN and one batch on average.
    func line(scanCount: Int) -> String {
        let walk = calls.keys.filter(Self.walkCommands.contains)
        let total = walk.reduce(0) { $0 + (microseconds[$1] ?? 0) }
        let scans = calls["scan"] ?? 0
        let parts = walk.sorted { (microseconds[$0] ?? 0) > (microseconds[$1] ?? 0) }.map { name in
            let count = calls[name] ?? 0
            return String(format: "%@ %@ × %.2f µs", name.uppercased(), thousands(Double(count)), Double(microseconds[name] ?? 0) / Double(Swift.max(count, 1)))
        }
        return String(
            format: "COUNT %d, server time (INFO commandstats, all walks): %@; %.1f µs per SCAN call + its batch (%.2f s in all).",
            scanCount, parts.joined(separator: ", "), Double(total) / Double(Swift.max(scans, 1)), Double(total) / 1e6)
    }
}

/// Commands of the walk that took the server longer than ``threshold`` µs each (`SLOWLOG`).
struct SlowCommands {
    static let threshold = 1_000
    var byName: [String: Int] = [:]
    var longest = 0
    var longestName = ""

    mutating func add(name: String, microseconds: Int) {
        guard CommandStats.walkCommands.contains(name.lowercased()) || name == "MEMORY" else { return }
        byName[name, default: 0] += 1
        if microseconds > longest { (longest, longestName) = (microseconds, name) }
    }

    mutating func add(_ other: SlowCommands) {
        byName.merge(other.byName, uniquingKeysWith: +)
        if other.longest > longest { (longest, longestName) = (other.longest, other.longestName) }
    }

    var line: String {
        guard !byName.isEmpty else { return "SLOWLOG: no command took the server over \(Self.threshold / 1000) ms." }
        let counts = byName.sorted { $0.value > $1.value }.map { "\($0.key) \(thousands(Double($0.value)))" }.joined(separator: ", ")
        return "SLOWLOG, commands over \(Self.threshold / 1000) ms: \(counts); the longest \(longestName), \(thousands(Double(longest))) µs."
    }
}

/// Latencies of one PING loop, in µs.
struct PingLatencies: Sendable {
    let count: Int
    let p50: Double
    let p99: Double
    let p999: Double
    let max: Double
    let overOneMillisecond: Int
    let overFiveMilliseconds: Int

    init(_ values: [Double]) {
        let sorted = values.sorted()
        func at(_ p: Double) -> Double { sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        count = sorted.count
        p50 = at(0.5)
        p99 = at(0.99)
        p999 = at(0.999)
        max = sorted.last ?? .nan
        overOneMillisecond = sorted.count { $0 > 1_000 }
        overFiveMilliseconds = sorted.count { $0 > 5_000 }
    }

    var cells: [String] {
        [thousands(Double(count)), thousands(p50), thousands(p99), thousands(p999), thousands(max), thousands(Double(overOneMillisecond)),
         thousands(Double(overFiveMilliseconds))]
    }
}

/// One `PING` in flight over dedicated connections (in turn), each timed, in a task that runs on their event loop.
struct Pinger: Sendable {
    let connections: [RedisConnection]
    let executor: RedisEventLoopExecutor

    /// Runs `work` here while the loop runs there, and stops the loop when `work` returns; with `duration` and no
    /// work, the loop alone for that long. Returns the latencies and what `work` returned.
    func measure<Value: Sendable>(
        _ duration: Duration?, while work: @Sendable () async throws -> Value
    ) async throws -> ([Double], Value) {
        let stop = StopFlag()
        return try await withThrowingTaskGroup(of: [Double].self) { group in
            group.addTask(executorPreference: executor) {
                let deadline = duration.map { ContinuousClock.now + $0 }
                var times: [Double] = []
                times.reserveCapacity(1 << 18)
                let ping = RedisCommand("PING")
                var index = 0
                while !stop.value.load(ordering: .relaxed) {
                    let start = ContinuousClock.now
                    if let deadline, start >= deadline { break }
                    let reply = try await connections[index].send(ping)
                    times.append(seconds(ContinuousClock.now - start) * 1e6)
                    guard reply == .simpleString("PONG") else { throw BenchmarkError("PING answered \(reply)") }
                    index = (index + 1) % connections.count
                }
                return times
            }
            let result: Value
            do {
                result = try await work()
            } catch {
                stop.value.store(true, ordering: .relaxed)
                group.cancelAll()
                throw error
            }
            if duration == nil { stop.value.store(true, ordering: .relaxed) }
            var times: [Double] = []
            for try await found in group { times = found }
            return (times, result)
        }
    }
}

/// Tells the PING loop to stop.
private final class StopFlag: Sendable {
    let value = Atomic<Bool>(false)
}
