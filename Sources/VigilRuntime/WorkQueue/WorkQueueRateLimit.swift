/// How fast a work queue lets failed keys come back (`addRateLimited`): the
/// larger of a per-key exponential backoff (`baseDelay` doubling per failure
/// up to `maxDelay`) and an overall token bucket (`qps`, `burst`). The
/// default matches client-go's `DefaultControllerRateLimiter`: 5 ms … 1000 s,
/// 10 qps, burst 100.
public struct WorkQueueRateLimit: Sendable, Equatable {
    /// Seconds the first retry of a key waits.
    public let baseDelay: Double
    /// The most seconds any one retry waits.
    public let maxDelay: Double
    /// Retries per second allowed across all keys (`.infinity`: unlimited).
    public let qps: Double
    /// Retries allowed at once before `qps` applies.
    public let burst: Int

    /// client-go's default controller rate limit: 5 ms … 1000 s, 10 qps, burst 100.
    public static let controllerDefault = WorkQueueRateLimit(
        uncheckedBaseDelay: 0.005, maxDelay: 1000, qps: 10, burst: 100)

    /// Validates every field; throws `WorkQueueRateLimitError` naming the
    /// first field that is out of range.
    public init(baseDelay: Double = 0.005, maxDelay: Double = 1000, qps: Double = 10, burst: Int = 100) throws {
        guard baseDelay.isFinite, baseDelay > 0 else {
            throw WorkQueueRateLimitError(field: "baseDelay", value: "\(baseDelay)", valid: "a finite number of seconds > 0")
        }
        guard maxDelay.isFinite, maxDelay >= baseDelay else {
            throw WorkQueueRateLimitError(field: "maxDelay", value: "\(maxDelay)", valid: "a finite number of seconds >= baseDelay (\(baseDelay))")
        }
        guard qps > 0, !qps.isNaN else {
            throw WorkQueueRateLimitError(field: "qps", value: "\(qps)", valid: "a number > 0, or .infinity for no overall limit")
        }
        guard burst >= 1 else {
            throw WorkQueueRateLimitError(field: "burst", value: "\(burst)", valid: "an integer >= 1")
        }
        self.init(uncheckedBaseDelay: baseDelay, maxDelay: maxDelay, qps: qps, burst: burst)
    }

    private init(uncheckedBaseDelay baseDelay: Double, maxDelay: Double, qps: Double, burst: Int) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.qps = qps
        self.burst = burst
    }
}

/// A `WorkQueueRateLimit` field out of range: which field, the value given,
/// and what would be valid.
public struct WorkQueueRateLimitError: Error, Equatable, CustomStringConvertible {
    public let field: String
    public let value: String
    public let valid: String

    public var description: String {
        "work queue rate limit: \(field) = \(value) is invalid; it must be \(valid)"
    }
}
