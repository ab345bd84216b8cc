import BenchmarkSupport
import CacheSchemaRedis
import Foundation
import NIOCore

/// One row of the results table: what our client does and what `redis-benchmark` is asked to do for comparison.
struct Workload: Sendable {
    enum Operation: String, Sendable { case get = "GET", set = "SET" }

    let id: String
    let label: String
    let operation: Operation
    /// Tasks issuing commands at once (each waits for its reply, or its batch's replies, before the next).
    let tasks: Int
    /// Commands per `batch` call; 1 means plain `get` / `set` calls.
    let batch: Int
    let requests: Int
    /// `redis-benchmark -c`.
    let referenceClients: Int
    /// `redis-benchmark -P`.
    let referencePipeline: Int
    /// Whether the tasks prefer the client's event-loop executor (`client.taskExecutor`) instead of running on Swift's
    /// global executor.
    var onEventLoop = false
}

/// What one timed run of our client measured.
struct RunResult: Sendable {
    var opsPerSecond: Double
    /// CPU time of this process (every thread: callers, event loop) per command, in microseconds.
    var cpuMicrosecondsPerOp: Double
}

enum Workloads {
    static let key = "key:__rand_int__"  // the key redis-benchmark's GET and SET use without -r

    /// Runs `requests` commands of the workload through `client`.
    static func run(_ workload: Workload, requests: Int, client: RedisClient, value: ByteBuffer) async throws -> RunResult {
        let perTask = max(1, requests / workload.tasks)
        let total = perTask * workload.tasks
        let cpuStart = processCPUTime()
        let start = ContinuousClock.now
        let bad = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<workload.tasks {
                group.addTask(executorPreference: workload.onEventLoop ? client.taskExecutor : nil) {
                    workload.batch == 1
                        ? try await singles(workload.operation, count: perTask, client: client, value: value)
                        : try await batches(workload.operation, count: perTask, batch: workload.batch, client: client, value: value)
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - start
        let cpu = processCPUTime() - cpuStart
        guard bad == 0 else { throw BenchmarkError("\(bad) of \(total) replies of \(workload.label) were not the expected value") }
        return RunResult(opsPerSecond: Double(total) / seconds(elapsed), cpuMicrosecondsPerOp: cpu * 1e6 / Double(total))
    }

    /// Sequential calls; returns how many replies were wrong.
    private static func singles(_ operation: Workload.Operation, count: Int, client: RedisClient, value: ByteBuffer) async throws -> Int {
        var bad = 0
        switch operation {
        case .get:
            for _ in 0..<count {
                let reply = try await client.get(key)
                if reply?.readableBytes != value.readableBytes { bad += 1 }
            }
        case .set:
            for _ in 0..<count {
                if try await !client.set(key, value) { bad += 1 }
            }
        }
        return bad
    }

    /// Sequential batches of `batch` commands each (`count` commands in all, rounded down to whole batches).
    private static func batches(_ operation: Workload.Operation, count: Int, batch: Int, client: RedisClient, value: ByteBuffer) async throws -> Int {
        var bad = 0
        for _ in 0..<max(1, count / batch) {
            var commands: [RedisCommand] = []
            commands.reserveCapacity(batch)
            for _ in 0..<batch {
                commands.append(operation == .get ? RedisCommand("GET", key) : RedisCommand("SET", key, value))
            }
            for result in try await client.batch(commands) {
                switch (operation, result) {
                case (.get, .success(.bulkString(let bytes))) where bytes.readableBytes == value.readableBytes: break
                case (.set, .success(.simpleString("OK"))): break
                default: bad += 1
                }
            }
        }
        return bad
    }

    static func seconds(_ duration: Duration) -> Double {
        let (whole, attoseconds) = duration.components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}

