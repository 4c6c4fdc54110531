import VigilJSON

/// A Kubernetes label selector as resources write it (`metav1.LabelSelector`:
/// `matchLabels` plus `matchExpressions` with `In`, `NotIn`, `Exists`,
/// `DoesNotExist`), checked when read and able to match a set of labels.
///
/// Named apart from `Kube.LabelSelector` (the client's plain wire type) so
/// code that imports both needs no qualification. An empty selector matches
/// everything, as in Kubernetes.
public struct LabelSelectorSpec: Sendable, Hashable, CustomStringConvertible {
    /// A `matchExpressions` operator.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case `in` = "In"
        case notIn = "NotIn"
        case exists = "Exists"
        case doesNotExist = "DoesNotExist"
    }

    /// One `matchExpressions` entry.
    public struct Requirement: Sendable, Hashable {
        public var key: String
        public var `operator`: Operator
        /// Non-empty for `In` / `NotIn`, empty for `Exists` / `DoesNotExist`.
        public var values: [String]

        public init(key: String, operator op: Operator, values: [String] = []) {
            self.key = key
            self.operator = op
            self.values = values
        }

        /// Whether `labels` satisfy this requirement (`NotIn` and
        /// `DoesNotExist` hold when the key is absent).
        public func matches(labels: [String: String]) -> Bool {
            switch `operator` {
            case .in: return labels[key].map { values.contains($0) } ?? false
            case .notIn: return labels[key].map { !values.contains($0) } ?? true
            case .exists: return labels[key] != nil
            case .doesNotExist: return labels[key] == nil
            }
        }
    }

    /// Exact matches; nil when the field is absent (kept apart from `{}` so encoding gives back what was read).
    public var matchLabels: [String: String]?
    /// Requirements; nil when the field is absent.
    public var matchExpressions: [Requirement]?

    public init(matchLabels: [String: String]? = nil, matchExpressions: [Requirement]? = nil) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    /// True when the selector has no terms and so selects everything.
    public var isEmpty: Bool { (matchLabels ?? [:]).isEmpty && (matchExpressions ?? []).isEmpty }

    /// Whether an object with `labels` is selected: every `matchLabels` pair
    /// and every requirement must hold.
    public func matches(labels: [String: String]) -> Bool {
        for (k, v) in matchLabels ?? [:] where labels[k] != v { return false }
        return (matchExpressions ?? []).allSatisfy { $0.matches(labels: labels) }
    }

    /// The `labelSelector=` query form for list calls: `app=web,tier in (a,b),!legacy`
    /// (keys sorted, values sorted), empty for an empty selector.
    public var queryString: String {
        var parts: [String] = []
        for (k, v) in (matchLabels ?? [:]).sorted(by: { $0.key < $1.key }) { parts.append("\(k)=\(v)") }
        for r in matchExpressions ?? [] {
            let values = r.values.sorted().joined(separator: ",")
            switch r.operator {
            case .in: parts.append("\(r.key) in (\(values))")
            case .notIn: parts.append("\(r.key) notin (\(values))")
            case .exists: parts.append(r.key)
            case .doesNotExist: parts.append("!\(r.key)")
            }
        }
        return parts.joined(separator: ",")
    }

    public var description: String { isEmpty ? "<everything>" : queryString }

    /// The selector as stored (`matchLabels` keys sorted).
    public var json: JSON {
        var o = JSONObject()
        if let matchLabels {
            var m = JSONObject()
            for (k, v) in matchLabels.sorted(by: { $0.key < $1.key }) { m[k] = .string(v) }
            o["matchLabels"] = .object(m)
        }
        if let matchExpressions {
            o["matchExpressions"] = .array(
                matchExpressions.map { r in
                    var e = JSONObject()
                    e["key"] = .string(r.key)
                    e["operator"] = .string(r.operator.rawValue)
                    if !r.values.isEmpty || r.operator == .in || r.operator == .notIn {
                        e["values"] = .array(r.values.map { .string($0) })
                    }
                    return .object(e)
                })
        }
        return .object(o)
    }

    /// Reads a selector, recording every problem (label key and value
    /// syntax, operators, values present exactly when the operator needs them).
    init?(_ value: JSON, at path: String, _ r: inout FieldReader) {
        let before = r.count
        guard let o = r.object(value, at: path) else { return nil }
        r.rejectUnknown(o, known: ["matchLabels", "matchExpressions"], at: path)
        var labels: [String: String]?
        if let pairs = r.stringMap(o, "matchLabels", at: path) {
            let mp = FieldReader.child(path, "matchLabels")
            var m: [String: String] = [:]
            for (k, v) in pairs {
                if !KubernetesNames.isLabelKey(k) {
                    r.report(FieldReader.key(mp, k), .string(k), "\(quoted(k)) is not a valid label key: \(KubernetesNames.labelKeyRule)")
                }
                if !KubernetesNames.isLabelValue(v) {
                    r.report(FieldReader.key(mp, k), .string(v), "\(quoted(v)) is not a valid label value: \(KubernetesNames.labelValueRule)")
                }
                m[k] = v
            }
            labels = m
        }
        var expressions: [Requirement]?
        if let list = r.array(o, "matchExpressions", at: path) {
            let ep = FieldReader.child(path, "matchExpressions")
            var out: [Requirement] = []
            for (i, item) in list.enumerated() {
                let ip = FieldReader.item(ep, i)
                guard let e = r.object(item, at: ip) else { continue }
                r.rejectUnknown(e, known: ["key", "operator", "values"], at: ip)
                let key = r.string(e, "key", at: ip, required: "the label key to test")
                if let key, !KubernetesNames.isLabelKey(key) {
                    r.report(FieldReader.child(ip, "key"), .string(key), "\(quoted(key)) is not a valid label key: \(KubernetesNames.labelKeyRule)")
                }
                let op = r.enumeration(e, "operator", at: ip, as: Operator.self, required: "one of In, NotIn, Exists or DoesNotExist")
                var values: [String] = []
                if let vs = r.array(e, "values", at: ip) {
                    let vp = FieldReader.child(ip, "values")
                    for (j, v) in vs.enumerated() {
                        guard case .string(let s) = v else {
                            r.wrongType(FieldReader.item(vp, j), v, expected: "a string")
                            continue
                        }
                        if !KubernetesNames.isLabelValue(s) {
                            r.report(FieldReader.item(vp, j), v, "\(quoted(s)) is not a valid label value: \(KubernetesNames.labelValueRule)")
                        }
                        values.append(s)
                    }
                }
                if let op {
                    let vp = FieldReader.child(ip, "values")
                    switch op {
                    case .in, .notIn:
                        if values.isEmpty { r.report(vp, e["values"], "must list at least one value when the operator is \(op.rawValue)") }
                    case .exists, .doesNotExist:
                        if !values.isEmpty { r.report(vp, e["values"], "must be empty when the operator is \(op.rawValue)") }
                    }
                }
                if let key, let op { out.append(Requirement(key: key, operator: op, values: values)) }
            }
            expressions = out
        }
        guard r.count == before else { return nil }
        self.init(matchLabels: labels, matchExpressions: expressions)
    }
}
