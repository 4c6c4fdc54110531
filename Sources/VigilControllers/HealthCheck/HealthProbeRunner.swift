import Foundation
import Synchronization
import VigilAPI
import VigilHTTP
import VigilRuntime

/// Runs the HTTP probes of HealthChecks off the work queue's workers, so a
/// check that hangs never holds a worker: the reconciler starts a probe
/// (after recording the run), the runner calls back when it is over, and
/// the next reconcile records the result. At most `maxConcurrent` probes
/// are in flight; later ones wait their turn in order.
///
/// Results live in memory only until the reconcile that records them in
/// status forgets them. A replica that dies mid-probe loses it: the next
/// owner records the run as Unknown and never repeats the request (a
/// HealthCheck run is made at most once).
public final class HealthProbeRunner: Sendable {
    /// How a probe ended.
    public struct Outcome: Sendable, Equatable {
        public var passed: Bool
        public var message: String
        public var durationSeconds: Double
        /// The HTTP status, when a response came.
        public var status: Int?
    }

    public enum State: Sendable, Equatable {
        /// Not known here (never started by this process, or forgotten).
        case unknown
        case running
        case done(Outcome)
    }

    struct Probe: Sendable {
        var id: String
        var request: HTTPRequest
        var check: HealthCheckProbe.HTTP
        var onDone: @Sendable () -> Void
    }

    struct Inner {
        var running = 0
        var waiting: [Probe] = []
        var waitingHead = 0
        var states: [String: (state: State, since: Double)] = [:]
    }

    let http: HTTPClient
    let clock: any RuntimeClock
    public let maxConcurrent: Int
    let inner = Mutex(Inner())

    public init(http: HTTPClient, maxConcurrent: Int, clock: any RuntimeClock = SystemClock()) {
        self.http = http
        self.maxConcurrent = max(1, maxConcurrent)
        self.clock = clock
    }

    public func state(_ id: String) -> State { inner.withLock { $0.states[id]?.state ?? .unknown } }

    /// Probes started and not yet finished, and those waiting for a slot.
    public var inFlight: (running: Int, waiting: Int) { inner.withLock { ($0.running, $0.waiting.count - $0.waitingHead) } }

    /// Forgets a recorded result (or a probe of a deleted resource: its result is dropped when it ends).
    public func forget(_ id: String) { _ = inner.withLock { $0.states.removeValue(forKey: id) } }

    /// Forgets every probe whose id starts with `prefix` (a deleted resource's).
    public func forget(prefix: String) { inner.withLock { s in s.states = s.states.filter { !$0.key.hasPrefix(prefix) } } }

    /// Starts probe `id` (unless it is already known here); `onDone` runs when it ends.
    public func start(id: String, request: HTTPRequest, check: HealthCheckProbe.HTTP, onDone: @escaping @Sendable () -> Void) {
        let now = clock.now()
        let launch: Probe? = inner.withLock { s in
            guard s.states[id] == nil else { return nil }
            // Results nobody came back for (the namespace moved away) do not pile up.
            if s.states.count > 1000 { s.states = s.states.filter { $0.value.state == .running || now - $0.value.since < 600 } }
            s.states[id] = (.running, now)
            let probe = Probe(id: id, request: request, check: check, onDone: onDone)
            if s.running < maxConcurrent {
                s.running += 1
                return probe
            }
            s.waiting.append(probe)
            return nil
        }
        if let launch { run(launch) }
    }

    func run(_ probe: Probe) {
        Task { [self] in
            let outcome = await Self.probe(probe.request, check: probe.check, http: http, clock: clock)
            let next: Probe? = inner.withLock { s in
                if s.states[probe.id] != nil { s.states[probe.id] = (.done(outcome), clock.now()) }
                if s.waitingHead < s.waiting.count {
                    let n = s.waiting[s.waitingHead]
                    s.waitingHead += 1
                    if s.waitingHead > 1024 && s.waitingHead * 2 > s.waiting.count {
                        s.waiting.removeFirst(s.waitingHead)
                        s.waitingHead = 0
                    }
                    return n
                }
                s.running -= 1
                return nil
            }
            probe.onDone()
            if let next { run(next) }
        }
    }

    /// Sends one probe and judges the answer.
    static func probe(_ request: HTTPRequest, check: HealthCheckProbe.HTTP, http: HTTPClient, clock: any RuntimeClock) async -> Outcome {
        let started = clock.now()
        let what = "\(request.method) \(request.url)"
        do {
            let response = try await http.execute(request)
            let took = clock.now() - started
            let ms = "\(Int((took * 1000).rounded())) ms"
            guard check.accepts(response.status) else {
                let expected = check.expectStatus.isEmpty ? "any 2xx" : check.expectStatus.map(String.init).joined(separator: ", ")
                let snippet = String(decoding: response.body.prefix(200), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
                return Outcome(passed: false, message: "\(what) answered \(response.status) in \(ms), expected \(expected)" + (snippet.isEmpty ? "" : "; body: \(snippet)"), durationSeconds: took, status: response.status)
            }
            if let needle = check.bodyContains {
                let body = String(decoding: response.body.prefix(1 << 20), as: UTF8.self)
                if !body.contains(needle) {
                    return Outcome(passed: false, message: "\(what) answered \(response.status) in \(ms), but the body does not contain \(quoted(needle))", durationSeconds: took, status: response.status)
                }
            }
            return Outcome(passed: true, message: "\(what) answered \(response.status) in \(ms)", durationSeconds: took, status: response.status)
        } catch {
            let took = clock.now() - started
            let why = error.kind == .timeout ? "no answer within \(check.timeout.text) (timeout)" : "\(error.kind): \(error.message)"
            return Outcome(passed: false, message: "\(what) failed: \(why)", durationSeconds: took, status: nil)
        }
    }
}
