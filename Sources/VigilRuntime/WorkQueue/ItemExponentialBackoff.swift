/// Per-key exponential backoff: the n-th consecutive failure of a key waits
/// `baseDelay * 2^(n-1)` seconds, capped at `maxDelay` (client-go's
/// `ItemExponentialFailureRateLimiter`). A pure value: the work queue owns one
/// and calls it under its lock.
public struct ItemExponentialBackoff<Key: Hashable & Sendable>: Sendable {
    public let baseDelay: Double
    public let maxDelay: Double
    private var failures: [Key: Int] = [:]

    /// `baseDelay` and `maxDelay` in seconds; `WorkQueueRateLimit` validates
    /// them before they get here.
    public init(baseDelay: Double, maxDelay: Double) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Records one more failure of `key` and returns how long it should wait.
    public mutating func nextDelay(for key: Key) -> Double {
        let previous = failures[key, default: 0]
        failures[key] = previous + 1
        // 2^exponent overflows Double only past 1023; the cap applies long before.
        let delay = baseDelay * Double.pow2(min(previous, 1023))
        return min(delay, maxDelay)
    }

    /// How many failures `key` has had since it was last forgotten.
    public func failures(of key: Key) -> Int { failures[key, default: 0] }

    /// Clears `key`'s failures (after a success, or when giving up on it).
    public mutating func forget(_ key: Key) { failures[key] = nil }

    /// How many keys have failures recorded (each held once).
    public var trackedKeyCount: Int { failures.count }
}

extension Double {
    fileprivate static func pow2(_ exponent: Int) -> Double {
        Double(sign: .plus, exponent: exponent, significand: 1)
    }
}
