/// Helpers shared by the patch engines: Go-style value formatting for error
/// messages, value comparison the way the Go code compares decoded JSON, and
/// clean-up of directive markers.
enum PatchSupport {
    /// `fmt.Sprintf("%v", v)` of a value decoded by Go's encoding/json (maps
    /// print with sorted keys, strings bare, nil as `<nil>`).
    static func goFormat(_ v: JSON) -> String {
        switch v {
        case .null: return "<nil>"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return goFloat(d)
        case .string(let s): return s
        case .array(let a): return "[" + a.map(goFormat).joined(separator: " ") + "]"
        case .object(let o):
            let parts = o.entries.sorted { $0.key < $1.key }.map { "\($0.key):\(goFormat($0.value))" }
            return "map[" + parts.joined(separator: " ") + "]"
        }
    }

    /// `%s` of a value: strings bare, other scalars in Go's `%!s(type=v)` form.
    static func goFormatS(_ v: JSON) -> String {
        switch v {
        case .string(let s): return s
        case .null: return "%!s(<nil>)"
        case .bool: return "%!s(bool=\(goFormat(v)))"
        case .int: return "%!s(int64=\(goFormat(v)))"
        case .double: return "%!s(float64=\(goFormat(v)))"
        default: return goFormat(v)
        }
    }

    static func goFloat(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 9e18 { return String(Int64(d)) }
        return "\(d)"
    }

    /// Go type name as `reflect.TypeOf` prints it for decoded JSON.
    static func goTypeName(_ v: JSON) -> String {
        switch v {
        case .null: return "<nil>"
        case .bool: return "bool"
        case .int: return "int64"
        case .double: return "float64"
        case .string: return "string"
        case .array: return "[]interface {}"
        case .object: return "map[string]interface {}"
        }
    }

    /// Same Go dynamic type (the check strategicpatch does before recursing).
    static func sameKind(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null), (.bool, .bool), (.int, .int), (.double, .double), (.string, .string), (.array, .array),
            (.object, .object):
            return true
        default: return false
        }
    }

    /// Value equality with numbers compared numerically (`1` equals `1.0`).
    static func equal(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return Double(x) == y
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            for i in x.indices where !equal(x[i], y[i]) { return false }
            return true
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (k, v) in x {
                guard let w = y[k], equal(v, w) else { return false }
            }
            return true
        default: return a == b
        }
    }

    static let directiveMarker = "$patch"
    static let retainKeysDirective = "$retainKeys"
    static let setElementOrderPrefix = "$setElementOrder"
    static let deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList"

    static func isDirectiveKey(_ k: String) -> Bool {
        k == directiveMarker || k == retainKeysDirective || k.hasPrefix(setElementOrderPrefix + "/")
            || k.hasPrefix(deleteFromPrimitiveListPrefix + "/")
    }

    /// A patch value taken over verbatim, as the typed object would hold it:
    /// maps carrying `$patch` vanish (strategicpatch `removeDirectives`), other
    /// directive keys and `null` members are dropped (the typed decode ignores
    /// unknown fields and turns nulls into omitted zero values).
    /// Returns nil when the value itself should not be kept.
    static func sanitize(_ v: JSON) -> JSON? {
        switch v {
        case .object(let o):
            if o[directiveMarker] != nil { return nil }
            var out = JSONObject()
            for (k, child) in o {
                if isDirectiveKey(k) || child == .null { continue }
                if let c = sanitize(child) { out[k] = c }
            }
            return .object(out)
        case .array(let a):
            return .array(a.compactMap { $0 == .null ? $0 : sanitize($0) })
        default:
            return v
        }
    }

    /// Compact JSON with object keys sorted (the form managedFields keys use).
    static func canonical(_ v: JSON) -> String {
        switch v {
        case .object(let o):
            let parts = o.entries.sorted { $0.key < $1.key }.map { JSON.string($0.key).serializedString + ":" + canonical($0.value) }
            return "{" + parts.joined(separator: ",") + "}"
        case .array(let a):
            return "[" + a.map(canonical).joined(separator: ",") + "]"
        default:
            return v.serializedString
        }
    }
}
