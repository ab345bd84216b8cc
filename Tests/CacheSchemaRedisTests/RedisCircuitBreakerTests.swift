import NIOCore
import RedisTestSupport
import Testing

@testable import CacheSchemaRedis

/// The circuit breaker as a state machine (no socket), then on a real redis-server stopped with SIGSTOP.
@Suite struct RedisCircuitBreakerTests {
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    private func at(_ milliseconds: Int64) -> NIODeadline { start + .milliseconds(milliseconds) }

    /// Feeds the breaker a script of events and returns what each said.
    private func run(_ breaker: inout RedisCircuitBreaker, _ events: [Event]) -> [String] {
        events.map { event in
            switch event {
            case .timeout(let at, let probe): return breaker.timedOut(now: at, wasProbe: probe) ? "opened" : "-"
            case .reply: return breaker.answered() ? "closed" : "-"
            case .admit(let at):
                switch breaker.admit(now: at) {
                case .send: return "send"
                case .probe: return "probe"
                case .failFast: return "fail"
                }
            case .abandon(let at):
                breaker.probeAbandoned(now: at)
                return "-"
            }
        }
    }

    private enum Event {
        case timeout(NIODeadline, probe: Bool)
        case reply
        case admit(NIODeadline)
        case abandon(NIODeadline)
    }

    @Test func itOpensAfterThresholdTimeoutsInARowAndAReplyResetsTheCount() {
        var breaker = RedisCircuitBreaker(configuration: RedisCircuitBreakerConfiguration(threshold: 3, probeInterval: .milliseconds(250)))
        let said = run(&breaker, [
            .timeout(at(0), probe: false), .timeout(at(1), probe: false), .reply,  // a reply in between: counting starts again
            .timeout(at(2), probe: false), .timeout(at(3), probe: false), .admit(at(4)),
            .timeout(at(5), probe: false),  // the third in a row
            .admit(at(6)),
            .timeout(at(7), probe: false),  // sent before it opened, ending late: nothing changes
        ])
        #expect(said == ["-", "-", "-", "-", "-", "send", "opened", "fail", "-"])
        #expect(breaker.isOpen)
    }

    @Test func oneProbePerIntervalAndItsReplyClosesIt() {
        var breaker = RedisCircuitBreaker(configuration: RedisCircuitBreakerConfiguration(threshold: 1, probeInterval: .milliseconds(250)))
        let said = run(&breaker, [
            .timeout(at(0), probe: false), .admit(at(249)), .admit(at(250)),
            .admit(at(251)),  // one probe at a time
            .timeout(at(400), probe: true),  // the probe timed out: the next one an interval later
            .admit(at(600)), .admit(at(650)), .reply, .admit(at(651)),
        ])
        #expect(said == ["opened", "fail", "probe", "fail", "-", "fail", "probe", "closed", "send"])
        #expect(!breaker.isOpen)
    }

    @Test func anAbandonedProbeLetsTheNextCommandProbeAtOnce() {
        var breaker = RedisCircuitBreaker(configuration: RedisCircuitBreakerConfiguration(threshold: 1, probeInterval: .seconds(1)))
        let said = run(&breaker, [.timeout(at(0), probe: false), .admit(at(1_000)), .abandon(at(1_001)), .admit(at(1_002))])
        #expect(said == ["opened", "probe", "-", "probe"])
    }

    @Test func thresholdZeroNeverOpens() {
        var breaker = RedisCircuitBreaker(configuration: RedisCircuitBreakerConfiguration(threshold: 0))
        let said = run(&breaker, (0..<100).map { .timeout(at(Int64($0)), probe: false) } + [.admit(at(200))])
        #expect(said == Array(repeating: "-", count: 100) + ["send"])
    }

    @Test func aStoppedServerFailsFastAfterTheFirstDeadlinesAndIsUsedAgainOnceItAnswers() async throws {
        let server = try await RedisServerProcess.start()
        defer { Task { await server.stop() } }
        var configuration = try RedisConnectionConfiguration(url: server.url)
        configuration.commandTimeout = .milliseconds(300)
        configuration.connectTimeout = .milliseconds(300)
        // Probes every 2 s, so that few fall among the 20 commands below even on a slow machine.
        var pool = RedisPoolConfiguration()
        pool.circuitBreaker = RedisCircuitBreakerConfiguration(threshold: 3, probeInterval: .seconds(2))
        let client = RedisClient(configuration: configuration, pool: pool)
        defer { Task { await client.shutdown() } }
        // A loaded machine can take longer than the 300 ms deadline to connect: wait for the first reply.
        try await waitUntil("the server answers", timeout: .seconds(30)) { (try? await client.ping()) == "PONG" }
        server.suspend()
        // The first commands wait out their deadlines; then the breaker fails them at once.
        for _ in 0..<3 { await #expect(throws: RedisError.self) { _ = try await client.get("k") } }
        #expect(client.isCircuitOpen)
        // Asserted by kind, not wall time (a loaded machine stretches even a failure): a `circuitOpen` command was
        // never sent. Only the breaker's probes, one per interval, may wait for their deadline.
        let clock = ContinuousClock()
        let started = clock.now
        var failedFast = 0
        var probes = 0
        for _ in 0..<20 {
            do {
                _ = try await client.get("k")
                Issue.record("a stopped server answered")
            } catch let error as RedisError where error.kind == .circuitOpen {
                failedFast += 1
                #expect(error.message.contains("stopped answering"), "\(error)")
            } catch let error as RedisError where error.kind == .timeout || error.kind == .poolUnavailable {
                probes += 1
            }
        }
        let elapsed = clock.now - started
        #expect(failedFast + probes == 20)
        #expect(failedFast >= 10, "commands failed at once while the server was stopped: \(failedFast) of 20")
        #expect(probes <= Int(elapsed / .seconds(2)) + 1, "at most one probe per probe interval")
        server.resume()
        try await waitUntil("a probe found the server answering", timeout: .seconds(30)) {
            (try? await client.ping()) == "PONG"
        }
        #expect(!client.isCircuitOpen)
    }
}
