import NIOCore
import NIOSSL
import Testing

@testable import CacheSchemaRedis

/// The connection's protocol decisions, event by event, without a channel: waiters are numbers and time is whatever
/// the test says.
@Suite struct RedisChannelStateMachineTests {
    typealias Machine = RedisChannelStateMachine<Int>

    let now = NIODeadline.uptimeNanoseconds(1_000_000_000)

    func delivered(_ action: Machine.ReplyAction) -> Int? {
        if case .deliver(let waiter) = action { return waiter }
        return nil
    }

    func isDropped(_ action: Machine.ReplyAction) -> Bool {
        if case .drop = action { return true }
        return false
    }

    @Test func repliesAnswerCommandsInOrderAndABatchAnswersOnce() {
        var machine = Machine(address: "test:6379", expectsTLS: false)
        machine.written(1, id: 1, deadline: now)
        machine.written(2, id: 2, deadline: now)
        machine.written(3, id: 3, deadline: now, count: 2)
        #expect(machine.inFlight == 4)
        #expect([machine.replyReceived(), machine.replyReceived(), machine.replyReceived(), machine.replyReceived()].map(delivered) == [1, 2, 3, 3])
        #expect(machine.inFlight == 0)
    }

    @Test func aReplyNoCommandWaitsForClosesTheConnectionAndLaterWritesFail() {
        var machine = Machine(address: "test:6379", expectsTLS: false)
        guard case .close(let failure) = machine.replyReceived() else {
            Issue.record("expected an unsolicited reply to close the connection")
            return
        }
        #expect(failure.error.kind == .protocolError && failure.waiters.isEmpty)
        guard case .fail(let error) = machine.startWriting(canWrite: true) else {
            Issue.record("expected writes to a broken connection to fail")
            return
        }
        #expect(error.kind == .protocolError, "the first error stays")
    }

    @Test func writesStartWaitingOnceAndFailWhenTheChannelCannotWrite() {
        var machine = Machine(address: "test:6379", expectsTLS: false)
        guard case .write(startedWaiting: true) = machine.startWriting(canWrite: true) else {
            Issue.record("expected the first write to start the wait")
            return
        }
        machine.written(1, id: 1, deadline: now)
        guard case .write(startedWaiting: false) = machine.startWriting(canWrite: true),
            case .fail(let error) = machine.startWriting(canWrite: false)
        else {
            Issue.record("expected a second write to keep waiting, and a write to an inactive channel to fail")
            return
        }
        #expect(error.kind == .connectionClosed)
    }

    @Test func theDeadlineTimerIsArmedOnceAndStopsWhenNothingIsInFlight() {
        var machine = Machine(address: "test:6379", expectsTLS: false)
        let armedWhenIdle = machine.flushed()
        #expect(!armedWhenIdle, "nothing in flight, no timer")
        machine.written(1, id: 1, deadline: now + .seconds(5))
        let armed = machine.flushed()
        #expect(armed)
        machine.written(2, id: 2, deadline: now + .seconds(5))
        let armedAgain = machine.flushed()
        #expect(!armedAgain, "already armed")
        guard case .rearm = machine.deadlineTimerFired(now: now).next else {
            Issue.record("expected the timer to run again while commands are in flight")
            return
        }
        #expect(machine.isTimerArmed)
        _ = machine.replyReceived()
        _ = machine.replyReceived()
        guard case .idle = machine.deadlineTimerFired(now: now).next else {
            Issue.record("expected the timer to stop with nothing in flight")
            return
        }
        #expect(!machine.isTimerArmed)
    }

    @Test func anOverdueCommandFailsAloneAndItsLateReplyIsDropped() {
        var machine = Machine(address: "test:6379", expectsTLS: false)
        machine.written(1, id: 1, deadline: now + .milliseconds(250))
        machine.written(2, id: 2, deadline: now + .seconds(1))
        let action = machine.deadlineTimerFired(now: now + .milliseconds(300))
        #expect(action.timedOut == [1], "only the oldest command's deadline passed")
        #expect(machine.timeoutError.kind == .timeout)
        guard case .rearm = action.next else {
            Issue.record("expected the connection to stay open: a command still waits")
            return
        }
        #expect(machine.inFlight == 2, "the timed-out command keeps its place")
        #expect(isDropped(machine.replyReceived()))
        #expect(delivered(machine.replyReceived()) == 2)
    }

    @Test func whenEveryCommandIsOverdueTheConnectionCloses() {
        var machine = Machine(address: "test:6379", expectsTLS: false)
        machine.written(1, id: 1, deadline: now)
        machine.written(2, id: 2, deadline: now + .milliseconds(10))
        let action = machine.deadlineTimerFired(now: now + .seconds(1))
        #expect(action.timedOut == [1, 2])
        guard case .close(let failure) = action.next else {
            Issue.record("expected the connection to close")
            return
        }
        #expect(failure.error.kind == .connectionClosed && failure.waiters.isEmpty)
        #expect(machine.inFlight == 0 && !machine.isTimerArmed)
    }

    @Test func aConnectionClosingMidCommandFailsExactlyItsPendingCommands() {
        var machine = Machine(address: "test:6379", expectsTLS: false)
        machine.written(1, id: 1, deadline: now + .seconds(5))
        machine.written(2, id: 2, deadline: now + .seconds(5))
        machine.written(3, id: 3, deadline: now + .seconds(5))
        machine.written(4, id: 4, deadline: now + .seconds(5))
        #expect(delivered(machine.replyReceived()) == 1)
        #expect(machine.abandon(id: 3) == 3)
        let failure = machine.channelInactive()
        #expect(failure.waiters == [2, 4], "not the answered one, not the cancelled one")
        #expect(failure.error.kind == .connectionClosed)
        #expect(failure.error.message.contains("3 command(s) in flight"))
        #expect(machine.inFlight == 0)
        #expect(machine.handlerRemoved().waiters.isEmpty, "each command fails once")
    }

    @Test func abandoningABatchDropsAllOfItsRepliesOnce() {
        var machine = Machine(address: "test:6379", expectsTLS: false)
        machine.written(5, id: 5, deadline: now + .seconds(5), count: 3)
        machine.written(6, id: 6, deadline: now + .seconds(5))
        #expect(delivered(machine.replyReceived()) == 5)
        #expect(machine.abandon(id: 5) == 5)
        #expect(machine.abandon(id: 5) == nil, "already abandoned")
        #expect(machine.abandon(id: 42) == nil, "unknown or completed")
        #expect(isDropped(machine.replyReceived()))
        #expect(isDropped(machine.replyReceived()))
        #expect(delivered(machine.replyReceived()) == 6, "the next command still gets its own reply")
    }

    @Test func undecodableBytesFailEverythingWithAProtocolError() {
        var machine = Machine(address: "test:6379", expectsTLS: false)
        machine.written(1, id: 1, deadline: now + .seconds(5))
        let failure = machine.decodingFailed("invalid type byte")
        #expect(failure.waiters == [1] && failure.error.kind == .protocolError)
        #expect(machine.failure?.kind == .protocolError)
    }

    // MARK: TLS classification

    @Test func aTLSConnectionThatClosesBeforeItsHandshakeFailedTLS() {
        var machine = Machine(address: "test:6379", expectsTLS: true)
        machine.written(1, id: 1, deadline: now + .seconds(5))
        let failure = machine.channelInactive()
        #expect(failure.waiters == [1] && failure.error.kind == .tls)
    }

    @Test func aTLSConnectionThatClosesAfterItsHandshakeIsClosed() {
        var machine = Machine(address: "test:6379", expectsTLS: true)
        machine.tlsHandshakeCompleted()
        machine.written(1, id: 1, deadline: now + .seconds(5))
        #expect(machine.channelInactive().error.kind == .connectionClosed)
        var plain = Machine(address: "test:6379", expectsTLS: false)
        #expect(plain.channelInactive().error.kind == .connectionClosed, "no handshake expected, none missing")
    }

    @Test func pipelineErrorsAreClassified() {
        var tls = Machine(address: "test:6379", expectsTLS: true)
        #expect(tls.errorCaught(NIOSSLError.handshakeFailed(.sslError([]))).error.kind == .tls)
        var io = Machine(address: "test:6379", expectsTLS: false)
        #expect(io.errorCaught(ChannelError.ioOnClosedChannel).error.kind == .connectionClosed)
        var own = Machine(address: "test:6379", expectsTLS: false)
        #expect(own.errorCaught(RedisError(.protocolError, "bad", address: "test:6379")).error.kind == .protocolError, "a RedisError as it is")
    }
}
