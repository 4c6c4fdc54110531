import VigilJSON

/// One active alert from `/api/v1/alerts`: an alerting rule whose expression currently returns
/// this series, `pending` until its `for:` duration has passed, then `firing`.
public struct PrometheusAlert: Sendable, Hashable {
    /// `pending` (the rule's `for:` has not elapsed yet) or `firing`.
    public enum State: String, Sendable, Hashable {
        case pending
        case firing
    }

    /// The alert's labels, `alertname` included.
    public let labels: [String: String]
    public let annotations: [String: String]
    public let state: State
    /// When the rule first returned this series (RFC 3339, fractional seconds kept to the µs).
    public let activeAt: RFC3339Time?
    /// The expression's value at the last evaluation, as Prometheus wrote it (e.g. `1e+00`).
    public let value: PrometheusSampleValue?

    public init(
        labels: [String: String], annotations: [String: String] = [:], state: State,
        activeAt: RFC3339Time? = nil, value: PrometheusSampleValue? = nil
    ) {
        self.labels = labels
        self.annotations = annotations
        self.state = state
        self.activeAt = activeAt
        self.value = value
    }

    /// `labels["alertname"]`, or `""`.
    public var name: String { labels["alertname"] ?? "" }
    /// The `namespace` label, which decides which subscribers receive the alert.
    public var namespace: String? { labels["namespace"] }
}
