import BenchmarkSupport
import CacheSchemaInspection
import Foundation

struct Options: Sendable {
    enum Executor: String, Sendable { case global, task, both }

    var operations = 200_000
    var rounds = 5
    var inFlight = 50
    var executor = Executor.both
    var codecIterations = 20_000
    var keyspaces = [10_000, 100_000, 1_000_000]
    var invalidationRounds = 11
    var relatedKeys = 20
    var nearCalls = 200_000
    var nearWrites = 10_000
    var nearEntries = 100_000
    var inspectKeys = 1_000_000
    var inspectScanCounts = [InspectionOptions().scanCount]
    var inspectRounds = 3
    var only: Set<String> = ["hit", "codec", "invalidation", "near", "inspect"]
    var redisServer: String?
    var cluster = false

    static let usage = """
        usage: cache-benchmark [--operations N] [--rounds N] [--in-flight N] [--executor global|task|both]
                               [--codec-iterations N] [--keyspaces N,N,…] [--invalidation-rounds N] [--related N]
                               [--near-calls N] [--near-writes N] [--near-entries N] [--inspect-keys N]
                               [--inspect-scan-count N,N,…] [--inspect-rounds N] [--only hit,codec,invalidation,near,inspect] [--quick]
                               [--redis-server PATH] [--cluster]
          --operations N           calls per round of the hit table, per row (default 200000)
          --rounds N               timed rounds of the hit and codec tables (default 5); medians reported
          --in-flight N            concurrent tasks of the hit table (default 50)
          --executor E             where the hit table's tasks run: Swift's global executor, client.taskExecutor,
                                   or both (default both: four rows)
          --codec-iterations N     encodes and decodes per round of the codec table (default 20000)
          --keyspaces LIST         filler keys of the invalidation table, one row each (default 10000,100000,1000000)
          --invalidation-rounds N  invalidations per keyspace and method (default 11)
          --related N              keys of the invalidated instance (default 20)
          --near-calls N           near-cache reads of table 4, one caller (default 200000)
          --near-writes N          writes of table 4's writer process, each awaited here (default 10000)
          --near-entries N         near entries of table 4's memory measure (default 100000)
          --inspect-keys N         keys table 5's inspection walks (default 1000000)
          --inspect-scan-count L   the walk's SCAN COUNT and batch size (InspectionOptions.scanCount), one walk
                                   each (default the Inspector's, 500)
          --inspect-rounds N       walks per SCAN COUNT, each with its reference (default 3)
          --only LIST              tables to run: hit, codec, invalidation, near, inspect (default all)
          --quick                  a check that everything works: 20000 operations, 2 rounds, 2000 codec iterations,
                                   keyspaces 10000,100000, 3 invalidation rounds, 20000 near calls, 1000 near writes,
                                   10000 near entries, 100000 inspected keys, 2 inspection rounds
          --redis-server PATH      the redis-server binary (default: found in /usr/bin, /usr/local/bin, …)
          --cluster                on a local Redis Cluster (3 primaries, 3 replicas, redis-server from the PATH)
                                   instead of one redis-server
        """

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var iterator = arguments.makeIterator()
        func number(_ name: String, minimum: Int = 1) throws -> Int {
            guard let text = iterator.next(), let value = Int(text.replacingOccurrences(of: "_", with: "")), value >= minimum else {
                throw BenchmarkError("\(name) needs a number ≥ \(minimum)\n\(usage)")
            }
            return value
        }
        func list(_ name: String) throws -> [String] {
            guard let text = iterator.next(), !text.isEmpty else { throw BenchmarkError("\(name) needs a list\n\(usage)") }
            return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        while let argument = iterator.next() {
            switch argument {
            case "--operations": options.operations = try number(argument)
            case "--rounds": options.rounds = try number(argument)
            case "--in-flight": options.inFlight = try number(argument)
            case "--executor":
                guard let executor = iterator.next().flatMap(Executor.init(rawValue:)) else {
                    throw BenchmarkError("--executor needs global, task or both\n\(usage)")
                }
                options.executor = executor
            case "--codec-iterations": options.codecIterations = try number(argument)
            case "--keyspaces":
                let sizes = try list(argument).map { Int($0.replacingOccurrences(of: "_", with: "")) }
                guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? -1) >= 0 }) else { throw BenchmarkError("--keyspaces needs numbers\n\(usage)") }
                options.keyspaces = sizes.compactMap { $0 }
            case "--invalidation-rounds": options.invalidationRounds = try number(argument)
            case "--related": options.relatedKeys = try number(argument)
            case "--near-calls": options.nearCalls = try number(argument, minimum: 100)
            case "--near-writes": options.nearWrites = try number(argument)
            case "--near-entries": options.nearEntries = try number(argument)
            case "--inspect-keys": options.inspectKeys = try number(argument, minimum: 100)
            case "--inspect-scan-count":
                let counts = try list(argument).map { Int($0.replacingOccurrences(of: "_", with: "")) }
                guard !counts.isEmpty, counts.allSatisfy({ ($0 ?? 0) >= 1 }) else {
                    throw BenchmarkError("--inspect-scan-count needs numbers ≥ 1\n\(usage)")
                }
                options.inspectScanCounts = counts.compactMap { $0 }
            case "--inspect-rounds": options.inspectRounds = try number(argument)
            case "--only":
                let tables = Set(try list(argument))
                guard tables.isSubset(of: ["hit", "codec", "invalidation", "near", "inspect"]) else {
                    throw BenchmarkError("--only takes hit, codec, invalidation, near, inspect\n\(usage)")
                }
                options.only = tables
            case "--quick":
                options.operations = 20_000
                options.rounds = 2
                options.codecIterations = 2_000
                options.keyspaces = [10_000, 100_000]
                options.invalidationRounds = 3
                options.nearCalls = 20_000
                options.nearWrites = 1_000
                options.nearEntries = 10_000
                options.inspectKeys = 100_000
                options.inspectRounds = 2
            case "--redis-server": options.redisServer = iterator.next()
            case "--cluster": options.cluster = true
            case "-h", "--help": print(usage); exit(0)
            default: throw BenchmarkError("unknown option \(argument)\n\(usage)")
            }
        }
        return options
    }
}
