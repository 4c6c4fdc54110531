/// An API failure, rendered as a `metav1.Status` with the `reason` and `code`
/// a real kube-apiserver gives for the same failure.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var code: Int
    public var reason: String
    public var message: String
    public var details: JSON?
    /// Extra response headers (e.g. `Retry-After`).
    public var headers: [(String, String)] = []

    public init(code: Int, reason: String, message: String, details: JSON? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
    }

    public var description: String { "\(code) \(reason): \(message)" }

    public var status: JSON {
        var s: JSON = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
            "message": .string(message),
        ]
        if !reason.isEmpty { s["reason"] = .string(reason) }
        if let details { s["details"] = details }
        s["code"] = .int(Int64(code))
        return s
    }

    static func details(_ name: String?, _ resource: ResourceType?) -> JSON? {
        guard name != nil || resource != nil else { return nil }
        var d: JSON = [:]
        if let name { d["name"] = .string(name) }
        if let resource {
            if !resource.group.isEmpty { d["group"] = .string(resource.group) }
            d["kind"] = .string(resource.plural)
        }
        return d
    }

    public static func notFound(_ resource: ResourceType, _ name: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "\(resource.groupResource) \"\(name)\" not found",
            details: details(name, resource))
    }

    public static func alreadyExists(_ resource: ResourceType, _ name: String) -> APIError {
        APIError(code: 409, reason: "AlreadyExists", message: "\(resource.groupResource) \"\(name)\" already exists",
            details: details(name, resource))
    }

    /// 409 for a stale resourceVersion.
    public static func conflict(_ resource: ResourceType, _ name: String, _ why: String) -> APIError {
        APIError(code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(resource.groupResource) \"\(name)\": \(why)",
            details: details(name, resource))
    }

    public static let modifiedMessage =
        "the object has been modified; please apply your changes to the latest version and try again"

    public static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message)
    }

    public static func methodNotAllowed(_ message: String = "the server does not allow this method on the requested resource") -> APIError {
        APIError(code: 405, reason: "MethodNotAllowed", message: message)
    }

    public static func forbidden(_ resource: ResourceType, _ name: String, _ why: String, cause: JSON? = nil) -> APIError {
        var d = details(name, resource) ?? [:]
        if let cause { d["causes"] = [cause] }
        let subject = name.isEmpty ? resource.groupResource : "\(resource.groupResource) \"\(name)\""
        return APIError(code: 403, reason: "Forbidden", message: "\(subject) is forbidden: \(why)", details: d)
    }

    /// 422 with field causes. `errors` are `(field, type, message)` where
    /// message is the rendered field error (`spec.x: Required value`).
    public static func invalid(kind: String, group: String, name: String, causes: [(field: String, reason: String, message: String)]) -> APIError {
        let qualified = group.isEmpty ? kind : "\(kind).\(group)"
        let list = causes.map(\.message)
        let joined = list.count == 1 ? list[0] : "[" + list.joined(separator: ", ") + "]"
        var d: JSON = ["name": .string(name)]
        if !group.isEmpty { d["group"] = .string(group) }
        d["kind"] = .string(kind)
        // A cause carries the field apart from its message (kubectl prints "field: message").
        d["causes"] = .array(causes.map { c in
            var m = c.message
            if m.hasPrefix(c.field + ": ") { m.removeFirst(c.field.count + 2) }
            return ["reason": .string(c.reason), "message": .string(m), "field": .string(c.field)]
        })
        return APIError(code: 422, reason: "Invalid", message: "\(qualified) \"\(name)\" is invalid: \(joined)", details: d)
    }

    public static func internalError(_ message: String) -> APIError {
        APIError(code: 500, reason: "InternalError", message: "Internal error occurred: \(message)",
            details: ["causes": [["message": .string(message)]]])
    }

    public static func gone(_ message: String) -> APIError {
        APIError(code: 410, reason: "Expired", message: message)
    }

    public static func unsupportedMediaType(_ contentType: String) -> APIError {
        APIError(code: 415, reason: "UnsupportedMediaType", message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
    }

    public static func tooLarge(limit: Int) -> APIError {
        APIError(code: 413, reason: "RequestEntityTooLarge", message: "Request entity too large: limit is \(limit)")
    }

    public static func notFoundPath() -> APIError {
        APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource",
            details: ["causes": [["reason": "UnexpectedServerResponse", "message": "404 page not found"]]])
    }
}
