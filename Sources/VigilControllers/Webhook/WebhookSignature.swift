import VigilJSON
import VigilRuntime

/// Standard Webhooks signatures: `v1,` + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")).
///
/// Vigil sends one signature per delivery. The `webhook-signature` header may
/// carry several space-separated signatures (for key rotation); a delivery
/// verifies when any `v1` one matches. Other versions (`v1a,…`) are skipped.
public enum WebhookSignature {
    /// The version tag of HMAC-SHA256 signatures.
    public static let version = "v1"
    /// How far `webhook-timestamp` may be from the verifier's clock, either way: 5 minutes.
    public static let defaultTolerance: Int64 = 300

    /// The bytes that are signed: `id.timestamp.body`.
    public static func signedContent(id: String, timestamp: Int64, body: some Collection<UInt8>) -> [UInt8] {
        var out = Array("\(id).\(timestamp).".utf8)
        out.append(contentsOf: body)
        return out
    }

    /// The `webhook-signature` value for one delivery: `v1,<base64>`.
    public static func sign(id: String, timestamp: Int64, body: some Collection<UInt8>, secret: WebhookSecret) -> String {
        let mac = HMACSHA256.authenticate(key: secret.keyBytes, message: signedContent(id: id, timestamp: timestamp, body: body))
        return "\(version),\(Base64.encode(mac))"
    }

    /// Checks one delivery: the timestamp is an integer within `tolerance`
    /// seconds of `now` (Unix seconds) and some `v1` signature in
    /// `signatureHeader` matches (compared in constant time).
    public static func verify(
        id: String, timestamp: String, body: some Collection<UInt8>, signatureHeader: String,
        secret: WebhookSecret, now: Int64, tolerance: Int64 = defaultTolerance
    ) throws(WebhookVerificationError) {
        guard !timestamp.isEmpty, timestamp.utf8.count <= 18, timestamp.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let ts = Int64(timestamp)
        else { throw .invalidTimestamp(timestamp) }
        if ts < now - tolerance { throw .timestampTooOld(timestamp: ts, now: now, tolerance: tolerance) }
        if ts > now + tolerance { throw .timestampTooNew(timestamp: ts, now: now, tolerance: tolerance) }
        let expected = HMACSHA256.authenticate(key: secret.keyBytes, message: signedContent(id: id, timestamp: ts, body: body))
        var candidates = 0
        var matched = false
        for part in signatureHeader.split(separator: " ", omittingEmptySubsequences: true) {
            guard let comma = part.firstIndex(of: ","), part[..<comma] == version else { continue }
            candidates += 1
            // Undecodable entries count as candidates that do not match.
            guard let mac = Base64.decode(String(part[part.index(after: comma)...])) else { continue }
            // No early exit: every candidate is compared.
            if HMACSHA256.constantTimeEquals(mac, expected) { matched = true }
        }
        guard matched else { throw .noMatchingSignature(candidates: candidates) }
    }

    /// ``verify(id:timestamp:body:signatureHeader:secret:now:tolerance:)`` on
    /// a request's headers (names matched case-insensitively).
    public static func verify(
        headers: [(String, String)], body: some Collection<UInt8>, secret: WebhookSecret, now: Int64,
        tolerance: Int64 = defaultTolerance
    ) throws(WebhookVerificationError) {
        func value(_ name: String) throws(WebhookVerificationError) -> String {
            guard let v = headers.first(where: { $0.0.lowercased() == name })?.1 else { throw .missingHeader(name) }
            return v
        }
        let id = try value("webhook-id")
        let timestamp = try value("webhook-timestamp")
        let signature = try value("webhook-signature")
        try verify(id: id, timestamp: timestamp, body: body, signatureHeader: signature, secret: secret, now: now, tolerance: tolerance)
    }
}
