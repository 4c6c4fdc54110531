import Metrics
import Synchronization

/// The poller's metrics: `vigil_prometheus_requests_total{source,endpoint,code}` (code is the
/// HTTP status, or `error` when no response arrived),
/// `vigil_prometheus_query_seconds{source,endpoint}` (timer),
/// `vigil_prometheus_expressions{source}` (gauge: distinct expressions registered) and
/// `vigil_prometheus_series_dropped_total{source,reason}` (`not_owned`, `no_namespace`).
final class PrometheusPollerMetrics: Sendable {
    let factory: any MetricsFactory
    private let expressions: [String: Gauge]

    init(sources: [String], factory: any MetricsFactory) {
        self.factory = factory
        var gauges: [String: Gauge] = [:]
        for s in sources {
            gauges[s] = Gauge(label: "vigil_prometheus_expressions", dimensions: [("source", s)], factory: factory)
        }
        expressions = gauges
    }

    func recordRequest(source: String, endpoint: String, code: String, seconds: Double) {
        Counter(label: "vigil_prometheus_requests_total", dimensions: [("source", source), ("endpoint", endpoint), ("code", code)], factory: factory)
            .increment()
        Timer(label: "vigil_prometheus_query_seconds", dimensions: [("source", source), ("endpoint", endpoint)], preferredDisplayUnit: .seconds, factory: factory)
            .recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }

    func recordDropped(source: String, notOwned: Int, noNamespace: Int) {
        if notOwned > 0 {
            Counter(label: "vigil_prometheus_series_dropped_total", dimensions: [("source", source), ("reason", "not_owned")], factory: factory)
                .increment(by: notOwned)
        }
        if noNamespace > 0 {
            Counter(label: "vigil_prometheus_series_dropped_total", dimensions: [("source", source), ("reason", "no_namespace")], factory: factory)
                .increment(by: noNamespace)
        }
    }

    func setExpressions(source: String, count: Int) {
        expressions[source]?.record(count)
    }

    /// The `code` label of a request's result.
    static func code(_ error: PrometheusError?) -> String {
        guard let error else { return "200" }
        return error.status.map(String.init) ?? "error"
    }
}
