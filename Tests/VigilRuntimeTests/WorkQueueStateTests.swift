import Testing

@testable import VigilRuntime

/// The work queue's bookkeeping and its containers, without tasks or clocks.
@Suite struct WorkQueueStateTests {
    @Test func addsCollapseWhileQueued() {
        var s = WorkQueueState<String>(rateLimit: .controllerDefault)
        #expect(s.add("ns/a", now: 0) == .queued)
        #expect(s.add("ns/a", now: 1) == .collapsed)
        #expect(s.add("ns/b", now: 2) == .queued)
        #expect(s.depth == 2)
        let first = s.pop(now: 5)
        #expect(first?.key == "ns/a")
        #expect(first?.waited == 5)  // from the first add, not the collapsed one
        #expect(s.pop(now: 5)?.key == "ns/b")
        #expect(s.pop(now: 5) == nil)
    }

    @Test func addWhileProcessingRequeuesAtDone() {
        var s = WorkQueueState<String>(rateLimit: .controllerDefault)
        _ = s.add("k", now: 0)
        _ = s.pop(now: 1)
        #expect(s.add("k", now: 2) == .markedDirty)
        #expect(s.add("k", now: 3) == .collapsed)
        #expect(s.ready.isEmpty)  // never handed out twice at once
        #expect(s.done("k", now: 4) == .requeued(worked: 3))
        let again = s.pop(now: 6)
        #expect(again?.key == "k")
        #expect(again?.waited == 4)
        #expect(s.done("k", now: 7) == .finished(worked: 1))
        #expect(s.done("k", now: 8) == .notProcessing)
        #expect(s.isDrained)
    }

    @Test func delayedKeysPromoteInTimeOrderAndKeepTheEarlierTime() {
        var s = WorkQueueState<String>(rateLimit: .controllerDefault)
        _ = s.addAfter("c", readyAt: 3, now: 0)
        _ = s.addAfter("a", readyAt: 1, now: 0)
        _ = s.addAfter("b", readyAt: 2, now: 0)
        _ = s.addAfter("c", readyAt: 10, now: 0)  // later: ignored
        _ = s.addAfter("b", readyAt: 0.5, now: 0)  // earlier: moves up
        #expect(s.delayed.count == 3)
        #expect(s.promoteDue(now: 0.4) == (0, 0))
        #expect(s.promoteDue(now: 1) == (2, 2))
        #expect(s.pop(now: 1)?.key == "b")
        #expect(s.pop(now: 1)?.key == "a")
        #expect(s.promoteDue(now: 3) == (1, 1))
        #expect(s.pop(now: 3)?.key == "c")
        #expect(s.delayed.isEmpty)
    }

    @Test func addAfterWithNoDelayAddsAtOnce() {
        var s = WorkQueueState<String>(rateLimit: .controllerDefault)
        let r = s.addAfter("k", readyAt: 5, now: 5)
        #expect(r?.delayed == false)
        #expect(r?.added == .queued)
        #expect(s.ready.count == 1)
    }

    @Test func shutDownRefusesKeysAndDropsDelayedOnes() {
        var s = WorkQueueState<String>(rateLimit: .controllerDefault)
        _ = s.add("ready", now: 0)
        _ = s.addAfter("later", readyAt: 5, now: 0)
        s.shutDown()
        #expect(s.add("new", now: 1) == .ignored)
        #expect(s.addAfter("new", readyAt: 2, now: 1) == nil)
        #expect(s.delayed.isEmpty)
        #expect(s.pop(now: 1)?.key == "ready")
    }

    @Test func unfinishedWorkSumsAndFindsTheLongest() {
        var s = WorkQueueState<String>(rateLimit: .controllerDefault)
        _ = s.add("a", now: 0)
        _ = s.add("b", now: 0)
        _ = s.pop(now: 1)
        _ = s.pop(now: 4)
        let w = s.unfinishedWork(now: 10)
        #expect(w.total == 15)
        #expect(w.longest == 9)
    }

    @Test func delayHeapOrdersTiesByFirstInsertion() {
        var h = DelayHeap<Int>()
        for k in [5, 3, 9, 1] { h.insert(k, readyAt: 7) }
        h.insert(0, readyAt: 6)
        var order: [Int] = []
        while let k = h.popDue(now: 7) { order.append(k) }
        #expect(order == [0, 5, 3, 9, 1])
    }

    @Test func delayHeapStaysOrderedUnderRandomUse() {
        var h = DelayHeap<Int>()
        var times: [Int: Double] = [:]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let k = Int.random(in: 0..<300, using: &rng)
            let t = Double.random(in: 0..<100, using: &rng)
            h.insert(k, readyAt: t)
            times[k] = min(times[k] ?? .infinity, t)
        }
        #expect(h.count == times.count)
        var last = -1.0
        var seen = 0
        while let k = h.popDue(now: 100) {
            #expect(times[k]! >= last)
            last = times[k]!
            seen += 1
        }
        #expect(seen == times.count)
    }

    @Test func ringBufferKeepsFIFOAcrossGrowthAndWrap() {
        var r = RingBuffer<Int>()
        var expected: [Int] = []
        var next = 0
        for round in 0..<50 {
            for _ in 0..<(round % 7 + 3) {
                r.append(next)
                expected.append(next)
                next += 1
            }
            for _ in 0..<(round % 5 + 1) {
                #expect(r.popFirst() == (expected.isEmpty ? nil : expected.removeFirst()))
            }
        }
        #expect(r.count == expected.count)
        #expect(r.removeFirst(where: { $0 == expected[3] }) == expected[3])
        expected.remove(at: 3)
        #expect(r.removeAll() == expected)
        #expect(r.isEmpty)
    }
}
