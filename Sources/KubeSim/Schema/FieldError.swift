/// A field-level validation error, the simulator's counterpart of
/// apimachinery's `field.Error`. `message` renders exactly like the Go
/// `Error()` method (`spec.replicas: Invalid value: "string": …`), `body`
/// like `ErrorBody()` (what a `metav1.StatusCause.message` carries).
public struct FieldError: Sendable, Equatable, CustomStringConvertible {
    /// The machine-readable cause type (`metav1.CauseType` values).
    public enum ErrorType: String, Sendable, Equatable {
        case notFound = "FieldValueNotFound"
        case required = "FieldValueRequired"
        case duplicate = "FieldValueDuplicate"
        case invalid = "FieldValueInvalid"
        case notSupported = "FieldValueNotSupported"
        case forbidden = "FieldValueForbidden"
        case tooLong = "FieldValueTooLong"
        case tooMany = "FieldValueTooMany"
        case internalError = "InternalError"
        case typeInvalid = "FieldValueTypeInvalid"

        /// The human text Go's `ErrorType.String()` gives.
        public var text: String {
            switch self {
            case .notFound: return "Not found"
            case .required: return "Required value"
            case .duplicate: return "Duplicate value"
            case .invalid, .typeInvalid: return "Invalid value"
            case .notSupported: return "Unsupported value"
            case .forbidden: return "Forbidden"
            case .tooLong: return "Too long"
            case .tooMany: return "Too many"
            case .internalError: return "Internal error"
            }
        }
    }

    public var type: ErrorType
    /// The field path, e.g. `spec.replicas`, `spec.items[1]`; `<nil>` when
    /// the apiserver reports the error without a path.
    public var field: String
    /// The offending value; `nil` prints as `null`.
    public var badValue: JSON?
    /// When true the value is left out of the message (Go's `omitValue`).
    public var omitValue: Bool
    public var detail: String

    public init(type: ErrorType, field: String, badValue: JSON?, detail: String, omitValue: Bool = false) {
        self.type = type
        self.field = field
        self.badValue = badValue
        self.detail = detail
        self.omitValue = omitValue
    }

    /// `field.Required`.
    public static func required(_ field: String, _ detail: String = "") -> FieldError {
        FieldError(type: .required, field: field, badValue: "", detail: detail)
    }
    /// `field.Invalid`.
    public static func invalid(_ field: String, _ value: JSON?, _ detail: String) -> FieldError {
        FieldError(type: .invalid, field: field, badValue: value, detail: detail)
    }
    /// `field.TypeInvalid`.
    public static func typeInvalid(_ field: String, _ value: JSON?, _ detail: String) -> FieldError {
        FieldError(type: .typeInvalid, field: field, badValue: value, detail: detail)
    }
    /// `field.NotSupported`: lists the valid values, each Go-quoted.
    public static func notSupported(_ field: String, _ value: JSON?, _ valid: [String]) -> FieldError {
        let detail = valid.isEmpty ? "" : "supported values: " + valid.map(GoFormat.quote).joined(separator: ", ")
        return FieldError(type: .notSupported, field: field, badValue: value, detail: detail)
    }
    /// `field.Duplicate`.
    public static func duplicate(_ field: String, _ value: JSON?) -> FieldError {
        FieldError(type: .duplicate, field: field, badValue: value, detail: "")
    }
    /// `field.Forbidden`.
    public static func forbidden(_ field: String, _ detail: String) -> FieldError {
        FieldError(type: .forbidden, field: field, badValue: "", detail: detail)
    }
    /// `field.TooLongMaxLength` (value never printed).
    public static func tooLong(_ field: String, _ value: JSON?, maxLength: Int) -> FieldError {
        let d = maxLength >= 0 ? "may not be longer than \(maxLength)" : "value is too long"
        return FieldError(type: .tooLong, field: field, badValue: value, detail: d)
    }
    /// `field.TooMany`.
    public static func tooMany(_ field: String, actual: Int, max: Int) -> FieldError {
        let d = max >= 0 ? "must have at most \(max) items" : "has too many items"
        return FieldError(
            type: .tooMany, field: field, badValue: actual >= 0 ? .int(Int64(actual)) : nil, detail: d,
            omitValue: actual < 0)
    }

    /// Go's `ErrorBody()`: the message without the field path.
    public var body: String {
        var s: String
        switch type {
        case .required, .forbidden, .tooLong, .internalError:
            s = type.text
        default:
            s = omitValue ? type.text : "\(type.text): \(GoFormat.badValue(badValue))"
        }
        if !detail.isEmpty { s += ": " + detail }
        return s
    }

    /// Go's `Error()`: `<field>: <body>`.
    public var message: String { "\(field): \(body)" }
    public var description: String { message }

    /// `utilerrors.NewAggregate(list).Error()`: one message alone, several as
    /// `[a, b]`, duplicates dropped.
    public static func aggregate(_ messages: [String]) -> String {
        var seen: [String] = []
        for m in messages where !seen.contains(m) { seen.append(m) }
        if seen.count == 1 { return seen[0] }
        if seen.isEmpty { return "" }
        return "[" + seen.joined(separator: ", ") + "]"
    }

    /// The `message` of the 422 `metav1.Status` that `errors.NewInvalid`
    /// builds: `Widget.example.com "w1" is invalid: <errors>`.
    public static func invalidMessage(kind: String, group: String, name: String, errors: [FieldError]) -> String {
        let qualified = group.isEmpty ? kind : "\(kind).\(group)"
        if errors.isEmpty { return "\(qualified) \(GoFormat.quote(name)) is invalid" }
        return "\(qualified) \(GoFormat.quote(name)) is invalid: \(aggregate(errors.map(\.message)))"
    }

    /// The `details` object of that Status: name, group, kind and one cause
    /// per error (`reason` = type, `message` = body, `field`).
    public static func invalidDetails(kind: String, group: String, name: String, errors: [FieldError]) -> JSON {
        var d = JSONObject()
        if !name.isEmpty { d["name"] = .string(name) }
        if !group.isEmpty { d["group"] = .string(group) }
        d["kind"] = .string(kind)
        if !errors.isEmpty {
            d["causes"] = .array(
                errors.map { e in
                    var c = JSONObject()
                    c["reason"] = .string(e.type.rawValue)
                    c["message"] = .string(e.body)
                    if !e.field.isEmpty { c["field"] = .string(e.field) }
                    return .object(c)
                })
        }
        return .object(d)
    }

    /// The whole 422 `metav1.Status` object.
    public static func invalidStatus(kind: String, group: String, name: String, errors: [FieldError]) -> JSON {
        var s = JSONObject()
        s["kind"] = "Status"
        s["apiVersion"] = "v1"
        s["metadata"] = .object(JSONObject())
        s["status"] = "Failure"
        s["message"] = .string(invalidMessage(kind: kind, group: group, name: name, errors: errors))
        s["reason"] = "Invalid"
        s["details"] = invalidDetails(kind: kind, group: group, name: name, errors: errors)
        s["code"] = 422
        return .object(s)
    }
}
