import CacheRuntime
import RaceHarness
import RedisTestSupport

/// One harness process's work: `tasks` concurrent tasks, each reading and changing random records until the
/// operation budget or the deadline runs out, logging every operation with monotonic timestamps.
struct RaceWorker: Sendable {
    let cache: RedisCache
    let source: SourceOfTruth
    let operations: Int
    let deadline: UInt64
    let tasks: Int
    let seed: UInt64
    /// Read and write the record's near-cached key (`nearRecord`) instead of `record`.
    let near: Bool

    /// Runs every task and returns their events.
    func run() async -> [RaceEvent] {
        let perTask = (operations + tasks - 1) / tasks
        return await withTaskGroup(of: [RaceEvent].self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var random = SplitMix64(seed: seed &* 1_000_003 &+ UInt64(task))
                    var events: [RaceEvent] = []
                    events.reserveCapacity(perTask)
                    while events.count < perTask && monotonicNanoseconds() < deadline {
                        events.append(await step(&random))
                    }
                    return events
                }
            }
            var all: [RaceEvent] = []
            for await events in group { all += events }
            return all
        }
    }

    /// One operation on a random record: a read (70 %), a write-through (15 %), an update then an invalidation
    /// (10 %), or a delete-through (5 %).
    private func step(_ random: inout SplitMix64) async -> RaceEvent {
        let record = Int.random(in: 0..<source.records, using: &random)
        let roll = Int.random(in: 0..<100, using: &random)
        let delays = (Int.random(in: 0...2_000, using: &random), Int.random(in: 0...3_000, using: &random))
        switch roll {
        case 0..<70: return await read(record, delays: delays)
        case 70..<85: return await write(record, kind: .writeThrough, delay: delays.0)
        case 85..<95: return await write(record, kind: .invalidate, delay: delays.0)
        default: return await write(record, kind: .deleteThrough, delay: delays.0)
        }
    }

    /// A `getOrSet` whose loader waits before and after reading the source: the slow reader of a stale write-back.
    private func read(_ record: Int, delays: (Int, Int)) async -> RaceEvent {
        let start = monotonicNanoseconds()
        let source = self.source
        do {
            let result = try await cache.getOrSetReporting(key(record)) {
                try await Task.sleep(for: .microseconds(delays.0))
                let row = try await source.read(record)
                try await Task.sleep(for: .microseconds(delays.1))
                return RaceRow(version: row.version, deleted: row.deleted)
            }
            let version = result.value?.version ?? 0
            return .read(record: record, start: start, end: monotonicNanoseconds(), version: version, source: result.source.rawValue)
        } catch {
            // Only the loader throws (the source file); that is a harness failure, logged as a read of nothing.
            return .read(record: record, start: start, end: monotonicNanoseconds(), version: 0, source: "error")
        }
    }

    /// The record's key: both are in its entity, so its invalidations reach either.
    private func key(_ record: Int) -> CacheKey<RaceRow> {
        near ? CacheKeys.nearRecord(recordID: record) : CacheKeys.record(recordID: record)
    }

    /// A change of the source and the cache call that follows it.
    private func write(_ record: Int, kind: RaceEvent.WriteKind, delay: Int) async -> RaceEvent {
        let start = monotonicNanoseconds()
        let source = self.source
        let key = key(record)
        var version: UInt64 = 0
        var completed = true
        do {
            switch kind {
            case .writeThrough:
                let row = try await cache.writeThrough(key) {
                    let version = try await source.update(record)
                    try await Task.sleep(for: .microseconds(delay))
                    return RaceRow(version: version, deleted: false)
                }
                version = row.version
            case .invalidate:
                version = try await source.update(record)
                try await Task.sleep(for: .microseconds(delay))
                try await cache.invalidate(CacheInvalidations.record(recordID: record))
            case .deleteThrough:
                version = try await cache.deleteThrough(CacheInvalidations.record(recordID: record)) {
                    try await source.delete(record)
                }
            }
        } catch let error as CacheWriteThroughError<RaceRow> {
            (version, completed) = (error.result.version, false)
        } catch let error as CacheWriteThroughError<UInt64> {
            (version, completed) = (error.result, false)
        } catch {
            // The invalidation after an update failed (a `CacheError`): the source changed, the cache repairs itself.
            completed = false
        }
        return .write(record: record, kind: kind, start: start, end: monotonicNanoseconds(), version: version, completed: completed)
    }
}
