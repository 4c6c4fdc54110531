import Metrics
import Synchronization
import VigilAPI

/// The metrics of HealthChecks, per check (each replica exports the checks
/// of the namespaces it owns, so per shard):
/// `vigil_healthcheck_runs_total{namespace,healthcheck,result}`,
/// `vigil_healthcheck_duration_seconds{namespace,healthcheck}` (a histogram),
/// `vigil_healthcheck_remedies_total{namespace,healthcheck,result}`, and the
/// numbers a Job printed, `vigil_healthcheck_job_metric{namespace,healthcheck,metric}`.
final class HealthCheckMetrics: Sendable {
    let factory: any MetricsFactory
    /// The Job metrics exported per check, so a metric the Job stopped printing goes away.
    let exported = Mutex<[String: Set<String>]>([:])

    init(factory: (any MetricsFactory)? = nil) {
        self.factory = factory ?? MetricsSystem.factory
    }

    func recorded(_ r: HealthCheckProgress.Record, namespace: String, name: String) {
        let dims = [("namespace", namespace), ("healthcheck", name)]
        Counter(label: "vigil_healthcheck_runs_total", dimensions: dims + [("result", r.result.rawValue.lowercased())], factory: factory).increment()
        if let d = r.durationSeconds, r.result == .succeeded || r.result == .failed {
            Timer(label: "vigil_healthcheck_duration_seconds", dimensions: dims, preferredDisplayUnit: .seconds, factory: factory)
                .recordNanoseconds(Int64((d * 1e9).rounded()))
        }
        let id = "\(namespace)/\(name)"
        let names = Set(r.metrics.keys)
        let gone: Set<String> = exported.withLock { e in
            let old = e[id] ?? []
            if r.result == .succeeded || r.result == .failed { e[id] = names.isEmpty ? nil : names }
            return r.result == .succeeded || r.result == .failed ? old.subtracting(names) : []
        }
        for (metric, value) in r.metrics {
            Gauge(label: "vigil_healthcheck_job_metric", dimensions: dims + [("metric", metric)], factory: factory).record(value)
        }
        for metric in gone { Gauge(label: "vigil_healthcheck_job_metric", dimensions: dims + [("metric", metric)], factory: factory).destroy() }
    }

    func remedy(result: String, namespace: String, name: String) {
        Counter(label: "vigil_healthcheck_remedies_total", dimensions: [("namespace", namespace), ("healthcheck", name), ("result", result)], factory: factory).increment()
    }

    /// A deleted check's series go away: its counters, its histogram and its Job metrics.
    func forget(namespace: String, name: String) {
        let dims = [("namespace", namespace), ("healthcheck", name)]
        let id = "\(namespace)/\(name)"
        let gone = exported.withLock { $0.removeValue(forKey: id) } ?? []
        for metric in gone { Gauge(label: "vigil_healthcheck_job_metric", dimensions: dims + [("metric", metric)], factory: factory).destroy() }
        for result in HealthCheckProgress.Result.allCases {
            Counter(label: "vigil_healthcheck_runs_total", dimensions: dims + [("result", result.rawValue.lowercased())], factory: factory).destroy()
        }
        for result in Self.remedyResults {
            Counter(label: "vigil_healthcheck_remedies_total", dimensions: dims + [("result", result)], factory: factory).destroy()
        }
        Timer(label: "vigil_healthcheck_duration_seconds", dimensions: dims, preferredDisplayUnit: .seconds, factory: factory).destroy()
    }

    /// The `result` values of `vigil_healthcheck_remedies_total`.
    static let remedyResults = ["succeeded", "failed"]
}
