import Testing
import VigilControllers
import VigilHTTP
import VigilRuntime

@Suite("Webhook retry policy")
struct WebhookRetryPolicyTests {
    @Test func statusVerdicts() {
        typealias P = WebhookRetryPolicy
        #expect(P.verdict(status: 200, headers: []) == .delivered)
        #expect(P.verdict(status: 204, headers: []) == .delivered)
        #expect(P.verdict(status: 400, headers: []) == .terminal)
        #expect(P.verdict(status: 404, headers: []) == .terminal)
        #expect(P.verdict(status: 302, headers: []) == .terminal)
        #expect(P.verdict(status: 500, headers: []) == .retry(retryAfter: nil))
        #expect(P.verdict(status: 503, headers: [("retry-after", "12")]) == .retry(retryAfter: 12))
        #expect(P.verdict(status: 408, headers: []) == .retry(retryAfter: nil))
        #expect(P.verdict(status: 429, headers: [("Retry-After", "3")]) == .retry(retryAfter: 3))
        #expect(P.verdict(status: 429, headers: [("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]) == .retry(retryAfter: nil))
    }

    @Test func transportVerdicts() {
        func v(_ kind: HTTPClientError.Kind) -> WebhookRetryPolicy.Verdict {
            WebhookRetryPolicy.verdict(error: HTTPClientError(kind: kind, message: "m", url: "u"))
        }
        #expect(v(.connect) == .retry(retryAfter: nil))
        #expect(v(.timeout) == .retry(retryAfter: nil))
        #expect(v(.dns) == .retry(retryAfter: nil))
        #expect(v(.protocolError) == .retry(retryAfter: nil))
        #expect(v(.invalidRequest) == .terminal)
        #expect(v(.tlsVerify) == .terminal)
    }

    @Test func retryAfterParsing() {
        #expect(WebhookRetryPolicy.retryAfterSeconds("0") == 0)
        #expect(WebhookRetryPolicy.retryAfterSeconds(" 120") == 120)
        #expect(WebhookRetryPolicy.retryAfterSeconds("-1") == nil)
        #expect(WebhookRetryPolicy.retryAfterSeconds("1.5") == nil)
        #expect(WebhookRetryPolicy.retryAfterSeconds("") == nil)
    }

    @Test func exponentialCeilingsAndCappedRetryAfter() {
        let p = WebhookRetryPolicy()
        #expect((1...9).map { p.backoffCeiling(afterAttempt: $0) } == [0.5, 1, 2, 4, 8, 16, 30, 30, 30])
        var random = ReflectorRandom(seed: 1)
        #expect(p.delay(afterAttempt: 1, retryAfter: 7, using: &random) == 7)
        #expect(p.delay(afterAttempt: 1, retryAfter: 3600, using: &random) == 30)
    }

    @Test func fullJitterIsSeededAndBounded() {
        let p = WebhookRetryPolicy()
        func draws(seed: UInt64) -> [Double] {
            var random = ReflectorRandom(seed: seed)
            return (1...8).map { p.delay(afterAttempt: $0, retryAfter: nil, using: &random) }
        }
        let a = draws(seed: 7)
        #expect(a == draws(seed: 7), "the same seed gives the same waits")
        #expect(a != draws(seed: 8))
        for (i, d) in a.enumerated() {
            #expect(d >= 0 && d < p.backoffCeiling(afterAttempt: i + 1), "wait \(i + 1) is \(d)")
        }
    }
}
