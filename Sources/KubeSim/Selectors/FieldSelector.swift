/// A parsed field selector (`fieldSelector=`): an AND of `field=value` /
/// `field!=value` terms, as apimachinery's `fields.ParseSelector`, plus the
/// per-resource table of which fields the real apiserver lets clients select
/// on and how it reads their values.
public struct FieldSelector: Sendable, Equatable, CustomStringConvertible {
    /// `=`/`==` or `!=`.
    public enum Operator: String, Sendable, Equatable {
        case equals = "="
        case notEquals = "!="
    }

    /// One term. `value` is already unescaped.
    public struct Requirement: Sendable, Equatable {
        public var field: String
        public var op: Operator
        public var value: String
        public init(field: String, op: Operator, value: String) {
            self.field = field
            self.op = op
            self.value = value
        }
    }

    /// Terms in the order Go leaves them (raw terms sorted as strings).
    public var requirements: [Requirement]

    public init(requirements: [Requirement] = []) { self.requirements = requirements }

    public static let everything = FieldSelector()
    public var isEmpty: Bool { requirements.isEmpty }

    /// `field=value` joined by commas, values re-escaped.
    public var description: String {
        requirements.map { "\($0.field)\($0.op.rawValue)\(FieldSelector.escape($0.value))" }.joined(separator: ",")
    }

    /// Matches with a value lookup; a field the lookup returns nil for reads
    /// as the empty string (Go's `fields.Set.Get`).
    public func matches(_ value: (String) -> String?) -> Bool {
        for r in requirements {
            let v = value(r.field) ?? ""
            switch r.op {
            case .equals: if v != r.value { return false }
            case .notEquals: if v == r.value { return false }
            }
        }
        return true
    }

    /// Matches an object of the given resource using `fieldValue`.
    public func matches(object: JSON, group: String, resource: String) -> Bool {
        matches { FieldSelector.fieldValue($0, group: group, resource: resource, object: object) }
    }

    // MARK: - Parsing

    /// Parses `a=b,c!=d`, honouring `\,` `\=` `\\` escapes in values.
    /// Errors use the apiserver texts, e.g.
    /// `invalid selector: 'foo'; can't understand 'foo'`.
    public static func parse(_ selector: String) throws(FieldSelectorError) -> FieldSelector {
        var parts = splitTerms(selector)
        parts.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var reqs: [Requirement] = []
        for part in parts where !part.isEmpty {
            guard let (lhs, op, rhs) = splitTerm(part) else {
                throw FieldSelectorError("invalid selector: '\(selector)'; can't understand '\(part)'")
            }
            let value = try unescape(rhs)
            reqs.append(Requirement(field: lhs, op: op == "!=" ? .notEquals : .equals, value: value))
        }
        return FieldSelector(requirements: reqs)
    }

    static func splitTerms(_ s: String) -> [String] {
        if s.isEmpty { return [] }
        var terms: [String] = []
        var current = ""
        var inSlash = false
        for c in s.unicodeScalars {
            if inSlash {
                inSlash = false
            } else if c == "\\" {
                inSlash = true
            } else if c == "," {
                terms.append(current)
                current = ""
                continue
            }
            current.unicodeScalars.append(c)
        }
        terms.append(current)
        return terms
    }

    static func splitTerm(_ term: String) -> (String, String, String)? {
        let b = Array(term.utf8)
        for i in 0..<b.count {
            for op in ["!=", "==", "="] {
                let o = Array(op.utf8)
                if i + o.count <= b.count, Array(b[i..<(i + o.count)]) == o {
                    return (
                        String(decoding: b[0..<i], as: UTF8.self), op,
                        String(decoding: b[(i + o.count)...], as: UTF8.self)
                    )
                }
            }
        }
        return nil
    }

    /// `fields.UnescapeValue`.
    public static func unescape(_ s: String) throws(FieldSelectorError) -> String {
        var out = ""
        var inSlash = false
        for c in s.unicodeScalars {
            if inSlash {
                switch c {
                case "\\", ",", "=": out.unicodeScalars.append(c)
                default: throw FieldSelectorError("invalid field selector: invalid escape sequence: \\\(c)")
                }
                inSlash = false
                continue
            }
            switch c {
            case "\\": inSlash = true
            case ",", "=":
                // Go prints the rune with %v, i.e. as its code point number.
                throw FieldSelectorError("invalid field selector: unescaped character in value: \(c.value)")
            default: out.unicodeScalars.append(c)
            }
        }
        if inSlash { throw FieldSelectorError("invalid field selector: invalid escape sequence: \\") }
        return out
    }

    /// `fields.EscapeValue`.
    public static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            if c == "\\" || c == "," || c == "=" { out += "\\" }
            out.unicodeScalars.append(c)
        }
        return out
    }

    // MARK: - Per-resource selectable fields

    /// How a selectable field's value is read from the served JSON.
    enum Source: Sendable {
        case string([String])
        /// A bool, printed `true`/`false`; absent reads `false`.
        case bool([String])
        /// An integer, printed in decimal; absent reads `0`.
        case int([String])
        /// First of several string paths that is non-empty.
        case firstNonEmpty([[String]])
        /// Pod IP: `status.podIPs[0].ip`, else `status.podIP`.
        case podIP
        /// Accepted by the conversion func but never in the field set: "".
        case alwaysEmpty
    }

    struct ResourceFields: Sendable {
        var namespaced: Bool
        var fields: [String: Source]
        /// The error text for an unsupported label.
        var reject: @Sendable (String) -> String
    }

    static func standardReject(_ label: String) -> String { "field label not supported: \(label)" }

    static let table: [String: ResourceFields] = {
        var t: [String: ResourceFields] = [:]
        t["/pods"] = ResourceFields(
            namespaced: true,
            fields: [
                "spec.nodeName": .string(["spec", "nodeName"]),
                "spec.restartPolicy": .string(["spec", "restartPolicy"]),
                "spec.schedulerName": .string(["spec", "schedulerName"]),
                "spec.serviceAccountName": .string(["spec", "serviceAccountName"]),
                "spec.hostNetwork": .bool(["spec", "hostNetwork"]),
                "status.phase": .string(["status", "phase"]),
                "status.podIP": .podIP,
                // Accepted by the conversion func but never put in the field
                // set, so it always reads "".
                "status.podIPs": .alwaysEmpty,
                "status.nominatedNodeName": .string(["status", "nominatedNodeName"]),
            ], reject: standardReject)
        t["/nodes"] = ResourceFields(
            namespaced: false, fields: ["spec.unschedulable": .bool(["spec", "unschedulable"])], reject: standardReject)
        t["/namespaces"] = ResourceFields(
            namespaced: false, fields: ["status.phase": .string(["status", "phase"])], reject: standardReject)
        t["/secrets"] = ResourceFields(namespaced: true, fields: ["type": .string(["type"])], reject: standardReject)
        t["/services"] = ResourceFields(
            namespaced: true,
            fields: ["spec.clusterIP": .string(["spec", "clusterIP"]), "spec.type": .string(["spec", "type"])],
            reject: standardReject)
        t["/replicationcontrollers"] = ResourceFields(
            namespaced: true, fields: ["status.replicas": .int(["status", "replicas"])], reject: standardReject)
        var core: [String: Source] = [:]
        for f in ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"] {
            core["involvedObject.\(f)"] = .string(["involvedObject", f])
        }
        core["reason"] = .string(["reason"])
        core["reportingComponent"] = .string(["reportingComponent"])
        core["source"] = .firstNonEmpty([["source", "component"], ["reportingComponent"]])
        core["type"] = .string(["type"])
        t["/events"] = ResourceFields(namespaced: true, fields: core, reject: standardReject)
        var ev: [String: Source] = [:]
        for f in ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"] {
            ev["regarding.\(f)"] = .string(["regarding", f])
        }
        ev["reason"] = .string(["reason"])
        ev["reportingController"] = .string(["reportingController"])
        ev["type"] = .string(["type"])
        t["events.k8s.io/events"] = ResourceFields(namespaced: true, fields: ev, reject: standardReject)
        t["batch/jobs"] = ResourceFields(
            namespaced: true, fields: ["status.successful": .int(["status", "succeeded"])],
            reject: { "field label \(GoFormat.quote($0)) not supported for batchv1.Job" })
        t["apps/replicasets"] = ResourceFields(
            namespaced: true, fields: ["status.replicas": .int(["status", "replicas"])], reject: standardReject)
        t["certificates.k8s.io/certificatesigningrequests"] = ResourceFields(
            namespaced: false, fields: ["spec.signerName": .string(["spec", "signerName"])], reject: standardReject)
        return t
    }()

    /// The value the apiserver's field set holds for `field` on `object`, or
    /// nil when that resource does not support selecting on the field (the
    /// caller answers 400 with `unsupportedFieldMessage`). Resources without
    /// their own rules support `metadata.name` and `metadata.namespace`.
    /// Missing string fields read as "", missing bools `false`, counts `0`.
    public static func fieldValue(_ field: String, group: String, resource: String, object: JSON) -> String? {
        let rules = table["\(group)/\(resource)"]
        if field == "metadata.name" { return object[path: ["metadata", "name"]]?.stringValue ?? "" }
        if field == "metadata.namespace" {
            if let rules, !rules.namespaced { return nil }
            return object[path: ["metadata", "namespace"]]?.stringValue ?? ""
        }
        guard let source = rules?.fields[field] else { return nil }
        switch source {
        case .string(let p): return object[path: p]?.stringValue ?? ""
        case .bool(let p): return (object[path: p]?.boolValue ?? false) ? "true" : "false"
        case .int(let p): return String(object[path: p]?.intValue ?? 0)
        case .firstNonEmpty(let ps):
            for p in ps {
                if let s = object[path: p]?.stringValue, !s.isEmpty { return s }
            }
            return ""
        case .alwaysEmpty: return ""
        case .podIP:
            if let ip = object[path: ["status", "podIPs"]]?[0]?["ip"]?.stringValue { return ip }
            return object[path: ["status", "podIP"]]?.stringValue ?? ""
        }
    }

    /// The 400 message for a field the resource does not support. Resources
    /// with a registered conversion func say `field label not supported: f`;
    /// the rest use `runtime.DefaultMetaV1FieldSelectorConversion`'s text.
    /// Pass `customResource: true` for CRD-served resources.
    public static func unsupportedFieldMessage(
        _ field: String, group: String, resource: String, customResource: Bool = false
    ) -> String {
        if customResource { return standardReject(field) }
        if let rules = table["\(group)/\(resource)"] { return rules.reject(field) }
        return "\(GoFormat.quote(field)) is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
    }

    /// Checks every requirement against the resource's supported fields,
    /// throwing the apiserver's 400 text for the first unsupported one.
    public func validate(group: String, resource: String, customResource: Bool = false) throws(FieldSelectorError) {
        for r in requirements {
            let ok: Bool
            if customResource {
                ok = r.field == "metadata.name" || r.field == "metadata.namespace"
            } else {
                ok = FieldSelector.fieldValue(r.field, group: group, resource: resource, object: .null) != nil
            }
            if !ok {
                throw FieldSelectorError(
                    FieldSelector.unsupportedFieldMessage(
                        r.field, group: group, resource: resource, customResource: customResource))
            }
        }
    }
}

/// A field selector that could not be parsed or names an unsupported field;
/// `message` is the apiserver's text (served as 400 BadRequest).
public struct FieldSelectorError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
