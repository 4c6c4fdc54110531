import VigilJSON

/// What one subscriber sees after a poll: its alerts or samples (already narrowed to its
/// namespace and to owned namespaces), when they were fetched, and whether the source answered.
///
/// **Never act on a view that is not current.** While the source is unreachable the content is
/// `.unavailable`, not the last good data: a runbook must not fire (or clear) on missing or stale
/// data. A subscriber whose own expression failed gets `.failed` while the others are served.
public struct PrometheusView: Sendable, Hashable {
    /// The data of one view.
    public enum Content: Sendable, Hashable {
        /// The source's alerts for this subscriber (need `.alerts`).
        case alerts([PrometheusAlert])
        /// The instant vector's series for this subscriber (need `.query`); a scalar result
        /// reaches namespaced subscribers as an empty list, because it has no `namespace` label.
        case samples([PrometheusSample])
        /// A scalar result (need `.query`, subscriber without namespace).
        case scalar(PrometheusSampleValue)
        /// This subscriber's request failed while the source was reachable (a bad expression,
        /// a query timeout, a body Vigil cannot use).
        case failed(PrometheusError)
        /// The source is unreachable: there is no current data.
        case unavailable
    }

    public let source: String
    /// `RuntimeClock` seconds when the poll's responses were in.
    public let fetchedAt: Double
    /// The same instant on the wall clock.
    public let fetchedAtWall: RFC3339Time
    public let reachability: PrometheusReachability
    public let content: Content
    /// Prometheus' `warnings` (and `infos`) for this subscriber's query.
    public let warnings: [String]
    /// For an alerts subscriber with an `alertName`: the other namespaces (owned or not; `""`
    /// for alerts without a `namespace` label) where an alert of that name is active, sorted.
    /// A namespaced subscriber never receives those alerts; this lets it say it ignored them.
    /// Only whether it is empty counts as a change (`hasSameContent`).
    public let elsewhere: [String]

    public init(
        source: String, fetchedAt: Double, fetchedAtWall: RFC3339Time, reachability: PrometheusReachability,
        content: Content, warnings: [String] = [], elsewhere: [String] = []
    ) {
        self.source = source
        self.fetchedAt = fetchedAt
        self.fetchedAtWall = fetchedAtWall
        self.reachability = reachability
        self.content = content
        self.warnings = warnings
        self.elsewhere = elsewhere
    }

    /// The alerts, or `[]` for any other content.
    public var alerts: [PrometheusAlert] {
        if case .alerts(let a) = content { return a }
        return []
    }

    /// The samples, or `[]` for any other content.
    public var samples: [PrometheusSample] {
        if case .samples(let s) = content { return s }
        return []
    }

    /// This subscriber's own error, if its request failed.
    public var error: PrometheusError? {
        if case .failed(let e) = content { return e }
        return nil
    }
}
