import RaceHarness
import Testing

/// The checker, on hand-made logs: it must find a stale read exactly when one started after a newer write completed.
@Suite struct RaceCheckerTests {
    private func write(_ record: Int, version: UInt64, end: UInt64, completed: Bool = true) -> RaceEvent {
        .write(record: record, kind: .writeThrough, start: end - 5, end: end, version: version, completed: completed)
    }

    private func read(_ record: Int, version: UInt64, start: UInt64, source: String = "hit") -> RaceEvent {
        .read(record: record, start: start, end: start + 5, version: version, source: source)
    }

    @Test func aReadOfTheLatestCompletedVersionIsNoViolation() {
        let report = RaceChecker.check([write(1, version: 1, end: 100), write(1, version: 2, end: 200), read(1, version: 2, start: 300)])
        #expect(report.violations.isEmpty)
        #expect(report.reads == 1 && report.writes == 2)
    }

    @Test func aReadThatStartedAfterANewerWriteCompletedIsAViolation() throws {
        let report = RaceChecker.check([write(1, version: 1, end: 100), write(1, version: 2, end: 200), read(1, version: 1, start: 300, source: "miss")])
        #expect(report.violations.count == 1)
        let violation = try #require(report.violations.first)
        #expect(violation.record == 1 && violation.readVersion == 1 && violation.completedVersion == 2 && violation.completedAt == 200)
        #expect(violation.readSource == "miss")
    }

    @Test func aReadThatOverlapsTheWriteMayReturnEitherVersion() {
        // Started before the write completed (at 200): the older version is allowed.
        let report = RaceChecker.check([write(1, version: 1, end: 100), write(1, version: 2, end: 200), read(1, version: 1, start: 199)])
        #expect(report.violations.isEmpty)
    }

    @Test func recordsAreCheckedApart() {
        let report = RaceChecker.check([write(1, version: 5, end: 100), read(2, version: 1, start: 300), write(2, version: 1, end: 50)])
        #expect(report.violations.isEmpty)
    }

    @Test func aWriteWhoseCacheCallFailedIsNotCompleted() {
        let report = RaceChecker.check([write(1, version: 1, end: 100), write(1, version: 2, end: 200, completed: false), read(1, version: 1, start: 300)])
        #expect(report.violations.isEmpty)
        #expect(report.failedWrites == 1)
    }

    @Test func theNewestVersionCountsWhateverOrderWritesCompletedIn() {
        // Version 3 completed before version 2 (its cache call was faster); a read after both must return 3.
        let report = RaceChecker.check([write(1, version: 3, end: 100), write(1, version: 2, end: 150), read(1, version: 2, start: 300)])
        #expect(report.violations.map(\.completedVersion) == [3])
    }

    // MARK: Near cache: another process may be late by the push window, the writing process never

    @Test func anotherProcessMayReadTheOlderVersionWithinThePushWindow() {
        let writer = [write(1, version: 1, end: 100), write(1, version: 2, end: 1_000)]
        let report = RaceChecker.check(processes: [writer, [read(1, version: 1, start: 1_400)]], pushWindow: 500)
        #expect(report.violations.isEmpty)
        #expect(report.lateReads == 1 && report.longestLag == 400)
    }

    @Test func anotherProcessPastThePushWindowIsAViolation() {
        let writer = [write(1, version: 1, end: 100), write(1, version: 2, end: 1_000)]
        let report = RaceChecker.check(processes: [writer, [read(1, version: 1, start: 1_600)]], pushWindow: 500)
        #expect(report.violations.map(\.completedVersion) == [2])
    }

    @Test func theWritingProcessHasNoPushWindow() {
        let report = RaceChecker.check(
            processes: [[write(1, version: 1, end: 100), write(1, version: 2, end: 1_000), read(1, version: 1, start: 1_001)]], pushWindow: 500)
        #expect(report.violations.map(\.completedVersion) == [2])
    }

    @Test func anOlderWriteOfAnotherProcessStillBindsPastTheWindow() {
        // Process 0 wrote 2 long ago and 3 just now; process 1's read must have at least 2.
        let writer = [write(1, version: 2, end: 100), write(1, version: 3, end: 10_000)]
        let report = RaceChecker.check(processes: [writer, [read(1, version: 1, start: 10_100)]], pushWindow: 500)
        #expect(report.violations.map(\.completedVersion) == [2])
    }

    @Test func eventsSurviveTheirLogLine() {
        let events: [RaceEvent] = [
            read(3, version: 7, start: 1_000, source: "bypass"),
            .write(record: 4, kind: .deleteThrough, start: 10, end: 20, version: 9, completed: false),
            .write(record: 4, kind: .invalidate, start: 30, end: 40, version: 10, completed: true),
        ]
        #expect(events.map { RaceEvent(line: Substring($0.line)) } == events)
        #expect(RaceEvent(line: "X\t1\t2\t3\t4\t5") == nil)
        #expect(RaceEvent(line: "W\t1\t2\t3\t4\tunknown-kind\tok") == nil)
    }
}

@Suite struct BypassBurstTests {
    private func bypass(_ start: UInt64, _ end: UInt64) -> RaceEvent {
        .read(record: 0, start: start, end: end, version: 1, source: "bypass")
    }

    @Test func bypassesDuringADisturbanceAndItsSettlingTimeAreItsBurst() {
        let events = [
            bypass(100, 110), bypass(150, 260), bypass(290, 300),
            .read(record: 0, start: 10, end: 20, version: 1, source: "hit"),
            .read(record: 0, start: 400, end: 410, version: 1, source: "miss"),
        ]
        let burst = BypassBurst.measure(events, disturbance: 100...200, settle: 100)
        #expect(burst == BypassBurst(count: 3, outside: 0, span: 200))
    }

    @Test func bypassesBeforeOrLongAfterTheDisturbanceAreOutside() {
        let events = [bypass(90, 120), bypass(150, 160), bypass(250, 301)]
        let burst = BypassBurst.measure(events, disturbance: 100...200, settle: 100)
        #expect(burst.count == 3)
        #expect(burst.outside == 2)
        #expect(burst.span == 211)
    }

    @Test func withoutADisturbanceEveryBypassIsOutside() {
        #expect(BypassBurst.measure([bypass(1, 2), bypass(5, 9)], disturbance: nil, settle: 1_000) == BypassBurst(count: 2, outside: 2, span: 8))
        #expect(BypassBurst.measure([], disturbance: nil, settle: 0) == BypassBurst())
    }
}

@Suite struct StampedeRoundTests {
    @Test func aRoundCountsItsLoadsErrorsAndTheWaitOfOtherProcessesCallers() {
        let events: [StampedeEvent] = [
            .load(round: 0, process: 1, start: 100, end: 300),
            .call(round: 0, process: 1, start: 90, end: 310, source: "miss"),  // the holder's own caller: not a waiter
            .call(round: 0, process: 2, start: 95, end: 340, source: "hit"),  // waited: answered 40 after the load
            .call(round: 0, process: 3, start: 120, end: 300, source: "hit"),  // answered as the load ended
            .call(round: 0, process: 3, start: 400, end: 410, source: "hit"),  // came after the load: a plain hit
            .errors(round: 0, process: 2, count: 0),
            .load(round: 1, process: 0, start: 1_000, end: 1_200), .load(round: 1, process: 2, start: 1_050, end: 1_250),
            .errors(round: 1, process: 2, count: 1),
        ]
        let rounds = StampedeRound.rounds(events.flatMap { StampedeEvent(line: $0.line[...]).map { [$0] } ?? [] })
        #expect(rounds.map(\.round) == [0, 1])
        #expect(rounds[0].loads == 1)
        #expect(rounds[0].calls == 4)
        #expect(rounds[0].errors == 0)
        #expect(rounds[0].firstLoadStart == 100)
        #expect(rounds[0].addedLatencies.sorted() == [0, 40])
        #expect(rounds[1].loads == 2)
        #expect(rounds[1].errors == 1)
        #expect(rounds[1].firstLoadStart == 1_000)
    }
}
