import Synchronization
import VigilHTTP

@testable import VigilPrometheus

/// A scripted Prometheus: answers per expression, alerts, an optional outage; counts requests
/// and the most that ran at once.
final class FakePrometheusTransport: PrometheusTransport {
    struct State {
        var queries: [String: Result<PrometheusQueryResult, PrometheusError>] = [:]
        var alerts: [PrometheusAlert] = []
        var outage: PrometheusError?
        var queryCalls: [String: Int] = [:]
        var alertCalls = 0
        var running = 0
        var maxRunning = 0
    }

    let state = Mutex(State())
    let url = "http://fake-prometheus:9090"

    var totalRequests: Int { state.withLock { $0.queryCalls.values.reduce(0, +) + $0.alertCalls } }
    var maxConcurrent: Int { state.withLock { $0.maxRunning } }

    func setVector(_ expr: String, _ samples: [PrometheusSample]) {
        state.withLock { $0.queries[expr] = .success(PrometheusQueryResult(value: .vector(samples))) }
    }

    func setResult(_ expr: String, _ result: Result<PrometheusQueryResult, PrometheusError>) {
        state.withLock { $0.queries[expr] = result }
    }

    func setAlerts(_ alerts: [PrometheusAlert]) { state.withLock { $0.alerts = alerts } }

    /// Every request fails with connection refused until `nil`.
    func setOutage(_ down: Bool) {
        state.withLock {
            $0.outage = down ? .unreachable(url: url + "/api/v1/query", kind: .connect, message: "Failed to connect to fake-prometheus port 9090: Connection refused") : nil
        }
    }

    func query(_ expr: String) async throws(PrometheusError) -> PrometheusQueryResult {
        let answer: Result<PrometheusQueryResult, PrometheusError> = state.withLock { s in
            s.queryCalls[expr, default: 0] += 1
            s.running += 1
            s.maxRunning = max(s.maxRunning, s.running)
            if let e = s.outage { return .failure(e) }
            return s.queries[expr] ?? .success(PrometheusQueryResult(value: .vector([])))
        }
        await Task.yield()
        state.withLock { $0.running -= 1 }
        return try answer.get()
    }

    func alerts() async throws(PrometheusError) -> [PrometheusAlert] {
        let answer: Result<[PrometheusAlert], PrometheusError> = state.withLock { s in
            s.alertCalls += 1
            s.running += 1
            s.maxRunning = max(s.maxRunning, s.running)
            if let e = s.outage { return .failure(e) }
            return .success(s.alerts)
        }
        await Task.yield()
        state.withLock { $0.running -= 1 }
        return try answer.get()
    }
}

/// Collects the ids `onChange` reported, one list per call.
final class ChangeLog: Sendable {
    let calls = Mutex<[[String]]>([])
    var callback: @Sendable ([String]) -> Void { { ids in self.calls.withLock { $0.append(ids) } } }
    /// The calls since the last `take()`.
    func take() -> [[String]] { calls.withLock { c in defer { c = [] }; return c } }
}
