import BenchmarkSupport
import CacheSchemaLocalRedis
import CacheSchemaRedis
import Foundation
import Logging
import NIOCore

// client-benchmark: our Redis client against `redis-benchmark`, on a redis-server this process starts, in the same
// run. See README.md ("Redis client") for what each row compares.

struct Options {
    var rounds = 5
    var single = 50_000
    var concurrent = 200_000
    var pipelined = 500_000
    var memory = 1_000_000
    var inFlight = 50
    var batch = 16
    var only: Set<String>?
    var reference = true
    var redisServer: String?
    var redisBenchmark: String?

    static let usage = """
        usage: client-benchmark [--rounds N] [--single N] [--concurrent N] [--pipelined N] [--memory N]
                                [--in-flight N] [--batch N] [--only ID,ID…] [--no-reference]
                                [--redis-server PATH] [--redis-benchmark PATH]
          --rounds N        timed rounds per workload, each ours then redis-benchmark's (default 5); medians reported
          --single N        commands per round with 1 in flight (default 50000)
          --concurrent N    commands per round with --in-flight in flight (default 200000)
          --pipelined N     commands per round in batches (default 500000)
          --memory N        GETs of the resident-memory run, 0 to skip (default 1000000)
          --in-flight N     concurrent tasks of the concurrent rows (default 50)
          --batch N         commands per batch of the pipelined rows (default 16)
          --only IDs        run only these rows: get1 set1 getN setN getP setP (tasks on Swift's global executor),
                            get1E set1E getNE setNE getPE setPE (tasks preferring client.taskExecutor), memory
          --no-reference    do not run redis-benchmark (for profiling our side alone)
        """

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var iterator = arguments.makeIterator()
        func number(_ name: String) throws -> Int {
            guard let text = iterator.next(), let value = Int(text.replacingOccurrences(of: "_", with: "")), value >= 0 else {
                throw BenchmarkError("\(name) needs a non-negative number\n\(usage)")
            }
            return value
        }
        while let argument = iterator.next() {
            switch argument {
            case "--rounds": options.rounds = max(1, try number(argument))
            case "--single": options.single = try number(argument)
            case "--concurrent": options.concurrent = try number(argument)
            case "--pipelined": options.pipelined = try number(argument)
            case "--memory": options.memory = try number(argument)
            case "--in-flight": options.inFlight = max(1, try number(argument))
            case "--batch": options.batch = max(2, try number(argument))
            case "--only": options.only = Set((iterator.next() ?? "").split(separator: ",").map(String.init))
            case "--no-reference": options.reference = false
            case "--redis-server": options.redisServer = iterator.next()
            case "--redis-benchmark": options.redisBenchmark = iterator.next()
            case "-h", "--help": print(usage); exit(0)
            default: throw BenchmarkError("unknown option \(argument)\n\(usage)")
            }
        }
        return options
    }
}

struct Row {
    var workload: Workload
    var ours: [Double] = []
    var cpu: [Double] = []
    var reference: [Double] = []
    var connections = 0
}

func makeClient(port: Int) -> RedisClient {
    var logger = Logger(label: "client-benchmark")
    logger.logLevel = .warning  // connection opened/closed lines would interleave with the table
    return RedisClient(configuration: RedisConnectionConfiguration(host: "127.0.0.1", port: port), logger: logger)
}

func runBenchmarks(_ options: Options) async throws {
    guard let serverPath = options.redisServer ?? ExecutableSearch.path(of: "redis-server") else {
        throw BenchmarkError("redis-server not found; install it (apt-get install redis-server) or pass --redis-server PATH")
    }
    let benchmarkPath = options.redisBenchmark ?? ExecutableSearch.path(of: "redis-benchmark")
    if options.reference && benchmarkPath == nil {
        throw BenchmarkError("redis-benchmark not found; install it or pass --no-reference")
    }
    // Killed when released, also when a benchmark throws, and with this process when it is interrupted.
    let server = try await LocalRedisServer(executable: serverPath, folderPrefix: "client-benchmark")
    let tool = benchmarkPath.map { RedisBenchmarkTool(executable: $0, port: server.port) }

    let value = ByteBuffer(repeating: UInt8(ascii: "x"), count: 100)
    let n = options.inFlight
    let b = options.batch
    let all = [
        Workload(id: "get1", label: "GET, 1 in flight", operation: .get, tasks: 1, batch: 1, requests: options.single, referenceClients: 1, referencePipeline: 1),
        Workload(id: "set1", label: "SET, 1 in flight", operation: .set, tasks: 1, batch: 1, requests: options.single, referenceClients: 1, referencePipeline: 1),
        Workload(id: "getN", label: "GET, \(n) in flight", operation: .get, tasks: n, batch: 1, requests: options.concurrent, referenceClients: n, referencePipeline: 1),
        Workload(id: "setN", label: "SET, \(n) in flight", operation: .set, tasks: n, batch: 1, requests: options.concurrent, referenceClients: n, referencePipeline: 1),
        Workload(id: "getP", label: "GET, batches of \(b)", operation: .get, tasks: 1, batch: b, requests: options.pipelined, referenceClients: 1, referencePipeline: b),
        Workload(id: "setP", label: "SET, batches of \(b)", operation: .set, tasks: 1, batch: b, requests: options.pipelined, referenceClients: 1, referencePipeline: b),
    ]
    // The same with the calling tasks on the client's event loop (`withTaskExecutorPreference(client.taskExecutor)`).
    let onEventLoop = all.map { workload in
        var copy = Workload(
            id: workload.id + "E", label: workload.label + ", on taskExecutor", operation: workload.operation, tasks: workload.tasks,
            batch: workload.batch, requests: workload.requests, referenceClients: workload.referenceClients,
            referencePipeline: workload.referencePipeline)
        copy.onEventLoop = true
        return copy
    }
    let workloads = (all + onEventLoop).filter { options.only?.contains($0.id) ?? true }

    print("""
        client-benchmark: redis-server \(server.executable) on 127.0.0.1:\(server.port) (pid \(server.processID ?? 0), --save '' --appendonly no), \
        \(ProcessInfo.processInfo.activeProcessorCount) CPUs, load average \(loadAverage()).
        100-byte values, key \(Workloads.key). \(options.rounds) rounds per row, each round ours then redis-benchmark's; \
        medians reported.

        """)

    // The value GET reads, written once (redis-benchmark's SET test rewrites the same 100 bytes).
    do {
        let client = makeClient(port: server.port)
        try await client.set(Workloads.key, value)
        await client.shutdown()
    }

    var rows: [Row] = []
    for workload in workloads where workload.requests > 0 {
        var row = Row(workload: workload)
        let client = makeClient(port: server.port)
        // Warm-up: connections opened, code paths and allocator caches warm.
        _ = try await Workloads.run(workload, requests: max(workload.tasks * workload.batch * 10, workload.requests / 5), client: client, value: value)
        for round in 1...options.rounds {
            let result = try await Workloads.run(workload, requests: workload.requests, client: client, value: value)
            row.ours.append(result.opsPerSecond)
            row.cpu.append(result.cpuMicrosecondsPerOp)
            var line = "  \(workload.label): round \(round): ours \(thousands(result.opsPerSecond)) ops/s (\(String(format: "%.1f", result.cpuMicrosecondsPerOp)) µs CPU/op)"
            if options.reference, let tool {
                let reference = try await tool.run(
                    test: workload.operation.rawValue, requests: workload.requests, clients: workload.referenceClients,
                    pipeline: workload.referencePipeline, dataSize: value.readableBytes)
                row.reference.append(reference)
                line += ", redis-benchmark \(thousands(reference)) ops/s"
            }
            print(line)
            fflush(nil)
        }
        row.connections = client.openConnectionCount
        await client.shutdown()
        rows.append(row)
    }

    if !rows.isEmpty {
        var table = [["workload", "ours ops/s", "redis-benchmark ops/s", "ratio", "target", "our CPU µs/op", "our connections", "redis-benchmark"]]
        for row in rows {
            let w = row.workload
            let ours = median(row.ours)
            let reference = median(row.reference)
            let target = w.batch > 1 ? 0.6 : (w.tasks == 1 ? 0.7 : 1.0)
            // Each round runs ours and then redis-benchmark back to back: the median of the per-round ratios is less
            // sensitive to load that changes during the run than the ratio of the two medians.
            let ratio = median(zip(row.ours, row.reference).map { $0 / $1 })
            let met = ratio.isFinite ? (ratio >= target ? " met" : " MISSED") : ""
            table.append([
                w.label, thousands(ours), thousands(reference),
                ratio.isFinite ? String(format: "%.2fx", ratio) : "-",
                String(format: "≥ %.1fx", target) + met,
                String(format: "%.1f", median(row.cpu)),
                "\(row.connections) (\(w.tasks) task\(w.tasks == 1 ? "" : "s")\(w.batch > 1 ? ", batch(\(w.batch))" : ""))",
                "-c \(w.referenceClients)\(w.referencePipeline > 1 ? " -P \(w.referencePipeline)" : "")",
            ])
        }
        print("")
        print(pad(table))
        print("")
        print("ours: min–max \(rows.map { "\($0.workload.id) \(thousands($0.ours.min() ?? .nan))–\(thousands($0.ours.max() ?? .nan))" }.joined(separator: ", "))")
        if options.reference {
            print("ratio = median of the per-round ratios (ours / redis-benchmark in the same round); per round: \(rows.map { row in "\(row.workload.id) " + zip(row.ours, row.reference).map { String(format: "%.2f", $0 / $1) }.joined(separator: " ") }.joined(separator: ", "))")
            print("redis-benchmark: min–max \(rows.map { "\($0.workload.id) \(thousands($0.reference.min() ?? .nan))–\(thousands($0.reference.max() ?? .nan))" }.joined(separator: ", "))")
        }
    }

    if options.memory > 0 && (options.only?.contains("memory") ?? true) {
        try await memoryRun(options, port: server.port, value: value)
    }
    await server.stop()
    print("\nload average at the end: \(loadAverage())")
}

/// 10^6 GETs with `inFlight` in flight, resident memory sampled every 100k commands (every tenth of the run).
func memoryRun(_ options: Options, port: Int, value: ByteBuffer) async throws {
    let client = makeClient(port: port)
    let workload = Workload(id: "memory", label: "memory", operation: .get, tasks: options.inFlight, batch: 1, requests: 0, referenceClients: 0, referencePipeline: 1)
    let step = max(options.inFlight, options.memory / 10)
    _ = try await Workloads.run(workload, requests: step, client: client, value: value)  // warm-up
    var samples: [(Int, Int)] = [(0, residentBytes() ?? 0)]
    var done = 0
    let start = ContinuousClock.now
    while done < options.memory {
        _ = try await Workloads.run(workload, requests: step, client: client, value: value)
        done += step
        samples.append((done, residentBytes() ?? 0))
    }
    let elapsed = Workloads.seconds(ContinuousClock.now - start)
    let connections = client.openConnectionCount
    await client.shutdown()
    print("\nResident memory over \(thousands(Double(done))) GETs with \(options.inFlight) in flight (\(connections) connection(s), \(thousands(Double(done) / elapsed)) ops/s), after a warm-up of \(thousands(Double(step))):")
    print(samples.map { "\(thousands(Double($0.0))): \(String(format: "%.1f", Double($0.1) / 1_048_576)) MiB" }.joined(separator: "\n"))
    let twoTenths = samples.first { $0.0 >= done / 5 } ?? samples[0]
    let last = samples[samples.count - 1]
    let growth = Double(last.1 - twoTenths.1)
    print("Growth from \(thousands(Double(twoTenths.0))) to \(thousands(Double(last.0))) commands: \(String(format: "%+.1f", growth / 1024)) KiB (\(String(format: "%+.2f", growth / Double(max(1, last.0 - twoTenths.0)))) bytes per command)")
}

do {
    let options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
    try await runBenchmarks(options)
} catch {
    FileHandle.standardError.write(Data("client-benchmark: \(error)\n".utf8))
    exit(1)
}
