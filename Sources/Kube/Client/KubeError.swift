import VigilHTTP

/// A failed API call, as the API server described it (`metav1.Status`), or
/// a failure below HTTP, or a response Vigil could not read.
public enum KubeError: Error, Sendable, CustomStringConvertible {
    /// The server answered with an error Status (`reason` and `code` kept).
    case api(APIStatusError)
    /// `410 Gone` / `Expired`: the resourceVersion is too old; re-list.
    case gone(String)
    /// The request never got an HTTP answer.
    case transport(HTTPClientError)
    /// The response was not what the API promises.
    case decoding(String)
    /// Credentials or configuration could not be used.
    case configuration(String)

    public var description: String {
        switch self {
        case .api(let e): return e.description
        case .gone(let m): return "410 Gone: \(m)"
        case .transport(let e): return e.description
        case .decoding(let m): return "cannot decode the API response: \(m)"
        case .configuration(let m): return m
        }
    }

    /// The HTTP status, when there was one.
    public var statusCode: Int? {
        switch self {
        case .api(let e): return e.code
        case .gone: return 410
        default: return nil
        }
    }

    public var isNotFound: Bool { statusCode == 404 }
    public var isConflict: Bool { statusCode == 409 }
    public var isAlreadyExists: Bool { if case .api(let e) = self { return e.reason == "AlreadyExists" } else { return false } }
}

/// An error Status from the API server.
public struct APIStatusError: Error, Sendable, CustomStringConvertible {
    public var code: Int
    public var reason: String
    public var message: String
    public var status: Status?
    /// From `Retry-After` or `details.retryAfterSeconds`.
    public var retryAfterSeconds: Double?

    public var description: String { "\(code) \(reason.isEmpty ? "Failure" : reason): \(message)" }

    /// Reads an error response: a Status body when there is one, else the
    /// HTTP status with the start of the body.
    public static func from(httpStatus: Int, body: [UInt8], retryAfter: String?) -> APIStatusError {
        let status = try? KubeJSON.decode(Status.self, from: body)
        var retry = retryAfter.flatMap { Double($0.trimmingSpaces) }
        if retry == nil, let s = status?.details?.retryAfterSeconds { retry = Double(s) }
        if let status, status.kind == "Status" {
            return APIStatusError(code: status.code ?? httpStatus, reason: status.reason ?? "", message: status.message ?? "",
                status: status, retryAfterSeconds: retry)
        }
        let text = String(decoding: body.prefix(512), as: UTF8.self)
        return APIStatusError(code: httpStatus, reason: Self.reason(for: httpStatus),
            message: text.isEmpty ? "the server responded with status \(httpStatus)" : text, status: nil, retryAfterSeconds: retry)
    }

    /// The reason client-go infers for a status without a Status body.
    static func reason(for code: Int) -> String {
        switch code {
        case 400: return "BadRequest"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "NotFound"
        case 405: return "MethodNotAllowed"
        case 406: return "NotAcceptable"
        case 409: return "Conflict"
        case 410: return "Expired"
        case 413: return "RequestEntityTooLarge"
        case 415: return "UnsupportedMediaType"
        case 422: return "Invalid"
        case 429: return "TooManyRequests"
        case 500: return "InternalError"
        case 503: return "ServiceUnavailable"
        case 504: return "Timeout"
        default: return ""
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
