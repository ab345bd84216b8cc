import CacheSchemaRESP
import NIOCore
import RedisTestSupport
import Testing

@testable import CacheSchemaRedis

/// The connection's submission queue: commands from many tasks share writes; cancellation at any point (still queued,
/// written, or mid-batch) never leaves a reply matched to the wrong command; tasks on the client's event loop work.
@Suite struct RedisCommandQueueTests {
    @Test func cancellationAtRandomPointsNeverMismatchesReplies() async throws {
        try await withRedis(pool: RedisPoolConfiguration(minimumConnections: 1, maximumConnections: 1)) { _, client in
            let count = 400
            try await client.mset((0..<count).map { (key: "k\($0)", value: ByteBuffer(string: "v\($0)")) })
            // Each task reads its own key (one by one, or in a batch) and is cancelled after a random number of yields,
            // so cancellations land before, during and after the event loop takes the command.
            let outcomes = await withTaskGroup(of: (completed: Int, wrong: Int).self) { group in
                for index in 0..<count {
                    let task = Task { () -> (completed: Int, wrong: Int) in
                        if index.isMultiple(of: 2) {
                            guard let value = try? await client.get("k\(index)") else { return (0, 0) }
                            return (1, value == ByteBuffer(string: "v\(index)") ? 0 : 1)
                        }
                        let keys = (0..<4).map { (index + $0 * 97) % count }
                        guard let results = try? await client.batch(keys.map { RedisCommand("GET", "k\($0)") }) else { return (0, 0) }
                        let wrong = zip(keys, results).filter { key, result in
                            (try? result.get()) != .bulkString(ByteBuffer(string: "v\(key)"))
                        }.count
                        return (1, wrong)
                    }
                    let yields = Int.random(in: 0...6)
                    group.addTask {
                        for _ in 0..<yields { await Task.yield() }
                        if index % 3 != 0 { task.cancel() }
                        return await task.value
                    }
                }
                var total = (completed: 0, wrong: 0)
                for await outcome in group {
                    total.completed += outcome.completed
                    total.wrong += outcome.wrong
                }
                return total
            }
            #expect(outcomes.wrong == 0, "a reply reached the wrong command")
            #expect(outcomes.completed >= count / 3, "every third task is never cancelled")
            #expect(outcomes.completed < count, "some cancellations must land before their reply")
            // The connection is still in step: the dropped replies were read and discarded.
            for index in stride(from: 0, to: count, by: 37) {
                #expect(try await client.get("k\(index)") == ByteBuffer(string: "v\(index)"))
            }
            #expect(client.openConnectionCount == 1)
        }
    }

    @Test func aCancelledBatchFailsAtOnceAndItsRepliesAreDropped() async throws {
        try await withRedis(pool: RedisPoolConfiguration(minimumConnections: 1, maximumConnections: 1)) { _, client in
            try await client.set("k", "v")
            let slow = Task {
                try await client.batch([RedisCommand("GET", "k"), RedisCommand("DEBUG", "SLEEP", "6"), RedisCommand("GET", "k")])
            }
            try await Task.sleep(for: .milliseconds(100))
            slow.cancel()
            let clock = ContinuousClock()
            let start = clock.now
            await #expect(throws: CancellationError.self) { try await slow.value }
            // The server sleeps 6 s; the bound is loose for a loaded machine and still far below the sleep.
            #expect(clock.now - start < .seconds(4.5), "cancellation must not wait for the batch's replies")
            // All three replies of the cancelled batch are read and dropped; the next reply is the next command's.
            #expect(try await client.get("k") == ByteBuffer(string: "v"))
            #expect(try await client.batch([RedisCommand("PING"), RedisCommand("GET", "k")]).map { try $0.get() }
                == [.simpleString("PONG"), .bulkString(ByteBuffer(string: "v"))])
        }
    }

    @Test func aBatchTimesOutAsAWholeAndTheConnectionIsReplaced() async throws {
        let pool = RedisPoolConfiguration(minimumConnections: 1, maximumConnections: 1)
        try await withRedis(pool: pool, configure: { $0.commandTimeout = .milliseconds(300) }) { _, client in
            // Connected with the harness's long deadline first: the short one is for the batch.
            try await client.set("k", "v", timeout: .seconds(10))
            let clock = ContinuousClock()
            let start = clock.now
            let results = try await client.batch([RedisCommand("GET", "k"), RedisCommand("DEBUG", "SLEEP", "6"), RedisCommand("GET", "k")])
            #expect(clock.now - start < .seconds(4.5), "the batch must end at its deadline, not when the server wakes up")
            // Redis writes the first GET's reply only after the sleep, so every command of the batch passes its (shared)
            // deadline unanswered: each times out, and with no one left waiting the connection is closed. Each command
            // still has its own result.
            #expect(results.count == 3)
            #expect(results.allSatisfy { $0.failureKind == .timeout })
            // The stalled connection was closed; the pool opens another one and the client works again.
            var recovered = false
            for _ in 0..<100 where !recovered {
                recovered = (try? await client.get("k", timeout: .seconds(10))) == ByteBuffer(string: "v")
                if !recovered { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(recovered)
        }
    }

    @Test func tasksPreferringTheClientsExecutorRunOnItsEventLoop() async throws {
        try await withRedis { _, client in
            let executor = client.taskExecutor
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<50 {
                    group.addTask(executorPreference: executor) {
                        #expect(executor.eventLoop.inEventLoop)
                        try await client.set("e\(index)", ByteBuffer(string: "\(index)"))
                        let value = try await client.get("e\(index)")
                        // Resumed on the event loop, too (no hop back to the global executor).
                        #expect(executor.eventLoop.inEventLoop)
                        let batch = try await client.batch([RedisCommand("GET", "e\(index)"), RedisCommand("PING")])
                        let first = try batch[0].get()
                        return value == ByteBuffer(string: "\(index)") && first == .bulkString(ByteBuffer(string: "\(index)"))
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.count == 50 && results.allSatisfy { $0 })
        }
    }
}

extension Result where Failure == RedisError {
    fileprivate var failureKind: RedisError.Kind? {
        if case .failure(let error) = self { return error.kind }
        return nil
    }
}
