/// Client-side rate limit: `qps` tokens a second, up to `burst` saved.
/// A value type with the time passed in, so it is tested without sleeping;
/// `RateLimiter` wraps it with a clock.
public struct TokenBucket: Sendable {
    public let qps: Double
    public let burst: Int
    private var tokens: Double
    private var last: Double

    public init(qps: Double, burst: Int, now: Double) {
        self.qps = qps
        self.burst = max(1, burst)
        self.tokens = Double(max(1, burst))
        self.last = now
    }

    /// Takes a token, returning how long the caller must wait first (0 if
    /// one was available). Tokens taken ahead of time are owed (negative).
    public mutating func reserve(now: Double) -> Double {
        if qps <= 0 { return 0 }  // unlimited
        tokens = min(Double(burst), tokens + (now - last) * qps)
        last = now
        tokens -= 1
        return tokens >= 0 ? 0 : -tokens / qps
    }
}

/// An async token bucket on a real clock: `acquire()` waits its turn.
public actor RateLimiter {
    private var bucket: TokenBucket
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    /// `qps <= 0` disables the limit.
    public init(qps: Double, burst: Int) {
        origin = clock.now
        bucket = TokenBucket(qps: qps, burst: burst, now: 0)
    }

    private func now() -> Double {
        let d = clock.now - origin
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    public func acquire() async throws {
        let wait = bucket.reserve(now: now())
        if wait > 0 { try await Task.sleep(for: .milliseconds(Int64((wait * 1000).rounded(.up)))) }
    }
}
