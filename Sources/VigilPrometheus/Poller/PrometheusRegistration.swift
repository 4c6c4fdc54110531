/// What one subscriber (a resource such as `CounterMeasure/shop/api-memory`) wants from a
/// Prometheus source. The poller fetches each distinct need once per interval, whatever the
/// number of subscribers sharing it.
public struct PrometheusRegistration: Sendable, Hashable {
    /// The data a subscriber needs.
    public enum Need: Sendable, Hashable {
        /// The source's active alerts (`/api/v1/alerts`).
        case alerts
        /// An instant query of this PromQL expression (`/api/v1/query`). Expressions are
        /// compared as written: `up` and ` up` are two expressions.
        case query(expr: String)
    }

    /// Unique per subscriber; registering an id again replaces its registration.
    public var id: String
    /// The name of a configured ``PrometheusSource``.
    public var source: String
    public var need: Need
    /// Only series and alerts whose `namespace` label equals this are delivered; `nil` means
    /// every owned namespace plus the series without a `namespace` label.
    public var namespace: String?
    /// For `.alerts`: only alerts with this `alertname` are delivered (so a subscriber is not
    /// woken by other alerts), and the view's `elsewhere` lists the other namespaces where an
    /// alert of this name is active. `nil`: every alert.
    public var alertName: String?

    public init(id: String, source: String, need: Need, namespace: String?, alertName: String? = nil) {
        self.id = id
        self.source = source
        self.need = need
        self.namespace = namespace
        self.alertName = alertName
    }
}
