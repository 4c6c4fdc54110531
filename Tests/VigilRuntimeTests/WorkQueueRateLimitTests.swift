import Testing

@testable import VigilRuntime

/// Per-key exponential backoff, the overall token bucket, and their maximum.
@Suite struct WorkQueueRateLimitTests {
    @Test func backoffDoublesFrom5msAndCapsAt1000s() {
        var b = ItemExponentialBackoff<String>(baseDelay: 0.005, maxDelay: 1000)
        let delays = (0..<20).map { _ in b.nextDelay(for: "k") }
        let expected = (0..<20).map { min(0.005 * Double(1 << $0), 1000) }
        #expect(delays == expected)
        #expect(Array(delays.prefix(4)) == [0.005, 0.01, 0.02, 0.04])
        #expect(delays[17] == 655.36)
        #expect(delays[18] == 1000)
        for _ in 0..<2000 { _ = b.nextDelay(for: "k") }  // no overflow past 2^1023
        #expect(b.nextDelay(for: "k") == 1000)
        #expect(b.failures(of: "k") == 2021)
        #expect(b.nextDelay(for: "other") == 0.005)  // per key
    }

    @Test func forgetResetsAKeysBackoff() {
        var b = ItemExponentialBackoff<String>(baseDelay: 0.005, maxDelay: 1000)
        _ = b.nextDelay(for: "k")
        _ = b.nextDelay(for: "k")
        #expect(b.failures(of: "k") == 2)
        b.forget("k")
        #expect(b.failures(of: "k") == 0)
        #expect(b.trackedKeyCount == 0)
        #expect(b.nextDelay(for: "k") == 0.005)
    }

    @Test func retryDelayIsTheLargerOfBackoffAndBucket() throws {
        var s = WorkQueueState<String>(rateLimit: try WorkQueueRateLimit(qps: 10, burst: 2))
        // Distinct keys: backoff 5 ms each; the bucket runs dry after 2.
        let delays = ["a", "b", "c", "d"].map { s.retryDelay(for: $0, now: 0) }
        #expect(delays[0] == 0.005 && delays[1] == 0.005)
        #expect(abs(delays[2] - 0.1) < 1e-9 && abs(delays[3] - 0.2) < 1e-9)
        // One key failing repeatedly, bucket refilled: backoff dominates.
        var t = WorkQueueState<String>(rateLimit: .controllerDefault)
        let one = (0..<5).map { _ in t.retryDelay(for: "k", now: 0) }
        #expect(one == [0.005, 0.01, 0.02, 0.04, 0.08])
        #expect(t.numRequeues("k") == 5)
        t.forget("k")
        #expect(t.numRequeues("k") == 0)
    }

    @Test func defaultMatchesClientGo() throws {
        let d = WorkQueueRateLimit.controllerDefault
        #expect(d == (try WorkQueueRateLimit()))
        #expect(d.baseDelay == 0.005 && d.maxDelay == 1000 && d.qps == 10 && d.burst == 100)
    }

    @Test func invalidLimitsNameTheFieldAndWhatIsValid() {
        #expect(throws: WorkQueueRateLimitError(field: "qps", value: "0.0", valid: "a number > 0, or .infinity for no overall limit")) {
            try WorkQueueRateLimit(qps: 0)
        }
        #expect(throws: WorkQueueRateLimitError.self) { try WorkQueueRateLimit(burst: 0) }
        #expect(throws: WorkQueueRateLimitError.self) { try WorkQueueRateLimit(baseDelay: -1) }
        do {
            _ = try WorkQueueRateLimit(baseDelay: 2, maxDelay: 1)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "work queue rate limit: maxDelay = 1.0 is invalid; it must be a finite number of seconds >= baseDelay (2.0)")
        }
    }
}
