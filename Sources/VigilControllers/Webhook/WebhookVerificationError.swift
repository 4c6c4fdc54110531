/// Why a received webhook did not verify (see ``WebhookSignature``).
public enum WebhookVerificationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `webhook-id`, `webhook-timestamp` or `webhook-signature` is absent.
    case missingHeader(String)
    /// `webhook-timestamp` is not an integer number of seconds since the epoch.
    case invalidTimestamp(String)
    /// The timestamp is more than `tolerance` seconds before `now` (a replay or a stuck queue).
    case timestampTooOld(timestamp: Int64, now: Int64, tolerance: Int64)
    /// The timestamp is more than `tolerance` seconds after `now` (clock skew).
    case timestampTooNew(timestamp: Int64, now: Int64, tolerance: Int64)
    /// None of the `candidates` `v1` signatures matches (0: the header has no `v1,` entry).
    case noMatchingSignature(candidates: Int)

    public var description: String {
        switch self {
        case .missingHeader(let name):
            return "header \(name) is missing; a Standard Webhooks delivery carries webhook-id, webhook-timestamp and webhook-signature"
        case .invalidTimestamp(let value):
            return "webhook-timestamp \"\(value)\" is not valid: expected integer seconds since 1970-01-01T00:00:00Z, e.g. 1700000000"
        case .timestampTooOld(let ts, let now, let tolerance):
            return "webhook-timestamp \(ts) is \(now - ts) s older than now (\(now)); at most \(tolerance) s is accepted"
        case .timestampTooNew(let ts, let now, let tolerance):
            return "webhook-timestamp \(ts) is \(ts - now) s ahead of now (\(now)); at most \(tolerance) s is accepted"
        case .noMatchingSignature(let candidates):
            return candidates == 0
                ? "webhook-signature has no v1 signature; expected \"v1,<base64 HMAC-SHA256>\" (space-separated if several)"
                : "none of the \(candidates) v1 signature(s) in webhook-signature matches: wrong key, or the id, timestamp or body was changed"
        }
    }
}
