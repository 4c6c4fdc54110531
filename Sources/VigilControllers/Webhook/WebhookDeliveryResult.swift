import VigilRuntime

/// How a webhook delivery ended, after one or more attempts.
public enum WebhookDeliveryResult: Sendable, Hashable, CustomStringConvertible {
    /// The receiver answered 2xx.
    case delivered(status: Int, attempts: Int)
    /// The receiver refused it for good (3xx or 4xx other than 408 and 429).
    case rejected(status: Int, bodySnippet: String, attempts: Int)
    /// Every allowed attempt failed with a retryable outcome, or one failed
    /// in a way retrying cannot fix (bad URL, TLS); `lastError` says how.
    case gaveUp(lastError: WebhookDeliveryError, attempts: Int)

    /// HTTP attempts made.
    public var attempts: Int {
        switch self {
        case .delivered(_, let n), .rejected(_, _, let n), .gaveUp(_, let n): return n
        }
    }

    /// True for `.delivered`.
    public var isDelivered: Bool {
        if case .delivered = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .delivered(let status, let n):
            return "delivered with \(status) after \(n) attempt\(n == 1 ? "" : "s")"
        case .rejected(let status, let snippet, let n):
            return "rejected with \(status) after \(n) attempt\(n == 1 ? "" : "s") (not retried)" + (snippet.isEmpty ? "" : ": \(snippet)")
        case .gaveUp(let error, let n):
            return "gave up after \(n) attempt\(n == 1 ? "" : "s"): \(error)"
        }
    }

    /// The result as the effect ledger records it; failure messages name the
    /// URL, the status and the start of the answer. A `.rejected` result is
    /// final (`.failedPermanently`): the ledger schedules no retry for it.
    public func ledgerResult(url: String) -> EffectLedger.Result {
        switch self {
        case .delivered:
            return .succeeded
        case .rejected(let status, let snippet, let n):
            let error = WebhookDeliveryError(url: url, cause: .status(status, bodySnippet: snippet))
            return .failedPermanently("\(error) (terminal: \(status) is not retried; \(n) attempt\(n == 1 ? "" : "s"))")
        case .gaveUp(let error, let n):
            return .failed("\(error) (gave up after \(n) attempt\(n == 1 ? "" : "s"))")
        }
    }
}
