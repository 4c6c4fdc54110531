import VigilHTTP

/// When a webhook attempt counts as delivered, refused or worth another try,
/// and how long to wait before the next one. Pure.
///
/// | Outcome of an attempt | Verdict |
/// |---|---|
/// | 2xx | delivered |
/// | 408, 429, 5xx | retry (after `Retry-After` seconds if the answer carries it, at most `maxRetryAfter`) |
/// | any other status (3xx, 4xx) | refused for good |
/// | no connection, DNS failure, timeout, broken reply, other transport error | retry |
/// | invalid request (bad URL), TLS failures, client shut down | give up at once (retrying cannot help) |
///
/// Backoff is exponential with full jitter: before attempt `n + 1` wait a
/// random time in `[0, min(maxDelay, baseDelay · 2^(n-1)))`.
public struct WebhookRetryPolicy: Sendable, Hashable {
    /// Attempts in all, at least 1.
    public var maxAttempts: Int
    /// Ceiling of the first backoff, in seconds.
    public var baseDelay: Double
    /// Largest backoff ceiling, in seconds.
    public var maxDelay: Double
    /// Largest wait honoured from a `Retry-After` header, in seconds.
    public var maxRetryAfter: Double

    public init(maxAttempts: Int = 5, baseDelay: Double = 0.5, maxDelay: Double = 30, maxRetryAfter: Double = 30) {
        self.maxAttempts = max(maxAttempts, 1)
        self.baseDelay = max(baseDelay, 0)
        self.maxDelay = max(maxDelay, 0)
        self.maxRetryAfter = max(maxRetryAfter, 0)
    }

    /// What one attempt's outcome means.
    public enum Verdict: Sendable, Hashable {
        /// 2xx.
        case delivered
        /// Final: the receiver refused it, or the request cannot work.
        case terminal
        /// Try again; `retryAfter` seconds when the receiver said so.
        case retry(retryAfter: Double?)
    }

    /// The verdict on a response.
    public static func verdict(status: Int, headers: [(String, String)]) -> Verdict {
        switch status {
        case 200..<300:
            return .delivered
        case 408, 429, 500..<600:
            let value = headers.first { $0.0.lowercased() == "retry-after" }?.1
            return .retry(retryAfter: value.flatMap(retryAfterSeconds))
        default:
            return .terminal
        }
    }

    /// The verdict on a request that got no response.
    public static func verdict(error: HTTPClientError) -> Verdict {
        switch error.kind {
        case .invalidRequest, .tls, .tlsVerify, .cancelled:
            return .terminal
        case .dns, .connect, .timeout, .idleTimeout, .protocolError, .other:
            return .retry(retryAfter: nil)
        }
    }

    /// `Retry-After` in delay-seconds form (`"120"`); nil for an HTTP date or
    /// anything else, which falls back to the computed backoff.
    public static func retryAfterSeconds(_ value: String) -> Double? {
        let v = value.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
        guard !v.isEmpty, v.utf8.count <= 9, v.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(v) else { return nil }
        return Double(n)
    }

    /// The upper bound of the wait after failed attempt `attempt` (1-based):
    /// `min(maxDelay, baseDelay · 2^(attempt-1))`.
    public func backoffCeiling(afterAttempt attempt: Int) -> Double {
        let exponent = min(max(attempt - 1, 0), 62)
        return min(maxDelay, baseDelay * Double(UInt64(1) << UInt64(exponent)))
    }

    /// Seconds to wait after failed attempt `attempt`: `retryAfter` capped at
    /// `maxRetryAfter` when given, else a uniform draw below the backoff ceiling.
    public func delay(afterAttempt attempt: Int, retryAfter: Double?, using random: inout some RandomNumberGenerator) -> Double {
        if let retryAfter { return min(max(retryAfter, 0), maxRetryAfter) }
        let ceiling = backoffCeiling(afterAttempt: attempt)
        guard ceiling > 0 else { return 0 }
        return Double.random(in: 0..<ceiling, using: &random)
    }
}
