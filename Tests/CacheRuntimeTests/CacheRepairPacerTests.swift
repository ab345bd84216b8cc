import Testing

@testable import CacheRuntime

/// The repair loop's waits: a backoff that doubles to its cap, cut short by a wake, never shorter than the spacing.
/// Bounds are loose (a loaded machine stretches sleeps); each case is built so that the outcome it checks is seconds
/// away from the other.
@Suite struct CacheRepairPacerTests {
    let clock = ContinuousClock()

    @Test func aWakeEndsAWaitLongBeforeItsBackoff() async {
        let pacer = CacheRepairPacer(backoff: .init(initial: .seconds(60), maximum: .seconds(60)), minimumSpacing: .milliseconds(10))
        let start = clock.now
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await pacer.failed() }
            // Woken again and again: a wake that came before the wait began must not be lost.
            group.addTask {
                while !Task.isCancelled {
                    pacer.wake()
                    try? await Task.sleep(for: .milliseconds(20))
                }
            }
            await group.next()
            group.cancelAll()
        }
        #expect(clock.now - start < .seconds(30), "a wake ended the 60 s backoff")
    }

    @Test func withoutAWakeTheBackoffIsWaitedAndDoubles() async {
        let pacer = CacheRepairPacer(backoff: .init(initial: .milliseconds(200), maximum: .milliseconds(400)), minimumSpacing: .milliseconds(10))
        var waits: [Duration] = []
        for _ in 0..<3 {
            let start = clock.now
            await pacer.failed()
            waits.append(clock.now - start)
        }
        #expect(waits[0] >= .milliseconds(200))
        #expect(waits[1] >= .milliseconds(400))
        #expect(waits[2] >= .milliseconds(400), "capped, and still waited")
        pacer.succeeded()
        let start = clock.now
        await pacer.failed()
        #expect(clock.now - start >= .milliseconds(200), "a success starts again from the initial backoff")
    }

    @Test func aWakeBeforeAFailureDoesNotShortenTheWaitAfterIt() async {
        let pacer = CacheRepairPacer(backoff: .init(initial: .milliseconds(500), maximum: .milliseconds(500)), minimumSpacing: .milliseconds(10))
        pacer.wake()
        let start = clock.now
        await pacer.failed()
        #expect(clock.now - start >= .milliseconds(500), "the wake was about an earlier moment than the failure")
    }

    @Test func aWakeNeverShortensAWaitBelowTheSpacing() async {
        let pacer = CacheRepairPacer(backoff: .init(initial: .seconds(60), maximum: .seconds(60)), minimumSpacing: .milliseconds(300))
        let start = clock.now
        async let waited: Void = pacer.failed()
        for _ in 0..<5 {
            pacer.wake()
            try? await Task.sleep(for: .milliseconds(20))
        }
        await waited
        #expect(clock.now - start >= .milliseconds(300))
    }
}
