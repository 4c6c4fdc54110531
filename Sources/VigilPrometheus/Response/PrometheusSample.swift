/// One series of an instant vector: its labels (`__name__` included when Prometheus keeps it)
/// and its value at the evaluation time.
public struct PrometheusSample: Sendable, Hashable {
    public let labels: [String: String]
    public let value: PrometheusSampleValue

    public init(labels: [String: String], value: PrometheusSampleValue) {
        self.labels = labels
        self.value = value
    }

    /// The `namespace` label, which decides which subscribers receive the series.
    public var namespace: String? { labels["namespace"] }
}
