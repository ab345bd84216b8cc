import BenchmarkSupport
import CacheSchemaLocalRedis
import CacheSchemaRedis
import Foundation
import Logging
import NIOCore

// cluster-benchmark: RedisClusterClient against `redis-benchmark --cluster`, on a local Redis Cluster (3 primaries,
// 3 replicas) this process starts, in the same run: GET of random keys among 10,000 (100-byte values), 50 in flight.
// See README.md ("Redis Cluster client").

let arguments = CommandLine.arguments.dropFirst()
func option(_ name: String, default value: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), arguments.index(after: index) < arguments.endIndex,
        let number = Int(arguments[arguments.index(after: index)].replacingOccurrences(of: "_", with: ""))
    else { return value }
    return number
}
let rounds = option("--rounds", default: 5)
let requests = option("--requests", default: 200_000)
let inFlight = option("--in-flight", default: 50)
let keyspace = 10_000

let cluster = try await LocalRedisCluster.start()
var logger = Logger(label: "cluster-benchmark")
logger.logLevel = .warning
let client = try RedisClusterClient(
    seeds: [cluster.seeds[0]], configuration: try RedisConnectionConfiguration(url: cluster.nodes[0].url), logger: logger)
let value = ByteBuffer(repeating: UInt8(ascii: "x"), count: 100)
// redis-benchmark's key names for `-r`: "key:" and 12 digits.
let keys = (0..<keyspace).map { "key:" + String(format: "%012d", $0) }
for key in keys { _ = try await client.routed(by: key).set(key, value) }
let tool = RedisBenchmarkTool(executable: try ExecutableSearch.require("redis-benchmark", package: "redis-tools"), port: cluster.nodes[0].port)

print("cluster-benchmark: GET, 100-byte values, \(keyspace) keys, \(inFlight) in flight, \(requests) requests per round, \(rounds) rounds; load \(loadAverage())")
/// `requests` GETs of random keys from `inFlight` tasks, on Swift's global executor or on the client's event loop:
/// operations per second.
func runOurs(onEventLoop: Bool) async throws -> Double {
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<inFlight {
            group.addTask(executorPreference: onEventLoop ? client.taskExecutor : nil) {
                var random = SystemRandomNumberGenerator()
                for _ in 0..<(requests / inFlight) {
                    let key = keys[Int.random(in: 0..<keyspace, using: &random)]
                    _ = try await client.routed(by: key).get(key)
                }
            }
        }
        try await group.waitForAll()
    }
    return Double(requests / inFlight * inFlight) / seconds(ContinuousClock.now - start)
}

var ours: [Double] = []
var oursOnLoop: [Double] = []
var reference: [Double] = []
for round in 1...rounds {
    ours.append(try await runOurs(onEventLoop: false))
    oursOnLoop.append(try await runOurs(onEventLoop: true))
    reference.append(try await tool.run(test: "get", requests: requests, clients: inFlight, pipeline: 1, dataSize: 100, keyspace: keyspace, cluster: true))
    print("round \(round): ours \(thousands(ours.last!))/s, on taskExecutor \(thousands(oursOnLoop.last!))/s, redis-benchmark --cluster \(thousands(reference.last!))/s")
}
print(pad([
    ["workload", "ours (median)", "redis-benchmark --cluster -c \(inFlight) (median)", "ratio"],
    ["GET, \(inFlight) in flight", "\(thousands(median(ours)))/s", "\(thousands(median(reference)))/s", String(format: "%.2f×", median(ours) / median(reference))],
    ["GET, \(inFlight) in flight, on taskExecutor", "\(thousands(median(oursOnLoop)))/s", "\(thousands(median(reference)))/s", String(format: "%.2f×", median(oursOnLoop) / median(reference))],
]))
await client.shutdown()
await cluster.stop()
