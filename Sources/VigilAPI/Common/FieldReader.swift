import VigilJSON

/// Reads a resource's JSON field by field, recording a `ValidationProblem`
/// for everything wrong instead of stopping at the first, so one pass finds
/// them all. Accessors return nil when a field is absent or unusable; the
/// caller decides whether absence is a problem.
struct FieldReader {
    private(set) var problems: [ValidationProblem] = []
    /// When false, keys the model does not know are problems (typos such as `ttlSeconds`).
    var allowUnknownFields = false

    init(allowUnknownFields: Bool = false) {
        self.allowUnknownFields = allowUnknownFields
    }

    /// `parent.key` (just `key` at the root).
    static func child(_ parent: String, _ key: String) -> String { parent.isEmpty ? key : "\(parent).\(key)" }
    /// `parent[key]`: a member of a map whose keys are data (labels, headers), as Kubernetes' field paths write it.
    static func key(_ parent: String, _ key: String) -> String { "\(parent)[\(key)]" }
    /// `parent[index]`.
    static func item(_ parent: String, _ index: Int) -> String { "\(parent)[\(index)]" }

    mutating func report(_ field: String, _ value: JSON?, _ message: String) {
        problems.append(ValidationProblem(field: field, value: value, message: message))
    }

    /// The number of problems so far; compare before and after reading a part to see if it was clean.
    var count: Int { problems.count }

    static func typeDescription(_ v: JSON) -> String {
        switch v {
        case .null: return "null"
        case .object, .array: return v.typeName
        default: return "\(v.typeName) \(rendered(v))"
        }
    }

    mutating func wrongType(_ field: String, _ v: JSON, expected: String) {
        report(field, v, "must be \(expected), found \(FieldReader.typeDescription(v))")
    }

    mutating func required(_ field: String, _ hint: String? = nil) {
        report(field, nil, hint.map { "required: \($0)" } ?? "required")
    }

    /// Reports keys of `o` outside `known` (unless unknown fields are allowed).
    /// Reports unless exactly one of `names` is a member of `o` (the value at
    /// `path`); returns the names present.
    @discardableResult
    mutating func exactlyOne(of names: [String], in o: JSONObject, value: JSON, at path: String) -> [String] {
        let set = names.filter { o[$0] != nil }
        if set.count != 1 {
            let rule = "exactly one of \(names.joined(separator: ", ")) must be set"
            report(path, value, set.isEmpty ? rule : "\(rule), found \(alternatives(set, conjunction: "and"))")
        }
        return set
    }

    mutating func rejectUnknown(_ o: JSONObject, known: [String], at path: String) {
        guard !allowUnknownFields else { return }
        for key in o.keys where !known.contains(key) {
            report(FieldReader.child(path, key), o[key], "unknown field: valid fields are \(alternatives(known, conjunction: "and"))")
        }
    }

    // MARK: resources

    /// Reads what every Vigil resource starts with: `apiVersion` and `kind`
    /// (which must be these), and `metadata` with a valid name and namespace.
    /// Returns the top-level object and the metadata, as far as they are objects.
    mutating func resourceHeader(_ json: JSON, apiVersion: String, kind: String) -> (top: JSONObject, metadata: JSONObject?)? {
        guard let o = object(json, at: "") else { return nil }
        rejectUnknown(o, known: ["apiVersion", "kind", "metadata", "spec", "status"], at: "")
        if let v = string(o, "apiVersion", at: "", required: "must be \(quoted(apiVersion))"), v != apiVersion {
            report("apiVersion", .string(v), "\(quoted(v)) is not supported: must be \(quoted(apiVersion))")
        }
        if let k = string(o, "kind", at: "", required: "must be \(quoted(kind))"), k != kind {
            report("kind", .string(k), "\(quoted(k)) is not supported: must be \(quoted(kind))")
        }
        let metadata = object(o, "metadata", at: "", required: "an object with at least a name")
        if let metadata {
            if let name = string(metadata, "name", at: "metadata", required: "every \(kind) needs a name"), !KubernetesNames.isDNS1123Subdomain(name) {
                report("metadata.name", .string(name), "\(quoted(name)) is not a valid name: \(KubernetesNames.dns1123SubdomainRule)")
            }
            if let ns = string(metadata, "namespace", at: "metadata", nonEmpty: false), !ns.isEmpty, !KubernetesNames.isDNS1123Label(ns) {
                report("metadata.namespace", .string(ns), "\(quoted(ns)) is not a valid namespace name: \(KubernetesNames.dns1123LabelRule)")
            }
        }
        return (o, metadata)
    }

    // MARK: typed accessors

    mutating func object(_ v: JSON?, at path: String) -> JSONObject? {
        guard let v else { return nil }
        guard case .object(let o) = v else {
            wrongType(path, v, expected: "an object")
            return nil
        }
        return o
    }

    mutating func object(_ o: JSONObject, _ key: String, at parent: String, required hint: String? = nil) -> JSONObject? {
        let path = FieldReader.child(parent, key)
        guard let v = o[key] else {
            if let hint { required(path, hint) }
            return nil
        }
        return object(v, at: path)
    }

    mutating func array(_ o: JSONObject, _ key: String, at parent: String, required hint: String? = nil) -> [JSON]? {
        let path = FieldReader.child(parent, key)
        guard let v = o[key] else {
            if let hint { required(path, hint) }
            return nil
        }
        guard case .array(let a) = v else {
            wrongType(path, v, expected: "a list")
            return nil
        }
        return a
    }

    mutating func string(_ o: JSONObject, _ key: String, at parent: String, required hint: String? = nil, nonEmpty: Bool = true) -> String? {
        let path = FieldReader.child(parent, key)
        guard let v = o[key] else {
            if let hint { required(path, hint) }
            return nil
        }
        guard case .string(let s) = v else {
            wrongType(path, v, expected: "a string")
            return nil
        }
        if nonEmpty && s.isEmpty {
            report(path, v, "must not be empty" + (hint.map { ": \($0)" } ?? ""))
            return nil
        }
        return s
    }

    mutating func bool(_ o: JSONObject, _ key: String, at parent: String) -> Bool? {
        let path = FieldReader.child(parent, key)
        guard let v = o[key] else { return nil }
        guard case .bool(let b) = v else {
            wrongType(path, v, expected: "a boolean (true or false)")
            return nil
        }
        return b
    }

    /// An integer within `range` (a double with no fraction counts).
    mutating func int(_ o: JSONObject, _ key: String, at parent: String, in range: ClosedRange<Int64>? = nil, required hint: String? = nil) -> Int64? {
        let path = FieldReader.child(parent, key)
        guard let v = o[key] else {
            if let hint { required(path, hint) }
            return nil
        }
        guard let i = v.intValue else {
            wrongType(path, v, expected: "an integer")
            return nil
        }
        if let range, !range.contains(i) {
            if range.upperBound >= Int64(Int32.max) {
                report(path, v, "\(i) is too small: must be at least \(range.lowerBound)")
            } else {
                report(path, v, "\(i) is out of range: must be between \(range.lowerBound) and \(range.upperBound)")
            }
            return nil
        }
        return i
    }

    mutating func duration(_ o: JSONObject, _ key: String, at parent: String, required hint: String? = nil) -> GoDuration? {
        let path = FieldReader.child(parent, key)
        guard let v = o[key] else {
            if let hint { required(path, hint) }
            return nil
        }
        guard case .string(let s) = v else {
            wrongType(path, v, expected: "a duration string such as \"90s\" or \"1h30m\"")
            return nil
        }
        do {
            return try GoDuration(parsing: s)
        } catch {
            report(path, v, error.description)
            return nil
        }
    }

    mutating func time(_ o: JSONObject, _ key: String, at parent: String, required hint: String? = nil) -> RFC3339Time? {
        let path = FieldReader.child(parent, key)
        guard let v = o[key] else {
            if let hint { required(path, hint) }
            return nil
        }
        guard case .string(let s) = v else {
            wrongType(path, v, expected: "an RFC 3339 timestamp string such as \"2026-12-31T23:00:00Z\"")
            return nil
        }
        guard let t = RFC3339Time(s) else {
            report(path, v, "\(quoted(s)) is not an RFC 3339 timestamp: write e.g. \"2026-12-31T23:00:00Z\" or \"2026-12-31T23:00:00+01:00\"")
            return nil
        }
        return t
    }

    /// A string that must be one of `cases`.
    mutating func enumeration<E: RawRepresentable & CaseIterable>(_ o: JSONObject, _ key: String, at parent: String, as: E.Type, required hint: String? = nil) -> E? where E.RawValue == String {
        let path = FieldReader.child(parent, key)
        guard let s = string(o, key, at: parent, required: hint) else { return nil }
        guard let e = E(rawValue: s) else {
            report(path, .string(s), "\(quoted(s)) is not supported: must be one of \(alternatives(E.allCases.map(\.rawValue)))")
            return nil
        }
        return e
    }

    /// A map of strings to strings; members that are not strings are reported and left out.
    mutating func stringMap(_ o: JSONObject, _ key: String, at parent: String) -> [(key: String, value: String)]? {
        let path = FieldReader.child(parent, key)
        guard let m = object(o, key, at: parent) else { return nil }
        var out: [(key: String, value: String)] = []
        for (k, v) in m {
            guard case .string(let s) = v else {
                wrongType(FieldReader.key(path, k), v, expected: "a string")
                continue
            }
            out.append((k, s))
        }
        return out
    }
}
