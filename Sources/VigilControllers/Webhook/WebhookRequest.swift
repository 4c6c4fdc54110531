import VigilHTTP
import VigilRuntime

/// One webhook to deliver: where, what, under which effect key and signing
/// key. Pure: ``httpRequest(timestamp:timeout:)`` builds the HTTP request of
/// one attempt without any I/O.
///
/// Every attempt carries the same body, `webhook-id` and `idempotency-key`
/// (both the effect key) and its own `webhook-timestamp` and
/// `webhook-signature`. Headers, in this order:
///
/// | Header | Value |
/// |---|---|
/// | `content-type` | `application/json` |
/// | `user-agent` | `vigil/<version>` |
/// | `webhook-id` | the effect key |
/// | `webhook-timestamp` | Unix seconds of the attempt |
/// | `webhook-signature` | `v1,<base64 HMAC-SHA256>`, only when a secret is set |
/// | `idempotency-key` | the effect key |
///
/// then the extra headers as given.
public struct WebhookRequest: Sendable {
    /// The `user-agent` sent unless another is given.
    public static let defaultUserAgent = "vigil/0.1"
    /// Headers Vigil sets itself; extra headers must not use these names (in any letter case).
    public static let reservedHeaders = ["content-type", "user-agent", "webhook-id", "webhook-timestamp", "webhook-signature", "idempotency-key"]

    /// Absolute `http` or `https` URL.
    public let url: String
    /// The JSON body, identical on every attempt.
    public let body: [UInt8]
    /// The effect's key: `webhook-id` and `idempotency-key`.
    public let effectKey: EffectKey
    /// Signs the delivery when set; unsigned (no `webhook-signature`) when nil.
    public let secret: WebhookSecret?
    /// Further headers, sent after Vigil's own, in this order.
    public let extraHeaders: [(String, String)]
    /// The `user-agent` value.
    public let userAgent: String

    /// Checks the extra headers: a reserved name, a name that is not an
    /// HTTP token, or a value with CR, LF or NUL is refused (nothing is sent).
    public init(
        url: String, body: [UInt8], effectKey: EffectKey, secret: WebhookSecret? = nil,
        extraHeaders: [(String, String)] = [], userAgent: String = WebhookRequest.defaultUserAgent
    ) throws(WebhookRequestError) {
        for (name, value) in extraHeaders {
            if Self.reservedHeaders.contains(name.lowercased()) { throw .reservedHeader(name) }
            if !Self.isToken(name) { throw .invalidHeaderName(name) }
            if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) { throw .invalidHeaderValue(name) }
        }
        self.url = url
        self.body = body
        self.effectKey = effectKey
        self.secret = secret
        self.extraHeaders = extraHeaders
        self.userAgent = userAgent
    }

    /// The POST of the attempt made at `timestamp` (Unix seconds), bounded by `timeout`.
    public func httpRequest(timestamp: Int64, timeout: Duration? = nil) -> HTTPRequest {
        let id = effectKey.rawValue
        var headers: [(String, String)] = [
            ("content-type", "application/json"),
            ("user-agent", userAgent),
            ("webhook-id", id),
            ("webhook-timestamp", String(timestamp)),
        ]
        if let secret {
            headers.append(("webhook-signature", WebhookSignature.sign(id: id, timestamp: timestamp, body: body, secret: secret)))
        }
        headers.append(("idempotency-key", id))
        headers += extraHeaders
        return HTTPRequest(method: "POST", url: url, headers: headers, body: body, timeout: timeout)
    }

    /// RFC 9110 token: letters, digits and ``!#$%&'*+-.^_`|~``, at least one.
    static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || "!#$%&'*+-.^_`|~".utf8.contains(c)
        }
    }
}
