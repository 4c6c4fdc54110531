import Testing
import VigilControllers
import VigilHTTP
import VigilRuntime

@Suite("Webhook request building")
struct WebhookRequestTests {
    static let key = EffectKey(resourceUID: "9c1d0e1e-0000-4000-8000-000000000001", trigger: "policy:expire", actionIndex: 0)
    static let body = Array(#"{"namespace":"preview-1"}"#.utf8)

    @Test func signedRequestHasEveryHeaderInOrder() throws {
        let secret = try WebhookSecret(keyBytes: Array("k".utf8))
        let request = try WebhookRequest(
            url: "https://hooks.example.com/vigil", body: Self.body, effectKey: Self.key, secret: secret,
            extraHeaders: [("X-Team", "ops"), ("Authorization", "Bearer t")])
        let http = request.httpRequest(timestamp: 1_700_000_123, timeout: .seconds(3))
        let id = Self.key.rawValue
        #expect(id.count == 32)
        let expected: [(String, String)] = [
            ("content-type", "application/json"),
            ("user-agent", "vigil/0.1"),
            ("webhook-id", id),
            ("webhook-timestamp", "1700000123"),
            ("webhook-signature", WebhookSignature.sign(id: id, timestamp: 1_700_000_123, body: Self.body, secret: secret)),
            ("idempotency-key", id),
            ("X-Team", "ops"),
            ("Authorization", "Bearer t"),
        ]
        #expect(http.headers.map(\.0) == expected.map(\.0))
        #expect(http.headers.map(\.1) == expected.map(\.1))
        #expect(http.method == "POST")
        #expect(http.url == "https://hooks.example.com/vigil")
        #expect(http.body == Self.body)
        #expect(http.timeout == .seconds(3))
        try WebhookSignature.verify(headers: http.headers, body: Self.body, secret: secret, now: 1_700_000_123)
    }

    @Test func unsignedRequestHasNoSignatureHeader() throws {
        let request = try WebhookRequest(url: "http://127.0.0.1:9/h", body: Self.body, effectKey: Self.key, userAgent: "vigil/1.2.3")
        let http = request.httpRequest(timestamp: 5)
        #expect(http.headers.map(\.0) == ["content-type", "user-agent", "webhook-id", "webhook-timestamp", "idempotency-key"])
        #expect(http.headers[1].1 == "vigil/1.2.3")
        #expect(http.timeout == nil)
    }

    @Test(arguments: ["Content-Type", "USER-AGENT", "Webhook-Id", "webhook-timestamp", "Webhook-Signature", "Idempotency-Key"])
    func extraHeadersMayNotOverrideReservedOnes(name: String) {
        #expect(throws: WebhookRequestError.reservedHeader(name)) {
            try WebhookRequest(url: "http://x/h", body: [], effectKey: Self.key, extraHeaders: [("X-Ok", "1"), (name, "v")])
        }
        let message = WebhookRequestError.reservedHeader(name).description
        #expect(message.contains("\"\(name)\"") && message.contains("reserved"))
    }

    @Test func extraHeadersMustBeWellFormed() {
        #expect(throws: WebhookRequestError.invalidHeaderName("Bad Name")) {
            try WebhookRequest(url: "http://x/h", body: [], effectKey: Self.key, extraHeaders: [("Bad Name", "v")])
        }
        #expect(throws: WebhookRequestError.invalidHeaderValue("X-Inject")) {
            try WebhookRequest(url: "http://x/h", body: [], effectKey: Self.key, extraHeaders: [("X-Inject", "a\r\nX-Evil: 1")])
        }
    }
}
