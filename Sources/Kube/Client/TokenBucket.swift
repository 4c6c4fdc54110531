/// A rate limit as a pure value: a bucket of `burst` tokens that refills at
/// `qps` tokens a second. Every reservation takes a token now, going into
/// debt if there is none, and says how long the caller must wait for it
/// (golang.org/x/time/rate's `Reserve().Delay()`). Driven by the times it is
/// given, so it is tested without sleeping. Used by the client's request
/// limit (`RateLimiter`) and the work queue's retry limit.
///
/// "No limit" has one spelling: `qps` is `.infinity` (`TokenBucket.unlimited`).
public struct TokenBucket: Sendable {
    /// Tokens a second; `.infinity` for no limit.
    public let qps: Double
    public let burst: Int
    private var tokens: Double
    private var last: Double?

    /// A full bucket. `qps` must be > 0 (`.infinity`: no limit); `burst` is at least 1.
    public init(qps: Double, burst: Int) {
        precondition(qps > 0, "TokenBucket qps must be > 0 (.infinity for no limit), got \(qps)")
        self.qps = qps
        self.burst = max(1, burst)
        self.tokens = Double(max(1, burst))
    }

    /// A bucket that never makes anyone wait.
    public static let unlimited = TokenBucket(qps: .infinity, burst: 1)

    public var isUnlimited: Bool { qps == .infinity }

    /// Takes one token at time `now` (seconds on any monotonic scale) and
    /// returns the seconds until it is really available (0 when the bucket
    /// had one). A `now` earlier than the last one refills nothing.
    public mutating func reserve(now: Double) -> Double {
        if isUnlimited { return 0 }
        if let last {
            if now > last {
                tokens = min(Double(burst), tokens + (now - last) * qps)
                self.last = now
            }
        } else {
            last = now
        }
        tokens -= 1
        return tokens >= 0 ? 0 : -tokens / qps
    }

    /// Takes a token at `now` only if one is there: nil when taken, else
    /// the seconds until one will be (nothing taken, no debt).
    public mutating func take(now: Double) -> Double? {
        var trial = self
        let wait = trial.reserve(now: now)
        if wait == 0 {
            self = trial
            return nil
        }
        return wait
    }
}

/// An async token bucket on a real clock: `acquire()` waits its turn.
public actor RateLimiter {
    private var bucket: TokenBucket
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    /// `qps <= 0` or `.infinity` disables the limit (as client-go treats a
    /// QPS of 0 or less: no rate limiter).
    public init(qps: Double, burst: Int) {
        origin = clock.now
        bucket = qps > 0 ? TokenBucket(qps: qps, burst: burst) : .unlimited
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
