import Synchronization
import Testing

@testable import VigilRuntime

/// The work queue with real tasks and a `ManualClock`: no test waits on wall
/// time; they yield until the queue reaches the state they need.
@Suite(.timeLimit(.minutes(1))) struct WorkQueueTests {
    /// Yields until `condition` holds (bounded, so a bug fails instead of hanging).
    static func yieldUntil(
        _ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        for _ in 0..<1_000_000 {
            if condition() { return }
            await Task.yield()
        }
        Issue.record("condition never held", sourceLocation: sourceLocation)
    }

    /// A mutex that tasks can share (a local `Mutex` cannot be captured).
    final class Locked<Value: Sendable>: Sendable {
        let mutex: Mutex<Value>
        init(_ value: Value) { mutex = Mutex(value) }
        func withLock<R: Sendable>(_ body: (inout sending Value) -> sending R) -> R { mutex.withLock(body) }
    }

    static func queue(_ clock: ManualClock, rateLimit: WorkQueueRateLimit = .controllerDefault) -> WorkQueue<String> {
        WorkQueue(name: "test", clock: clock, rateLimit: rateLimit)
    }

    @Test func addsCollapseWhileQueued() async {
        let q = Self.queue(ManualClock())
        q.add("ns/a")
        q.add("ns/b")
        q.add("ns/a")
        q.add("ns/a")
        #expect(q.count == 2)
        #expect(await q.get() == "ns/a")
        #expect(await q.get() == "ns/b")
        #expect(q.count == 0)
        #expect(q.processingCount == 2)
    }

    @Test func keyAddedDuringProcessingIsRequeuedAfterDone() async {
        let q = Self.queue(ManualClock())
        q.add("k")
        let k = await q.get()
        #expect(k == "k")
        q.add("k")
        q.add("k")
        #expect(q.count == 0)  // not handed out again while in flight
        q.done("k")
        #expect(q.count == 1)
        #expect(await q.get() == "k")
        q.done("k")
        #expect(q.count == 0 && q.processingCount == 0)
    }

    @Test func waitingWorkerGetsTheNextAdd() async {
        let q = Self.queue(ManualClock())
        let worker = Task { await q.get() }
        await Self.yieldUntil { q.waitingWorkerCount == 1 }
        q.add("k")
        #expect(await worker.value == "k")
        #expect(q.processingCount == 1)
    }

    @Test func cancelledWaitingWorkerGetsNil() async {
        let q = Self.queue(ManualClock())
        let worker = Task { await q.get() }
        await Self.yieldUntil { q.waitingWorkerCount == 1 }
        worker.cancel()
        #expect(await worker.value == nil)
        #expect(q.waitingWorkerCount == 0)
        q.add("k")
        #expect(q.count == 1)  // not lost to the cancelled worker
    }

    /// Many workers, few keys, many adds: record every processing interval and
    /// check no key is ever in two workers at once, and that every add is
    /// followed by a processing that started after it (nothing is lost).
    @Test func aKeyIsNeverProcessedByTwoWorkersAtOnce() async {
        struct Log {
            var seq = 0
            var inFlight: Set<String> = []
            var overlaps = 0
            var lastAdd: [String: Int] = [:]
            var lastStart: [String: Int] = [:]
            var processed = 0
        }
        let log = Locked(Log())
        let q = Self.queue(ManualClock())
        let keys = (0..<16).map { "ns-\($0 % 4)/obj-\($0)" }
        let workers = (0..<8).map { _ in
            Task {
                while let key = await q.get() {
                    log.withLock { l in
                        l.seq += 1
                        l.lastStart[key] = l.seq
                        if !l.inFlight.insert(key).inserted { l.overlaps += 1 }
                    }
                    for _ in 0..<Int.random(in: 0...3) { await Task.yield() }
                    log.withLock { l in
                        l.inFlight.remove(key)
                        l.processed += 1
                    }
                    q.done(key)
                }
            }
        }
        let producer = Task {
            for i in 0..<20_000 {
                let key = keys[Int.random(in: 0..<keys.count)]
                log.withLock { l in
                    l.seq += 1
                    l.lastAdd[key] = l.seq
                }
                q.add(key)
                if i % 8 == 0 { await Task.yield() }
            }
        }
        await producer.value
        await q.shutDownWithDrain()
        for w in workers { await w.value }
        let final = log.withLock { $0 }
        #expect(final.overlaps == 0)
        #expect(final.inFlight.isEmpty)
        #expect(final.processed > 0)
        for (key, added) in final.lastAdd {
            #expect((final.lastStart[key] ?? 0) > added, "\(key) was added after its last processing started")
        }
        #expect(q.processingCount == 0 && q.count == 0)
    }

    @Test func addAfterFiresInDeadlineOrderAsTheClockAdvances() async {
        let clock = ManualClock()
        let q = Self.queue(clock)
        q.addAfter("c", seconds: 3)
        q.addAfter("a", seconds: 1)
        q.addAfter("b", seconds: 2)
        #expect(q.delayedCount == 3 && q.count == 0)
        clock.advance(by: 0.5)
        #expect(q.count == 0)
        clock.advance(by: 0.5)
        #expect(await q.get() == "a")
        #expect(q.count == 0 && q.delayedCount == 2)
        clock.advance(by: 1)
        #expect(await q.get() == "b")
        clock.advance(by: 1)
        #expect(await q.get() == "c")
        #expect(q.delayedCount == 0)
    }

    @Test func addAfterTwiceKeepsTheEarlierTime() async {
        let clock = ManualClock()
        let q = Self.queue(clock)
        q.addAfter("k", seconds: 10)
        q.addAfter("k", seconds: 5)
        q.addAfter("k", seconds: 7)
        #expect(q.delayedCount == 1)
        clock.advance(by: 5)
        #expect(await q.get() == "k")
        q.done("k")
        clock.advance(by: 10)
        #expect(q.delayedCount == 0 && q.count == 0)
    }

    @Test func addAfterWithoutDelayAddsAtOnce() async {
        let q = Self.queue(ManualClock())
        q.addAfter("k", seconds: 0)
        q.addAfter("j", seconds: -1)
        #expect(q.count == 2 && q.delayedCount == 0)
    }

    @Test func anEarlierDelayRearmsTheTimer() async {
        let clock = ManualClock()
        let q = Self.queue(clock)
        q.addAfter("late", seconds: 100)
        await Self.yieldUntil { clock.sleeperCount == 1 }
        q.addAfter("soon", seconds: 1)
        clock.advance(by: 1)
        #expect(await q.get() == "soon")
        #expect(q.delayedCount == 1)
        await Self.yieldUntil { clock.sleeperCount == 1 }  // the old 100 s timer was cancelled
        clock.advance(by: 99)
        #expect(await q.get() == "late")
    }

    @Test func delayedKeyWakesAWaitingWorker() async {
        let clock = ManualClock()
        let q = Self.queue(clock)
        let worker = Task { await q.get() }
        await Self.yieldUntil { q.waitingWorkerCount == 1 }
        q.addAfter("k", seconds: 2)
        await Self.yieldUntil { clock.sleeperCount == 1 }
        clock.advance(by: 2)
        #expect(await worker.value == "k")
    }

    /// A clock whose timers never fire: only `get()` can promote due keys.
    final class TimerlessClock: RuntimeClock {
        let time = Mutex(0.0)
        func now() -> Double { time.withLock { $0 } }
        func sleep(until deadline: Double) async throws {
            while true { try await Task.sleep(for: .seconds(3600)) }
        }
    }

    /// Regression: a worker calling `get()` promotes a due key while another
    /// worker already waits. The key must reach the waiting worker; it was
    /// once taken off the queue ("processing") and handed to nobody, so the
    /// key was never reconciled and the waiting worker never woke (a
    /// controller stuck at 19 of 20 keys, and its drain waiting forever).
    @Test func aKeyPromotedByGetReachesTheWorkerAlreadyWaiting() async {
        let clock = TimerlessClock()
        let q = WorkQueue<String>(name: "test", clock: clock)
        let received = Locked<String?>(nil)
        let waiting = Task {
            let key = await q.get()
            received.withLock { $0 = key }
        }
        await Self.yieldUntil { q.waitingWorkerCount == 1 }
        q.addAfter("k", seconds: 1)
        clock.time.withLock { $0 = 2 }
        let latecomer = Task { await q.get() }
        // The key goes to the worker that waited first; the latecomer waits.
        await Self.yieldUntil { received.withLock { $0 } != nil }
        #expect(received.withLock { $0 } == "k")
        await Self.yieldUntil { q.waitingWorkerCount == 1 }
        #expect(q.processingCount == 1)
        q.done("k")
        q.shutDown()  // releases the latecomer (the bug lost the first worker for good: not awaited)
        #expect(await latecomer.value == nil)
        _ = waiting
        #expect(q.processingCount == 0)
    }

    @Test func rateLimitedRetriesBackOffExponentiallyUntilForgotten() async {
        let clock = ManualClock()
        let q = Self.queue(clock)
        for expected in [0.005, 0.01, 0.02, 0.04] {
            q.addRateLimited("k")
            clock.advance(by: expected * 0.9)
            #expect(q.count == 0)
            clock.advance(by: expected * 0.1 + 1e-9)
            #expect(await q.get() == "k")
            q.done("k")
        }
        #expect(q.numRequeues("k") == 4)
        q.forget("k")
        #expect(q.numRequeues("k") == 0)
        q.addRateLimited("k")
        clock.advance(by: 0.005 + 1e-9)
        #expect(await q.get() == "k")
    }

    @Test func tokenBucketLimitsRetriesAcrossKeys() async throws {
        let clock = ManualClock()
        let q = Self.queue(clock, rateLimit: try WorkQueueRateLimit(qps: 10, burst: 2))
        for i in 0..<5 { q.addRateLimited("k\(i)") }  // waits 5 ms, 5 ms, 0.1, 0.2, 0.3 s
        clock.advance(by: 0.005 + 1e-9)
        #expect(await q.get() == "k0")
        #expect(await q.get() == "k1")
        #expect(q.count == 0)
        for i in 2..<5 {
            clock.advance(by: 0.1)
            #expect(await q.get() == "k\(i)")
            #expect(q.count == 0)
        }
    }

    @Test func shutDownWakesIdleWorkersAndRefusesNewKeys() async {
        let q = Self.queue(ManualClock())
        let idle = Task { await q.get() }
        await Self.yieldUntil { q.waitingWorkerCount == 1 }
        q.shutDown()
        #expect(await idle.value == nil)
        #expect(q.isShuttingDown)
        q.add("late")
        q.addAfter("later", seconds: 1)
        q.addRateLimited("retry")
        #expect(q.count == 0 && q.delayedCount == 0)
        #expect(await q.get() == nil)
    }

    @Test func shutDownStillHandsOutReadyKeysThenNil() async {
        let clock = ManualClock()
        let q = Self.queue(clock)
        q.add("a")
        q.add("b")
        q.addAfter("delayed", seconds: 1)
        q.shutDown()
        #expect(q.delayedCount == 0)
        #expect(clock.sleeperCount == 0)
        #expect(await q.get() == "a")
        #expect(await q.get() == "b")
        #expect(await q.get() == nil)
    }

    @Test func shutDownWithDrainWaitsForInFlightKeys() async {
        let q = Self.queue(ManualClock())
        let returned = Locked(false)
        q.add("a")
        q.add("b")
        #expect(await q.get() == "a")
        let drain = Task {
            await q.shutDownWithDrain()
            returned.withLock { $0 = true }
        }
        await Self.yieldUntil { q.drainWaiterCount == 1 }
        q.add("c")  // refused
        #expect(returned.withLock { $0 } == false)
        q.done("a")
        #expect(returned.withLock { $0 } == false)  // "b" is still ready
        #expect(await q.get() == "b")
        #expect(returned.withLock { $0 } == false)
        q.done("b")
        await drain.value
        #expect(returned.withLock { $0 })
        #expect(await q.get() == nil)
    }

    @Test func shutDownWithDrainOnAnIdleQueueReturnsAtOnce() async {
        let q = Self.queue(ManualClock())
        let idle = Task { await q.get() }
        await Self.yieldUntil { q.waitingWorkerCount == 1 }
        await q.shutDownWithDrain()
        #expect(await idle.value == nil)
    }

    @Test func shutDownReleasesADrainingCaller() async {
        let q = Self.queue(ManualClock())
        q.add("stuck")
        _ = await q.get()
        let drain = Task { await q.shutDownWithDrain() }
        await Self.yieldUntil { q.drainWaiterCount == 1 }
        q.shutDown()
        await drain.value
        #expect(q.processingCount == 1)
    }

    @Test func memoryIsBoundedByDistinctKeys() async {
        let clock = ManualClock()
        let q = Self.queue(clock)
        for _ in 0..<1000 {
            for k in 0..<10 {
                q.add("k\(k)")
                q.addAfter("k\(k)", seconds: 5)
            }
        }
        #expect(q.count == 10)
        #expect(q.delayedCount == 10)
    }
}
