import Testing
import VigilRuntime

@Suite struct ManualClockTests {
    @Test func sleepersWakeWhenTimeIsAdvanced() async throws {
        let clock = ManualClock()
        let task = Task { try await clock.sleep(until: 5) }
        while clock.sleeperCount == 0 { await Task.yield() }
        clock.advance(by: 4)
        #expect(clock.sleeperCount == 1)
        clock.advance(by: 1)
        try await task.value
        #expect(clock.now() == 5)
    }

    @Test func cancellationWakesASleeper() async throws {
        let clock = ManualClock()
        let task = Task { try await clock.sleep(until: 100) }
        while clock.sleeperCount == 0 { await Task.yield() }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeperCount == 0)
    }
}

@Suite struct ManualClockCancellationTests {
    @Test func aTaskCancelledBeforeSleepingIsNotRegistered() async throws {
        let clock = ManualClock()
        let task = Task {
            while !Task.isCancelled { await Task.yield() }
            try await clock.sleep(until: 100)
        }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeperCount == 0)
    }
}
