/// An overall rate limit shared by all keys: a bucket of `burst` tokens that
/// refills at `qps` tokens per second. Every reservation takes a token now,
/// going into debt if there is none, and says how long the caller must wait
/// for its token (golang.org/x/time/rate's `Reserve().Delay()`). A pure value
/// driven by the times it is given.
public struct TokenBucket: Sendable {
    public let qps: Double
    public let burst: Double
    private var tokens: Double
    private var last: Double?

    /// A full bucket. `qps` may be `.infinity` (no limit).
    public init(qps: Double, burst: Int) {
        self.qps = qps
        self.burst = Double(burst)
        self.tokens = Double(burst)
    }

    /// Takes one token at time `now` and returns the seconds until it is
    /// really available (0 when the bucket had one).
    public mutating func reserve(now: Double) -> Double {
        guard qps.isFinite else { return 0 }
        if let last {
            if now > last {
                tokens = min(burst, tokens + (now - last) * qps)
                self.last = now
            }
        } else {
            last = now
        }
        tokens -= 1
        return tokens >= 0 ? 0 : -tokens / qps
    }
}
