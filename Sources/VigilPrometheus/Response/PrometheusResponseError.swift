/// Why a Prometheus API body could not be turned into a result. The URL is added by the client
/// (``PrometheusError``); this type is what the pure decoder knows.
public enum PrometheusResponseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The body said `"status": "error"`, with Prometheus' `errorType` (`bad_data`, `timeout`,
    /// `execution`, `canceled`, `internal`, `unavailable`, …) and message.
    case api(errorType: String, error: String)
    /// The body is not the JSON the API documents; `field` is a path such as
    /// `data.result[2].value[1]`, or `body` when it is not JSON at all.
    case malformed(field: String, problem: String)
    /// The query succeeded but returned a `matrix` or `string`, which a runbook cannot use.
    case unsupportedResultType(String)

    public var description: String {
        switch self {
        case .api(let errorType, let error):
            return "Prometheus error \(errorType): \(error)"
        case .malformed(let field, let problem):
            return "malformed response: \(field): \(problem)"
        case .unsupportedResultType(let type):
            switch type {
            case "matrix":
                return "the expression returned resultType matrix, a range vector; use an instant vector expression (drop the [range] selector, or wrap it in a function such as rate() or max_over_time())"
            case "string":
                return "the expression returned resultType string; use an instant vector or scalar expression"
            default:
                return "the expression returned unknown resultType '\(type)'; expected vector or scalar"
            }
        }
    }
}
