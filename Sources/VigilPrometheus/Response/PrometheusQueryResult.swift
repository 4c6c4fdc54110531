/// The answer to one instant query (`/api/v1/query`): an instant vector or a scalar, plus the
/// `warnings` and `infos` Prometheus attached (kept in order; empty when absent).
///
/// Range vectors (`matrix`) and `string` results are refused while decoding, with an error that
/// names the type: a runbook condition needs one value per series.
public struct PrometheusQueryResult: Sendable, Hashable {
    /// What the expression evaluated to.
    public enum Value: Sendable, Hashable {
        /// `resultType: vector`: one sample per series (possibly none).
        case vector([PrometheusSample])
        /// `resultType: scalar`: one value without labels.
        case scalar(PrometheusSampleValue)
    }

    public let value: Value
    public let warnings: [String]
    public let infos: [String]

    public init(value: Value, warnings: [String] = [], infos: [String] = []) {
        self.value = value
        self.warnings = warnings
        self.infos = infos
    }

    /// The vector's samples; empty for a scalar.
    public var samples: [PrometheusSample] {
        if case .vector(let s) = value { return s }
        return []
    }
}
