import Foundation
import VigilHTTP
import VigilRuntime

/// Delivers one ``WebhookRequest``: POSTs it until the receiver answers 2xx,
/// refuses it for good, or ``WebhookRetryPolicy/maxAttempts`` attempts have
/// failed, waiting with exponential backoff and full jitter in between (see
/// ``WebhookRetryPolicy``).
///
/// Every attempt sends the same body and `webhook-id`; each gets a fresh
/// `webhook-timestamp` (Unix seconds from the injected clock) and signature.
/// The clock also does the waiting, so tests run backoff without sleeping;
/// a jitter seed makes the waits reproducible.
///
/// One `deliver` call is one effect attempt in the `EffectLedger`'s sense:
/// the caller records `Pending` before it and the returned result after.
public struct WebhookDelivery: Sendable {
    public var policy: WebhookRetryPolicy
    /// Limit for one attempt (connect, send, whole answer).
    public var attemptTimeout: Duration
    let transport: any WebhookTransport
    let clock: any RuntimeClock
    let wallClockAtZero: Double
    let jitterSeed: UInt64?

    /// `wallClockAtZero` is the Unix time at `clock.now() == 0` (default:
    /// derived from the system's real-time clock). `jitterSeed` fixes the
    /// backoff draws; nil draws from the system generator.
    public init(
        transport: any WebhookTransport, policy: WebhookRetryPolicy = WebhookRetryPolicy(), attemptTimeout: Duration = .seconds(10),
        clock: any RuntimeClock = SystemClock(), wallClockAtZero: Double? = nil, jitterSeed: UInt64? = nil
    ) {
        self.transport = transport
        self.policy = policy
        self.attemptTimeout = attemptTimeout
        self.clock = clock
        self.wallClockAtZero = wallClockAtZero ?? (Date().timeIntervalSince1970 - clock.now())
        self.jitterSeed = jitterSeed
    }

    /// Unix seconds now, as sent in `webhook-timestamp`.
    public func unixTime() -> Int64 { Int64((wallClockAtZero + clock.now()).rounded(.down)) }

    /// Runs the attempts. Throws only `CancellationError`, when the calling
    /// task is cancelled: the effect's outcome is then unknown and its ledger
    /// entry should stay `Pending`, to be resumed under the same key.
    public func deliver(_ request: WebhookRequest) async throws(CancellationError) -> WebhookDeliveryResult {
        var random = jitterSeed.map { ReflectorRandom(seed: $0) } ?? ReflectorRandom()
        var attempt = 0
        while true {
            attempt += 1
            if Task.isCancelled { throw CancellationError() }
            let verdict: WebhookRetryPolicy.Verdict
            let failure: WebhookDeliveryError
            do {
                let response = try await transport.execute(request.httpRequest(timestamp: unixTime(), timeout: attemptTimeout))
                verdict = WebhookRetryPolicy.verdict(status: response.status, headers: response.headers)
                let snippet = WebhookDeliveryError.snippet(response.body)
                switch verdict {
                case .delivered:
                    return .delivered(status: response.status, attempts: attempt)
                case .terminal:
                    return .rejected(status: response.status, bodySnippet: snippet, attempts: attempt)
                case .retry:
                    failure = WebhookDeliveryError(url: request.url, cause: .status(response.status, bodySnippet: snippet))
                }
            } catch {
                if Task.isCancelled { throw CancellationError() }
                verdict = WebhookRetryPolicy.verdict(error: error)
                failure = WebhookDeliveryError(url: request.url, cause: .transport(error.kind, message: error.message))
            }
            guard case .retry(let retryAfter) = verdict, attempt < policy.maxAttempts else {
                return .gaveUp(lastError: failure, attempts: attempt)
            }
            let wait = policy.delay(afterAttempt: attempt, retryAfter: retryAfter, using: &random)
            do {
                try await clock.sleep(for: wait)
            } catch {
                throw CancellationError()
            }
        }
    }
}
