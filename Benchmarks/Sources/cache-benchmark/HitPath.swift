import BenchmarkSupport
import CacheRuntime
import CacheSchemaMessagePack
import CacheSchemaRedis
import Foundation
import NIOCore
import Synchronization

/// Table 1: `getOrSet` on a hit against a raw `GET` of the same key (the same stored bytes), through one client with
/// `inFlight` tasks calling in a loop. Each round runs both rows back to back (alternating which goes first); the
/// cost ratio is the median of the per-round ratios.
enum HitPath {
    struct Sample {
        var opsPerSecond: Double
        var cpuMicrosecondsPerOp: Double
    }

    /// One codec's two rows: a hand-written hit (GET, then decode the payload) and the runtime's `getOrSet` hit.
    struct CodecRows {
        let name: String
        let storedBytes: Int
        let rawDecode: @Sendable () async throws -> Bool
        let hit: @Sendable () async throws -> Bool
    }

    static func run(_ options: Options, client: any RedisKeyedClient, cache: RedisCache) async throws {
        // The loader runs only on a miss (or when Redis cannot be read): every call counts as a failed hit.
        let loads = CallCounter()
        var codecRows: [CodecRows] = []
        var rawKey = ""
        var rawBytes = 0
        for (name, codec) in [("JSON", JSONCacheCodec()), ("MessagePack", MessagePackCacheCodec())] as [(String, any CacheCodec)] {
            let codecCache = codec.identifier == cache.codec.identifier
                ? cache : RedisCache(client: client, codec: codec, readTimeout: cache.readTimeout, writeTimeout: cache.writeTimeout)
            let dto = SampleDTO.make()
            let key = CacheKeys.sample(id: dto.id)
            try await codecCache.set(key, dto)
            guard let stored = try await client.routed(by: key.rawValue).get(key.rawValue) else { throw BenchmarkError("\(key) was not stored") }
            let storedBytes = stored.readableBytes
            if rawKey.isEmpty { (rawKey, rawBytes) = (key.rawValue, storedBytes) }
            // What a hand-written cache-aside does on a hit: GET, then decode the payload (the stored bytes after the
            // runtime's envelope) with the same codec; the runtime's own overhead is the difference to getOrSet.
            let envelopeLength = storedBytes - (try codec.encode(dto)).count
            let rawDecode: @Sendable () async throws -> Bool = {
                guard let buffer = try await client.routed(by: key.rawValue).get(key.rawValue) else { return false }
                let payload = Array(buffer.readableBytesView.dropFirst(envelopeLength))
                return try codec.decode(SampleDTO.self, from: payload) == dto
            }
            let hit: @Sendable () async throws -> Bool = {
                let value = try await codecCache.getOrSet(key) {
                    loads.increment()
                    return nil
                }
                return value == dto
            }
            // The first call says where the value came from.
            let first = try await codecCache.getOrSetReporting(key) { nil }
            guard first.source == .hit, first.value == dto else { throw BenchmarkError("getOrSet (\(name)) did not hit: \(first.source)") }
            codecRows.append(CodecRows(name: name, storedBytes: storedBytes, rawDecode: rawDecode, hit: hit))
        }
        // The reference: a raw GET of the JSON value's stored bytes.
        let raw: @Sendable () async throws -> Bool = { [rawKey, rawBytes] in
            try await client.routed(by: rawKey).get(rawKey)?.readableBytes == rawBytes
        }

        let executors: [(String, RedisEventLoopExecutor?)] = switch options.executor {
        case .global: [("global executor", nil)]
        case .task: [("client.taskExecutor", client.taskExecutor)]
        case .both: [("global executor", nil), ("client.taskExecutor", client.taskExecutor)]
        }

        var table = [[
            "\(options.inFlight) in flight, \(thousands(Double(options.operations))) calls per round", "ops/s", "µs/op", "CPU µs/op",
            "cost vs raw GET", "CPU vs raw GET", "cost vs GET+decode",
        ]]
        var perRound: [String] = []
        for (label, executor) in executors {
            // Rows: raw GET, then per codec GET+decode and getOrSet hit.
            var calls: [@Sendable () async throws -> Bool] = [raw]
            for rows in codecRows { calls += [rows.rawDecode, rows.hit] }
            // Warm-up: connections open, code paths, allocator caches and the runtime's per-key tables warm.
            let warmUp = max(options.inFlight * 10, options.operations / 5)
            for call in calls { _ = try await measure(warmUp, options.inFlight, executor, call) }
            var samples = Array(repeating: [Sample](), count: calls.count)
            for round in 0..<options.rounds {
                // The order alternates, so that a drift of the machine's load within a round favours no row.
                let order = round % 2 == 0 ? Array(calls.indices) : Array(calls.indices.reversed())
                for index in order {
                    samples[index].append(try await measure(options.operations, options.inFlight, executor, calls[index]))
                }
            }
            let missed = loads.value
            guard missed == 0 else { throw BenchmarkError("getOrSet ran its loader \(missed) times: not every call was a hit") }
            func ratio(_ a: [Sample], _ b: [Sample]) -> Double {
                median(zip(a, b).map { $0.opsPerSecond / $1.opsPerSecond })
            }
            func cpuRatio(_ a: [Sample], _ b: [Sample]) -> String {
                String(format: "%.2fx", median(zip(a, b).map { $1.cpuMicrosecondsPerOp / $0.cpuMicrosecondsPerOp }))
            }
            let raws = samples[0]
            table.append(row("raw GET of \(rawBytes) stored bytes, \(label)", raws, "1.00x", "1.00x", ""))
            for (index, rows) in codecRows.enumerated() {
                let decodes = samples[1 + 2 * index], hits = samples[2 + 2 * index]
                let cost = ratio(raws, hits)
                table.append(row(
                    "GET + \(rows.name) decode of the payload, \(label)", decodes, String(format: "%.2fx", ratio(raws, decodes)),
                    cpuRatio(raws, decodes), "1.00x"))
                table.append(row(
                    "getOrSet hit, \(rows.name) (\(rows.storedBytes) bytes), \(label)", hits,
                    String(format: "%.2fx (≤ 1.2x %@)", cost, cost <= 1.2 ? "met" : "MISSED"), cpuRatio(raws, hits),
                    String(format: "%.2fx", ratio(decodes, hits))))
                perRound.append("\(rows.name), \(label): " + zip(raws, hits).map { String(format: "%.2f", $0.opsPerSecond / $1.opsPerSecond) }.joined(separator: " "))
            }
        }
        print("""
            1. getOrSet hit vs raw GET: the key sample (SampleDTO stored with each codec), \(options.rounds) rounds per row, medians.
               getOrSet hit = GET of the key, envelope check, decode; every call checked (the value equals what was \
            stored, the loader never ran).

            """)
        print(pad(table))
        print("""

            cost = µs/op of the row / µs/op of the reference, the median of the per-round ratios (rows of a round run back to \
            back); getOrSet / raw GET per round: \(perRound.joined(separator: "; ")).
            GET+decode is what a hand-written cache-aside does on a hit; getOrSet's cost beyond it is the runtime's own.

            """)
    }

    private static func row(_ label: String, _ samples: [Sample], _ cost: String, _ cpu: String, _ costVsDecode: String) -> [String] {
        let ops = median(samples.map(\.opsPerSecond))
        return [
            label, thousands(ops), String(format: "%.2f", 1e6 / ops), String(format: "%.2f", median(samples.map(\.cpuMicrosecondsPerOp))),
            cost, cpu, costVsDecode,
        ]
    }

    /// Runs `operations` calls from `inFlight` tasks; throws when a call's result was wrong.
    static func measure(
        _ operations: Int, _ inFlight: Int, _ executor: RedisEventLoopExecutor?, _ call: @escaping @Sendable () async throws -> Bool
    ) async throws -> Sample {
        let cpuStart = processCPUTime()
        let start = ContinuousClock.now
        let wrong = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<inFlight {
                let share = operations / inFlight + (task < operations % inFlight ? 1 : 0)
                group.addTask(executorPreference: executor) {
                    var wrong = 0
                    for _ in 0..<share {
                        if try await !call() { wrong += 1 }
                    }
                    return wrong
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = seconds(ContinuousClock.now - start)
        let cpu = processCPUTime() - cpuStart
        guard wrong == 0 else { throw BenchmarkError("\(wrong) of \(operations) calls returned a wrong value") }
        return Sample(opsPerSecond: Double(operations) / elapsed, cpuMicrosecondsPerOp: cpu * 1e6 / Double(operations))
    }
}

/// Counts calls across tasks.
final class CallCounter: Sendable {
    private let count = Atomic<Int>(0)

    func increment() { count.add(1, ordering: .relaxed) }

    var value: Int { count.load(ordering: .relaxed) }
}
