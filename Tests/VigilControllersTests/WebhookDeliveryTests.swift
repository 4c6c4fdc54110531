import Testing
import ProcessFixtures
import VigilControllers
import VigilHTTP
import VigilRuntime

/// Deliveries against a real local HTTP receiver (python3) that answers
/// scripted statuses. Backoff waits go through `WebhookStepClock`, so no
/// test sleeps for them; only the timeout test waits (for its 0.3 s limit).
@Suite("Webhook delivery against a local receiver")
struct WebhookDeliveryTests {
    static let key = EffectKey(resourceUID: "3a1f6c8e-0000-4000-8000-00000000abcd", trigger: "policy:notify", actionIndex: 0)
    static let body = Array(#"{"namespace":"preview-7","vigil":{"effectKey":"x"}}"#.utf8)
    static let keyBytes = Array("test signing key".utf8)
    static let epoch = 1_700_000_000.25

    func delivery(_ client: HTTPClient, clock: WebhookStepClock, maxAttempts: Int = 5, timeout: Duration = .seconds(5)) -> WebhookDelivery {
        WebhookDelivery(
            transport: client, policy: WebhookRetryPolicy(maxAttempts: maxAttempts), attemptTimeout: timeout,
            clock: clock, wallClockAtZero: Self.epoch, jitterSeed: 42)
    }

    func request(_ url: String) throws -> WebhookRequest {
        try WebhookRequest(url: url, body: Self.body, effectKey: Self.key, secret: try WebhookSecret(keyBytes: Self.keyBytes))
    }

    @Test func serverErrorThenSuccessRetriesWithSameIDAndFreshSignatures() async throws {
        let receiver = try await WebhookTestReceiver.start([.init(status: 500, body: "boom"), .init(status: 200)], key: Self.keyBytes)
        defer { receiver.stop() }
        let client = try HTTPClient()
        defer { client.shutdown() }
        let clock = WebhookStepClock()

        let result = try await delivery(client, clock: clock).deliver(try request(receiver.url))

        #expect(result == .delivered(status: 200, attempts: 2))
        #expect(clock.sleeps.count == 1)
        #expect(clock.sleeps[0] >= 0 && clock.sleeps[0] < 0.5, "first backoff is drawn below 0.5 s")
        let got = try await receiver.received()
        try #require(got.count == 2)
        let secret = try WebhookSecret(keyBytes: Self.keyBytes)
        let expectedTimestamps = [Int64(Self.epoch), Int64((Self.epoch + clock.sleeps[0]).rounded(.down))]
        for (i, r) in got.enumerated() {
            #expect(r.header("webhook-id") == Self.key.rawValue)
            #expect(r.header("idempotency-key") == Self.key.rawValue)
            #expect(r.header("content-type") == "application/json")
            #expect(r.header("user-agent") == "vigil/0.1")
            #expect(r.body == Self.body, "the same body on every attempt")
            #expect(r.header("webhook-timestamp") == String(expectedTimestamps[i]), "attempt \(i + 1) is stamped when it is made")
            #expect(r.pythonVerified == true, "Python's hmac accepts attempt \(i + 1)'s signature")
            try WebhookSignature.verify(headers: r.headers, body: r.body, secret: secret, now: expectedTimestamps[i])
        }
    }

    @Test func clientErrorIsTerminalAfterOneAttempt() async throws {
        let receiver = try await WebhookTestReceiver.start([.init(status: 400, body: "bad payload\n: missing field"), .init(status: 200)])
        defer { receiver.stop() }
        let client = try HTTPClient()
        defer { client.shutdown() }
        let clock = WebhookStepClock()

        let result = try await delivery(client, clock: clock).deliver(try request(receiver.url))

        #expect(result == .rejected(status: 400, bodySnippet: "bad payload : missing field", attempts: 1))
        #expect(clock.sleeps.isEmpty)
        #expect(try await receiver.received().count == 1)
        guard case .failedPermanently(let message) = result.ledgerResult(url: receiver.url) else {
            Issue.record("a rejected webhook must be recorded as failed")
            return
        }
        #expect(message.contains(receiver.url) && message.contains("400") && message.contains("bad payload") && message.contains("terminal"))
    }

    @Test func tooManyRequestsHonoursRetryAfterCapped() async throws {
        let receiver = try await WebhookTestReceiver.start([
            .init(status: 429, headers: ["Retry-After": "3600"]),
            .init(status: 429, headers: ["Retry-After": "7"]),
            .init(status: 202),
        ])
        defer { receiver.stop() }
        let client = try HTTPClient()
        defer { client.shutdown() }
        let clock = WebhookStepClock()

        let result = try await delivery(client, clock: clock).deliver(try request(receiver.url))

        #expect(result == .delivered(status: 202, attempts: 3))
        #expect(clock.sleeps == [30, 7], "Retry-After is honoured, capped at 30 s")
        let got = try await receiver.received()
        #expect(got.map { $0.header("webhook-timestamp") } == ["1700000000", "1700000030", "1700000037"])
    }

    @Test func timeoutThenSuccess() async throws {
        let receiver = try await WebhookTestReceiver.start([.init(status: 200, delaySeconds: 2), .init(status: 200)], key: Self.keyBytes)
        defer { receiver.stop() }
        let client = try HTTPClient()
        defer { client.shutdown() }
        let clock = WebhookStepClock()
        let start = ContinuousClock.now

        let result = try await delivery(client, clock: clock, timeout: .milliseconds(300)).deliver(try request(receiver.url))

        #expect(result == .delivered(status: 200, attempts: 2))
        #expect(ContinuousClock.now - start < .milliseconds(1500), "the first attempt was cut at its timeout")
        #expect(clock.sleeps.count == 1)
        let got = try await receiver.received()
        #expect(got.count == 2)
        #expect(got.allSatisfy { $0.header("webhook-id") == Self.key.rawValue && $0.pythonVerified == true })
    }

    @Test func connectionRefusedGivesUpAfterMaxAttempts() async throws {
        let port = try freeLoopbackPort()
        let url = "http://127.0.0.1:\(port)/hook"
        let client = try HTTPClient()
        defer { client.shutdown() }
        let clock = WebhookStepClock()

        let result = try await delivery(client, clock: clock, maxAttempts: 3).deliver(try request(url))

        guard case .gaveUp(let error, let attempts) = result, case .transport(let kind, _) = error.cause else {
            Issue.record("expected gaveUp with a transport error, got \(result)")
            return
        }
        #expect(attempts == 3)
        #expect(kind == .connect)
        #expect(error.url == url)
        #expect(clock.sleeps.count == 2, "waits between attempts, none after the last")
        #expect(clock.sleeps[1] < 1.0)
        #expect(result.description.contains(url))
    }

    @Test func persistentServerErrorGivesUpNamingStatusAndBodyStart() async throws {
        let long = String(repeating: "x", count: 190) + "0123456789ABCDEF"
        let receiver = try await WebhookTestReceiver.start([.init(status: 503, body: long)])
        defer { receiver.stop() }
        let client = try HTTPClient()
        defer { client.shutdown() }
        let clock = WebhookStepClock()

        let result = try await delivery(client, clock: clock, maxAttempts: 2).deliver(try request(receiver.url))

        let snippet = String(repeating: "x", count: 190) + "0123456789…"
        #expect(result == .gaveUp(lastError: WebhookDeliveryError(url: receiver.url, cause: .status(503, bodySnippet: snippet)), attempts: 2))
        guard case .failed(let message) = result.ledgerResult(url: receiver.url) else {
            Issue.record("gave up must be recorded as failed")
            return
        }
        #expect(message.contains("POST \(receiver.url) answered 503: ") && message.contains("0123456789…") && !message.contains("ABCDEF"))
        #expect(try await receiver.received().count == 2)
    }
}
