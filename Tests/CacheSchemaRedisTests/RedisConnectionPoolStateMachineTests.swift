import NIOCore
import Testing

@testable import CacheSchemaRedis

/// The pool's decisions, event by event, without a socket or a server: connections are names, waiters are numbers,
/// and time is whatever the test says.
@Suite struct RedisConnectionPoolStateMachineTests {
    typealias Machine = RedisConnectionPoolStateMachine<String, Int>

    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    let deadline = NIODeadline.uptimeNanoseconds(1_000_000_000) + .seconds(2)

    func makeMachine(
        minimum: Int = 0, maximum: Int = 4, pipelineThreshold: Int = 64, idleTimeout: Duration = .seconds(60),
        healthCheckInterval: Duration = .seconds(15)
    ) -> Machine {
        let pool = RedisPoolConfiguration(
            minimumConnections: minimum, maximumConnections: maximum, pipelineThreshold: pipelineThreshold, idleTimeout: idleTimeout,
            healthCheckInterval: healthCheckInterval, initialBackoff: .milliseconds(50), maximumBackoff: .seconds(2))
        return Machine(configuration: pool, address: "test:6379")
    }

    /// Opens the first connection the way the first command does (it waits, the attempt succeeds, the command runs
    /// on the new connection and completes); returns its slot.
    @discardableResult
    func openFirst(_ name: String, in machine: inout Machine, progress: RedisConnectionProgress = stallAfter100ms()) -> Int {
        guard case .queued(startConnecting: true) = machine.wait(0, id: machine.makeWaiterID(), deadline: deadline, now: start, isCancelled: false),
            case .use(let slot, let waiters, _) = machine.connected(name, progress: progress, now: start), waiters == [0]
        else {
            Issue.record("expected the first command to wait for a new connection")
            return -1
        }
        machine.release(slotID: slot, now: start)
        return slot
    }

    // MARK: Leasing

    @Test func leasesTheLeastBusyConnectionAndCountsItsCommands() {
        var machine = makeMachine(minimum: 2)
        #expect(machine.reserveMissingMinimum() == 2)
        guard case .use(let a, let waitersA, false) = machine.connected("a", progress: stallAfter100ms(), now: start),
            case .use(let b, let waitersB, false) = machine.connected("b", progress: stallAfter100ms(), now: start)
        else {
            Issue.record("expected both connections to be used")
            return
        }
        #expect(waitersA.isEmpty && waitersB.isEmpty)
        #expect(machine.lease(now: start)?.connection == "a")
        #expect(machine.lease(now: start)?.connection == "b")
        #expect(machine.lease(now: start)?.connection == "a")
        #expect(machine.inFlight(onSlot: a) == 2 && machine.inFlight(onSlot: b) == 1)
        machine.release(slotID: a, now: start)
        machine.release(slotID: a, now: start)
        #expect(machine.lease(now: start)?.connection == "a", "the least busy connection again")
        machine.release(slotID: 9_999, now: start)  // an unknown slot (closed meanwhile) is ignored
        #expect(machine.openConnectionCount == 2)
    }

    @Test func theFirstCommandWaitsAndStartsExactlyOneConnectionAttempt() {
        var machine = makeMachine()
        #expect(machine.lease(now: start) == nil)
        guard case .queued(startConnecting: true) = machine.wait(1, id: machine.makeWaiterID(), deadline: deadline, now: start, isCancelled: false),
            case .queued(startConnecting: false) = machine.wait(2, id: machine.makeWaiterID(), deadline: deadline, now: start, isCancelled: false)
        else {
            Issue.record("expected both commands to wait, and one attempt only")
            return
        }
        #expect(machine.waiterCount == 2 && machine.connecting == 1)
        guard case .use(let slot, let waiters, false) = machine.connected("a", progress: stallAfter100ms(), now: start) else {
            Issue.record("expected the connection to take the waiters")
            return
        }
        #expect(waiters == [1, 2])
        #expect(machine.inFlight(onSlot: slot) == 2)
        #expect(machine.waiterCount == 0 && machine.connecting == 0)
    }

    @Test func growsPastThePipelineThresholdUpToTheMaximum() {
        var machine = makeMachine(maximum: 2, pipelineThreshold: 2)
        openFirst("a", in: &machine)
        #expect(machine.lease(now: start)?.startConnecting == false)
        #expect(machine.lease(now: start)?.startConnecting == false)
        #expect(machine.lease(now: start)?.startConnecting == true, "the third command passes the threshold")
        #expect(machine.lease(now: start)?.startConnecting == false, "one attempt at a time")
        guard case .use(_, _, false) = machine.connected("b", progress: stallAfter100ms(), now: start) else {
            Issue.record("expected b to be used")
            return
        }
        for _ in 0..<10 { #expect(machine.lease(now: start)?.startConnecting == false, "never beyond the maximum") }
        #expect(machine.openConnectionCount == 2)
    }

    @Test func aStalledConnectionGetsNoCommandsAndWaitersGoWhenItAnswers() {
        var machine = makeMachine(maximum: 1)
        let progress = stallAfter100ms()
        openFirst("a", in: &machine, progress: progress)
        progress.startedWaiting(at: start)
        #expect(machine.lease(now: start + .milliseconds(50))?.connection == "a", "not stalled yet")
        let later = start + .milliseconds(500)
        #expect(machine.lease(now: later) == nil, "stalled: a command would queue behind an unanswered one")
        guard case .queued(startConnecting: false) = machine.wait(7, id: machine.makeWaiterID(), deadline: .distantFuture, now: later, isCancelled: false) else {
            Issue.record("expected the command to wait: the pool is full")
            return
        }
        #expect(machine.stalledConnectionAnswered(now: later).leases.isEmpty, "still stalled")
        progress.replied(at: later, stillWaiting: false)
        let served = machine.stalledConnectionAnswered(now: later)
        #expect(served.leases.map(\.waiter) == [7])
        #expect(served.leases.map(\.lease.connection) == ["a"])
        #expect(machine.waiterCount == 0)
    }

    @Test func aWaiterFailsAtItsDeadlineOrWhenCancelledOnce() {
        var machine = makeMachine(maximum: 1)
        let first = machine.makeWaiterID()
        let second = machine.makeWaiterID()
        _ = machine.wait(1, id: first, deadline: deadline, now: start, isCancelled: false)
        _ = machine.wait(2, id: second, deadline: deadline, now: start, isCancelled: false)
        let timedOut = machine.waiterDeadlinePassed(id: first)
        #expect(timedOut?.waiter == 1)
        #expect(timedOut?.error.kind == .poolUnavailable)
        #expect(machine.waiterDeadlinePassed(id: first) == nil, "a waiter fails once")
        #expect(machine.waiterCancelled(id: second) == 2)
        #expect(machine.waiterCancelled(id: second) == nil)
        #expect(machine.waiterCount == 0)
    }

    @Test func aCommandPastItsDeadlineOrCancelledFailsInsteadOfWaiting() {
        var machine = makeMachine()
        guard case .fail(let late) = machine.wait(1, id: 1, deadline: start, now: start, isCancelled: false),
            case .fail(let cancelled) = machine.wait(2, id: 2, deadline: deadline, now: start, isCancelled: true)
        else {
            Issue.record("expected both to fail at once")
            return
        }
        #expect((late as? RedisError)?.kind == .poolUnavailable)
        #expect(cancelled is CancellationError)
        #expect(machine.waiterCount == 0 && machine.connecting == 0)
    }

    // MARK: Connecting and backoff

    @Test func aFailedConnectFailsEveryWaiterAndCommandsFailFastWhileBackingOff() {
        var machine = makeMachine()
        _ = machine.wait(1, id: machine.makeWaiterID(), deadline: deadline, now: start, isCancelled: false)
        _ = machine.wait(2, id: machine.makeWaiterID(), deadline: deadline, now: start, isCancelled: false)
        let refused = RedisError(.connectionFailed, "connection refused", address: "test:6379")
        let failed = machine.connectFailed(refused, now: start, jitter: 1)
        #expect(failed.fail.waiters == [1, 2])
        #expect(failed.fail.error.kind == .poolUnavailable && failed.fail.error.message.contains("connection refused"))
        #expect(failed.reconnectAfter == nil, "no minimum to keep: the next command tries again")
        // During the backoff (40 ms with this jitter), a command fails at once with the last error.
        guard case .fail(let fast) = machine.wait(3, id: machine.makeWaiterID(), deadline: deadline, now: start + .milliseconds(10), isCancelled: false) else {
            Issue.record("expected a fast failure during the backoff")
            return
        }
        #expect((fast as? RedisError)?.kind == .poolUnavailable)
        #expect((fast as? RedisError)?.message.contains("next attempt in") == true)
        // After it, the next command starts a new attempt; a success resets the backoff.
        guard case .queued(startConnecting: true) = machine.wait(4, id: machine.makeWaiterID(), deadline: deadline + .seconds(1), now: start + .seconds(1), isCancelled: false) else {
            Issue.record("expected a new attempt after the backoff")
            return
        }
        guard case .use(_, let waiters, _) = machine.connected("a", progress: stallAfter100ms(), now: start + .seconds(1)) else {
            Issue.record("expected the connection to be used")
            return
        }
        #expect(waiters == [4])
    }

    @Test func reconnectsBelowTheMinimumWithABackoffThatGrowsAndIsCapped() {
        var machine = makeMachine(minimum: 1)
        #expect(machine.reserveMissingMinimum() == 1)
        let refused = RedisError(.connectionFailed, "refused", address: "test:6379")
        var delays: [(low: Duration, high: Duration)] = []
        for _ in 0..<8 {
            // The same failure priced at both ends of the jitter: the most taken off, and nothing.
            var copy = machine
            let low = copy.connectFailed(refused, now: start, jitter: 1).reconnectAfter
            let high = machine.connectFailed(refused, now: start, jitter: 0).reconnectAfter
            guard let low, let high else {
                Issue.record("below the minimum the pool must keep trying")
                return
            }
            delays.append((low, high))
        }
        let expected: [Duration] = [50, 100, 200, 400, 800, 1600, 2000, 2000].map { .milliseconds($0) }
        for (delay, full) in zip(delays, expected) {
            #expect(delay.low >= full * 0.8 - .microseconds(1) && delay.low <= full * 0.8 + .microseconds(1), "the least jitter is 20% off")
            #expect(delay.high <= full && delay.high >= full - .microseconds(1), "no jitter: the doubled (or capped) delay")
        }
        #expect(machine.connecting == 1, "one attempt scheduled, not one per failure")
    }

    @Test func backoffJitterStaysWithinItsBounds() {
        let backoff = RedisReconnectBackoff(initial: .milliseconds(50), maximum: .seconds(2))
        for failures in [1, 2, 5, 6, 7, 40, Int.max] {
            let full = min(.milliseconds(50) * (1 << min(failures - 1, 16)), Duration.seconds(2))
            for jitter in [-1, 0, 0.25, 0.5, 1, 2] + (0..<50).map({ _ in Double.random(in: 0...1) }) {
                let delay = backoff.delay(afterFailures: failures, jitter: jitter)
                #expect(delay >= full * 0.8 - .microseconds(1) && delay <= full, "within 20% below the doubled (or capped) delay")
            }
        }
    }

    @Test func aNewConnectionTakesAPipelinesWorthOfWaitersWhileThePoolCanGrow() {
        var machine = makeMachine(maximum: 3, pipelineThreshold: 2)
        for waiter in 1...5 { _ = machine.wait(waiter, id: machine.makeWaiterID(), deadline: deadline, now: start, isCancelled: false) }
        guard case .use(_, let first, true) = machine.connected("a", progress: stallAfter100ms(), now: start),
            case .use(_, let second, true) = machine.connected("b", progress: stallAfter100ms(), now: start),
            case .use(_, let third, false) = machine.connected("c", progress: stallAfter100ms(), now: start)
        else {
            Issue.record("expected two growths, then the last connection taking the rest")
            return
        }
        #expect(first == [1, 2] && second == [3, 4] && third == [5])
    }

    @Test func aClosedConnectionIsReopenedBelowTheMinimum() {
        var machine = makeMachine(minimum: 1, maximum: 2, pipelineThreshold: 1)
        #expect(machine.reserveMissingMinimum() == 1)
        guard case .use(let a, _, _) = machine.connected("a", progress: stallAfter100ms(), now: start) else {
            Issue.record("expected a to be used")
            return
        }
        _ = machine.lease(now: start)
        #expect(machine.lease(now: start)?.startConnecting == true)
        guard case .use(let b, _, _) = machine.connected("b", progress: stallAfter100ms(), now: start) else {
            Issue.record("expected b to be used")
            return
        }
        #expect(machine.connectionClosed(slotID: b) == 0, "still at the minimum")
        #expect(machine.connectionClosed(slotID: a) == 1, "below the minimum")
        #expect(machine.openConnectionCount == 0 && machine.connecting == 1)
    }

    @Test func aClosedConnectionIsReplacedForCommandsWaitingBehindIt() {
        var machine = makeMachine(maximum: 1)
        let progress = stallAfter100ms()
        let a = openFirst("a", in: &machine, progress: progress)
        progress.startedWaiting(at: start)
        let later = start + .seconds(1)
        guard case .queued(startConnecting: false) = machine.wait(1, id: machine.makeWaiterID(), deadline: .distantFuture, now: later, isCancelled: false) else {
            Issue.record("expected the command to wait behind the stalled connection")
            return
        }
        #expect(machine.connectionClosed(slotID: a) == 1, "a waiter needs a connection")
    }

    @Test func aReplyServesWaitersEvenWhenTheRecoverySignalWasMissed() {
        // The pool judged the only connection stalled (a command in flight for a second) and queued a command; the
        // reply's handler, reading the clock a moment earlier, judged it not stalled and sent no recovery signal.
        // The command in flight completing must hand the connection to the waiter, or it waits for its deadline.
        var machine = makeMachine(maximum: 1)
        let progress = stallAfter100ms()
        let a = openFirst("a", in: &machine, progress: progress)
        guard machine.lease(now: start)?.slotID == a else {
            Issue.record("expected the idle connection to be leased")
            return
        }
        progress.startedWaiting(at: start)
        let later = start + .seconds(1)
        guard case .queued = machine.wait(7, id: machine.makeWaiterID(), deadline: .distantFuture, now: later, isCancelled: false) else {
            Issue.record("expected the command to wait behind the stalled connection")
            return
        }
        progress.replied(at: start + .milliseconds(50), stillWaiting: false)  // no recovery: 50 ms is not a stall
        let served = machine.release(slotID: a, now: later)
        #expect(served.leases.map(\.0) == [7], "the waiter got the connection that just answered")
        #expect(served.leases.first?.1.slotID == a)
    }

    // MARK: Upkeep and shutdown

    @Test func upkeepClosesIdleConnectionsBeyondTheMinimumAndChecksIdleOnes() {
        var machine = makeMachine(minimum: 2, maximum: 3, pipelineThreshold: 2, idleTimeout: .seconds(60), healthCheckInterval: .seconds(15))
        // Five commands open three connections (see above), then complete.
        for waiter in 1...5 { _ = machine.wait(waiter, id: machine.makeWaiterID(), deadline: deadline, now: start, isCancelled: false) }
        var slots: [Int] = []
        var served: [(slot: Int, count: Int)] = []
        for name in ["a", "b", "c"] {
            guard case .use(let slot, let waiters, _) = machine.connected(name, progress: stallAfter100ms(), now: start) else {
                Issue.record("expected \(name) to be used")
                return
            }
            slots.append(slot)
            served.append((slot, waiters.count))
        }
        // Completed once all three are open (a completion before would hand the still-queued commands to `a`).
        for (slot, count) in served { for _ in 0..<count { machine.release(slotID: slot, now: start) } }
        #expect(machine.lease(now: start)?.connection == "a", "a is busy from now on")
        let soon = machine.upkeep(now: start + .seconds(20))
        #expect(soon.close.isEmpty)
        #expect(Set(soon.healthCheck) == ["b", "c"], "idle past the health-check interval; a busy one is not pinged")
        let later = machine.upkeep(now: start + .seconds(90))
        #expect(later.close == ["b"], "idle ones close down to the minimum, busy ones stay")
        #expect(machine.openConnectionCount == 2)
        #expect(machine.inFlight(onSlot: slots[0]) == 1)
    }

    @Test func shutdownFailsWaitersHandsBackConnectionsAndRefusesEverythingAfterwards() {
        var machine = makeMachine(maximum: 2)
        let progress = stallAfter100ms()
        openFirst("a", in: &machine, progress: progress)
        progress.startedWaiting(at: start)
        // A command waits behind the stalled connection while a second one is being opened.
        guard case .queued(startConnecting: true) = machine.wait(1, id: machine.makeWaiterID(), deadline: deadline, now: start + .seconds(1), isCancelled: false) else {
            Issue.record("expected the command to wait for a new connection")
            return
        }
        let stopped = machine.shutdown()
        #expect(stopped.connections == ["a"])
        #expect(stopped.fail.waiters == [1])
        #expect(stopped.fail.error.kind == .shutDown)
        #expect(machine.lease(now: start) == nil)
        guard case .fail(let error) = machine.wait(2, id: machine.makeWaiterID(), deadline: deadline, now: start, isCancelled: false),
            case .close = machine.connected("late", progress: stallAfter100ms(), now: start)
        else {
            Issue.record("expected refusals after shutdown, and the attempt under way to be closed")
            return
        }
        #expect((error as? RedisError)?.kind == .shutDown)
        #expect(machine.reserveMissingMinimum() == 0)
    }
}
/// A connection's progress that counts as stalled after 100 ms without a reply.
func stallAfter100ms() -> RedisConnectionProgress {
    RedisConnectionProgress(stallThreshold: .milliseconds(100))
}
