/// The raw answers of one poll of one source: the alerts (if any subscriber needed them) and
/// one result per distinct expression.
public struct PrometheusPollOutcome: Sendable {
    public var alerts: Result<[PrometheusAlert], PrometheusError>?
    public var queries: [String: Result<PrometheusQueryResult, PrometheusError>]

    public init(alerts: Result<[PrometheusAlert], PrometheusError>? = nil, queries: [String: Result<PrometheusQueryResult, PrometheusError>] = [:]) {
        self.alerts = alerts
        self.queries = queries
    }

    /// The first failure that is the source's rather than one query's (see
    /// ``PrometheusError/isSourceFailure``): the alerts request first, then expressions in order.
    public var sourceFailure: PrometheusError? {
        if case .failure(let e) = alerts, e.isSourceFailure { return e }
        for expr in queries.keys.sorted() {
            if case .failure(let e) = queries[expr], e.isSourceFailure { return e }
        }
        return nil
    }
}
