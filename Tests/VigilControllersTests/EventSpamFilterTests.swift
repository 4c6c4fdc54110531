import Foundation
import Testing

@testable import VigilControllers

/// client-go's source+object spam filter, per object and reason: 25 at once, then one per 5 minutes.
@Suite struct EventSpamFilterTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aBurstOf25ThenOnePerRefillInterval() {
        let f = EventSpamFilter()
        let allowed = (0..<40).filter { i in f.allow(uid: "u1", reason: "CheckFailed", now: t0.addingTimeInterval(Double(i))) }
        #expect(allowed.count == 25)
        #expect(allowed == Array(0..<25))
        // 299 s after the burst started: still less than one token regained since the last one was taken.
        #expect(!f.allow(uid: "u1", reason: "CheckFailed", now: t0.addingTimeInterval(299)))
        #expect(f.allow(uid: "u1", reason: "CheckFailed", now: t0.addingTimeInterval(24 + 300)))
        #expect(!f.allow(uid: "u1", reason: "CheckFailed", now: t0.addingTimeInterval(24 + 301)))
        // A long quiet spell refills the bucket to the burst, no further.
        let later = t0.addingTimeInterval(24 * 3600)
        #expect((0..<30).filter { _ in f.allow(uid: "u1", reason: "CheckFailed", now: later) }.count == 25)
    }

    @Test func anotherReasonOrObjectHasItsOwnBucket() {
        let f = EventSpamFilter(burst: 2, refillInterval: 60)
        #expect(f.allow(uid: "u1", reason: "CheckFailed", now: t0))
        #expect(f.allow(uid: "u1", reason: "CheckFailed", now: t0))
        #expect(!f.allow(uid: "u1", reason: "CheckFailed", now: t0))
        #expect(f.allow(uid: "u1", reason: "RemedySucceeded", now: t0), "a burst of one reason never hides another")
        #expect(f.allow(uid: "u2", reason: "CheckFailed", now: t0))
    }

    @Test func fullBucketsArePrunedSoMemoryStaysBounded() {
        let f = EventSpamFilter(burst: 2, refillInterval: 10, pruneAbove: 100)
        for i in 0..<100 { _ = f.allow(uid: "u\(i)", reason: "R", now: t0) }
        #expect(f.count == 100)
        // 20 s later every old bucket is full again: the 101st key prunes them all but itself.
        _ = f.allow(uid: "new", reason: "R", now: t0.addingTimeInterval(20))
        #expect(f.count == 1)
        // A bucket still short of tokens is kept (it still limits its object).
        _ = f.allow(uid: "busy", reason: "R", now: t0.addingTimeInterval(20))
        _ = f.allow(uid: "busy", reason: "R", now: t0.addingTimeInterval(20))
        for i in 0..<100 { _ = f.allow(uid: "v\(i)", reason: "R", now: t0.addingTimeInterval(21)) }
        #expect(!f.allow(uid: "busy", reason: "R", now: t0.addingTimeInterval(21)))
    }
}
