import Foundation
import ShopLoad
import Synchronization

/// Where a read's answer came from (`X-Cache`), or that it got none.
enum ReadSource: UInt8, Sendable {
    case hit, miss, bypass
    /// A reply without `X-Cache` (an error page).
    case uncached
    /// No reply: the connection failed or timed out.
    case failed
}

/// One GET of the read mix.
struct ReadSample: Sendable {
    /// `CLOCK_MONOTONIC` nanoseconds.
    var start: UInt64
    var end: UInt64
    /// 0 when no reply came.
    var status: Int
    var source: ReadSource
    /// A user read that returned a version older than one whose write had completed before the read started.
    var stale: Bool

    var latencyMilliseconds: Double { Double(end - start) / 1e6 }
}

/// One write of the writer thread.
struct WriteSample: Sendable {
    enum Kind: Sendable {
        case user, order, menu
    }

    var kind: Kind
    var start: UInt64
    var end: UInt64
    /// 0 when no reply came.
    var status: Int
    /// For `PUT /users/{id}`: the hot user's index and the version written.
    var user: Int?
    var version: Int?
    /// `X-Cache-Write: failed`: the database took the write, the cache did not (a repair is queued).
    var cacheWriteFailed: Bool
}

/// A read that returned an older version than a write completed before it started.
struct StaleRead: Sendable, CustomStringConvertible {
    var user: String
    var expected: Int
    var got: Int
    var source: ReadSource
    var at: UInt64

    var description: String { "user \(user): read version \(got) (X-Cache \(source)) after version \(expected) was written" }
}

/// The load of a fault run: `connections` threads, each a keep-alive connection running the read mix of `shop-load`
/// (90% `GET /users/{id}` over the hot set, then restaurants, menus and order pages) as fast as the service answers
/// or with `readPause` between two reads,
/// and one writer thread, one write every `writeInterval`: 7 in 10 a `PUT /users/{id}` of the next hot user (the
/// versions of ``VersionLedger``), 2 a `POST /users/{id}/orders` (an invalidation), 1 a `PUT /restaurants/{id}/menu`
/// (write-through). Every user read is checked against the ledger as it comes back. Samples are kept until taken.
final class LoadGenerator: Sendable {
    let target: ShopTarget
    let ledger: VersionLedger
    private let connections: Int
    private let readPause: Duration
    private let writeInterval: Duration
    private let stopping = Atomic<Bool>(false)
    private let writesPaused = Atomic<Bool>(false)
    private let writerIdle = Atomic<Bool>(false)
    private let readBuffers: [SampleBuffer<ReadSample>]
    private let writeBuffer = SampleBuffer<WriteSample>()
    private let staleBuffer = SampleBuffer<StaleRead>()
    private let finished = DispatchSemaphore(value: 0)

    init(target: ShopTarget, connections: Int, readPause: Duration, writeInterval: Duration) {
        self.target = target
        self.connections = connections
        self.readPause = readPause
        self.writeInterval = writeInterval
        self.ledger = VersionLedger(users: target.users.count)
        self.readBuffers = (0..<connections).map { _ in SampleBuffer() }
    }

    func start() {
        for index in 0..<connections {
            let buffer = readBuffers[index]
            Thread { [self] in
                read(into: buffer)
                finished.signal()
            }.start()
        }
        Thread { [self] in
            write()
            finished.signal()
        }.start()
    }

    /// Stops every thread and waits for them (each ends after its request in flight).
    func stop() async {
        stopping.store(true, ordering: .relaxed)
        let threads = connections + 1
        _ = try? await onThread { [finished] in
            for _ in 0..<threads { finished.wait() }
        }
    }

    /// Holds the writer after its write in flight, and returns once it is idle.
    func pauseWrites() async throws {
        writesPaused.store(true, ordering: .relaxed)
        while !writerIdle.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(5)) }
    }

    func resumeWrites() {
        writesPaused.store(false, ordering: .relaxed)
    }

    /// The reads, writes and stale reads recorded since the last call.
    func take() -> (reads: [ReadSample], writes: [WriteSample], stale: [StaleRead]) {
        (readBuffers.flatMap { $0.take() }, writeBuffer.take(), staleBuffer.take())
    }

    private func read(into buffer: SampleBuffer<ReadSample>) {
        var random = SystemRandomNumberGenerator()
        let connection = HTTPConnection(host: target.host, port: target.port, timeout: .seconds(30))
        while !stopping.load(ordering: .relaxed) {
            let (path, user) = target.randomRead(using: &random)
            let expected = user.map { ledger.versions(of: $0).completed } ?? 0
            let start = monotonicNanoseconds()
            guard let reply = try? connection.request("GET", path) else {
                buffer.append(ReadSample(start: start, end: monotonicNanoseconds(), status: 0, source: .failed, stale: false))
                connection.disconnect()
                // A service that is gone must not turn this loop into a spin.
                Thread.sleep(forTimeInterval: 0.01)
                continue
            }
            let end = monotonicNanoseconds()
            let source: ReadSource =
                switch reply.headers["x-cache"] {
                case "hit": .hit
                case "miss": .miss
                case "bypass": .bypass
                default: .uncached
                }
            var stale = false
            if let user, reply.status == 200 {
                let version = VersionLedger.version(inBody: reply.body)
                if version < expected {
                    stale = true
                    staleBuffer.append(StaleRead(user: target.users[user], expected: expected, got: version, source: source, at: start))
                }
            }
            buffer.append(ReadSample(start: start, end: end, status: reply.status, source: source, stale: stale))
            if readPause > .zero { Thread.sleep(forTimeInterval: readPause.seconds) }
        }
    }

    private func write() {
        let connection = HTTPConnection(host: target.host, port: target.port, timeout: .seconds(30))
        var step = 0
        var nextUser = 0
        var random = SystemRandomNumberGenerator()
        while !stopping.load(ordering: .relaxed) {
            if writesPaused.load(ordering: .relaxed) {
                writerIdle.store(true, ordering: .relaxed)
                Thread.sleep(forTimeInterval: 0.005)
                continue
            }
            writerIdle.store(false, ordering: .relaxed)
            step += 1
            var sample: WriteSample
            switch step % 10 {
            case 1, 2:
                let user = target.users.randomElement(using: &random)!
                let restaurant = target.restaurants.randomElement(using: &random)!
                sample = send(connection, .order, "POST", "/users/\(user)/orders", #"{"restaurant_id": "\#(restaurant)", "total_cents": \#(Int.random(in: 100...9999, using: &random))}"#)
            case 3:
                let restaurant = target.restaurants.randomElement(using: &random)!
                let price = Int.random(in: 100...2000, using: &random)
                sample = send(connection, .menu, "PUT", "/restaurants/\(restaurant)/menu", #"{"items": [{"name": "Soup", "price_cents": \#(price)}, {"name": "Bread", "price_cents": 250}]}"#)
            default:
                let user = nextUser
                nextUser = (nextUser + 1) % target.users.count
                let version = ledger.attempt(user: user)
                sample = send(connection, .user, "PUT", "/users/\(target.users[user])", #"{"name": "\#(VersionLedger.name(version: version))"}"#)
                sample.user = user
                sample.version = version
                if sample.status == 200 { ledger.complete(user: user, version: version) }
            }
            writeBuffer.append(sample)
            Thread.sleep(forTimeInterval: writeInterval.seconds)
        }
        writerIdle.store(true, ordering: .relaxed)
    }

    private func send(_ connection: HTTPConnection, _ kind: WriteSample.Kind, _ method: String, _ path: String, _ body: String) -> WriteSample {
        let start = monotonicNanoseconds()
        guard let reply = try? connection.request(method, path, body: body) else {
            connection.disconnect()
            return WriteSample(kind: kind, start: start, end: monotonicNanoseconds(), status: 0, cacheWriteFailed: false)
        }
        return WriteSample(
            kind: kind, start: start, end: monotonicNanoseconds(), status: reply.status, cacheWriteFailed: reply.headers["x-cache-write"] == "failed")
    }
}

/// Samples appended by one thread and taken by another.
final class SampleBuffer<Sample: Sendable>: Sendable {
    private let samples = Mutex<[Sample]>([])

    func append(_ sample: Sample) {
        samples.withLock { $0.append(sample) }
    }

    func take() -> [Sample] {
        samples.withLock { samples in
            defer { samples = [] }
            return samples
        }
    }
}
