import VigilHTTP

/// Why a Prometheus request failed. Every description names the URL and what went wrong, with
/// curl's message or Prometheus' `errorType` and `error` when there are any.
public enum PrometheusError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No HTTP response: connection refused, DNS failure, TLS failure or timeout.
    case unreachable(url: String, kind: HTTPClientError.Kind, message: String)
    /// An HTTP error status. `errorType` and `error` come from Prometheus' JSON body when it has
    /// one (400 `bad_data`, 422 `execution`, 503 `timeout`, …); otherwise `error` holds the
    /// start of the body.
    case http(url: String, status: Int, errorType: String?, error: String)
    /// A 2xx response whose body is not what the API documents (or a `matrix` result).
    case badResponse(url: String, status: Int, problem: PrometheusResponseError)
    /// The bearer token file could not be read, or is empty.
    case tokenFile(url: String, path: String, message: String)
    /// The source's settings cannot be used (URL, TLS files).
    case configuration(url: String, message: String)
    /// The calling task was cancelled.
    case cancelled(url: String)

    public var url: String {
        switch self {
        case .unreachable(let url, _, _), .http(let url, _, _, _), .badResponse(let url, _, _),
            .tokenFile(let url, _, _), .configuration(let url, _), .cancelled(let url):
            return url
        }
    }

    /// The HTTP status, if a response arrived.
    public var status: Int? {
        switch self {
        case .http(_, let status, _, _), .badResponse(_, let status, _): return status
        default: return nil
        }
    }

    /// Prometheus' `errorType`, if the response carried one.
    public var errorType: String? {
        switch self {
        case .http(_, _, let errorType, _): return errorType
        case .badResponse(_, _, .api(let errorType, _)): return errorType
        default: return nil
        }
    }

    /// True when the failure is the server's, not one query's: unreachable, or a 5xx that is
    /// not Prometheus reporting that this expression timed out or failed to execute. The poller
    /// backs off and marks the whole source unreachable on these.
    public var isSourceFailure: Bool {
        switch self {
        case .unreachable, .tokenFile, .configuration: return true
        case .http(_, let status, let errorType, _):
            guard status >= 500 else { return false }
            return !["timeout", "canceled", "execution"].contains(errorType ?? "")
        case .badResponse, .cancelled: return false
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let url, let kind, let message):
            return "Prometheus at \(url) is unreachable (\(kind)): \(message)"
        case .http(let url, let status, let errorType, let error):
            if let errorType { return "Prometheus at \(url) answered HTTP \(status) \(errorType): \(error)" }
            return "Prometheus at \(url) answered HTTP \(status): \(error.isEmpty ? "(empty body)" : error)"
        case .badResponse(let url, let status, let problem):
            return "Prometheus at \(url) answered HTTP \(status) with a body Vigil cannot use: \(problem)"
        case .tokenFile(let url, let path, let message):
            return "cannot authenticate to Prometheus at \(url): bearer token file \(path): \(message)"
        case .configuration(let url, let message):
            return "Prometheus source \(url) is misconfigured: \(message)"
        case .cancelled(let url):
            return "request to Prometheus at \(url) was cancelled"
        }
    }
}
