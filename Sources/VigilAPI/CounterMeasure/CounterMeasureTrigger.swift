import VigilJSON

/// What makes a `CounterMeasure` act: exactly one of `alert` (a Prometheus
/// alert by name, optionally narrowed by label matchers) or `promql` (an
/// instant-vector expression compared with a threshold, held for `for`).
public enum CounterMeasureTrigger: Sendable, Hashable {
    case alert(Alert)
    case promql(PromQL)

    public static let fieldNames = ["alert", "promql"]

    public struct Alert: Sendable, Hashable {
        /// The alert's `alertname`.
        public var name: String
        public var matchers: [AlertMatcher]
        /// Whether `pending` alerts (not yet past their rule's `for`) count.
        public var includePending: Bool
        public init(name: String, matchers: [AlertMatcher] = [], includePending: Bool = false) {
            self.name = name
            self.matchers = matchers
            self.includePending = includePending
        }
    }

    public struct PromQL: Sendable, Hashable {
        public var expr: String
        /// Fires for series whose value is above this (strictly).
        public var above: Double?
        /// Fires for series whose value is below this (strictly).
        public var below: Double?
        /// How long a series must stay past the threshold; nil is 0 (the first sample).
        public var forDuration: GoDuration?
        public init(expr: String, above: Double? = nil, below: Double? = nil, forDuration: GoDuration? = nil) {
            self.expr = expr
            self.above = above
            self.below = below
            self.forDuration = forDuration
        }

        /// Whether `value` is past the threshold (NaN never is).
        public func breaches(_ value: Double) -> Bool {
            if value.isNaN { return false }
            if let above, value > above { return true }
            if let below, value < below { return true }
            return false
        }
    }

    /// For people and the TRIGGER column: `alert HighCPU`, `promql > 5e+08 for 30s`.
    public var summary: String {
        switch self {
        case .alert(let a): return "alert \(a.name)" + (a.matchers.isEmpty ? "" : "{\(a.matchers.map(\.description).joined(separator: ","))}")
        case .promql(let q):
            var s = "promql"
            if let a = q.above { s += " > \(Self.number(a))" }
            if let b = q.below { s += " < \(Self.number(b))" }
            if let f = q.forDuration { s += " for \(f.text)" }
            return s
        }
    }

    static func number(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }

    public var json: JSON {
        switch self {
        case .alert(let a):
            var o = JSONObject()
            o["name"] = .string(a.name)
            if !a.matchers.isEmpty { o["matchers"] = .array(a.matchers.map { .string($0.description) }) }
            if a.includePending { o["includePending"] = .bool(true) }
            return .obj(["alert": .object(o)])
        case .promql(let q):
            var o = JSONObject()
            o["expr"] = .string(q.expr)
            if let a = q.above { o["above"] = .double(a) }
            if let b = q.below { o["below"] = .double(b) }
            if let f = q.forDuration { o["for"] = .string(f.text) }
            return .obj(["promql": .object(o)])
        }
    }

    init?(_ value: JSON, at path: String, _ r: inout FieldReader) {
        let before = r.count
        guard let o = r.object(value, at: path) else { return nil }
        r.rejectUnknown(o, known: Self.fieldNames, at: path)
        let present = r.exactlyOne(of: Self.fieldNames, in: o, value: value, at: path)
        guard present.count == 1 else { return nil }
        var found: CounterMeasureTrigger?
        if let a = r.object(o, "alert", at: path) {
            let p = FieldReader.child(path, "alert")
            r.rejectUnknown(a, known: ["name", "matchers", "includePending"], at: p)
            let name = r.string(a, "name", at: p, required: "the alert's alertname, e.g. HighCPU")
            var matchers: [AlertMatcher] = []
            if let list = r.array(a, "matchers", at: p) {
                for (i, item) in list.enumerated() {
                    let ip = FieldReader.item(FieldReader.child(p, "matchers"), i)
                    guard case .string(let s) = item else {
                        r.wrongType(ip, item, expected: "a string such as 'severity=~\"warning|critical\"'")
                        continue
                    }
                    switch AlertMatcher.parse(s) {
                    case .success(let m): matchers.append(m)
                    case .failure(let e): r.report(ip, item, "\(quoted(s)) \(e.message)")
                    }
                }
            }
            let pending = r.bool(a, "includePending", at: p) ?? false
            if let name { found = .alert(Alert(name: name, matchers: matchers, includePending: pending)) }
        }
        if let q = r.object(o, "promql", at: path) {
            let p = FieldReader.child(path, "promql")
            r.rejectUnknown(q, known: ["expr", "above", "below", "for"], at: p)
            let expr = r.string(q, "expr", at: p, required: "an instant-vector PromQL expression, e.g. 'max by (namespace, pod) (container_memory_working_set_bytes)'")
            func number(_ key: String) -> Double? {
                guard let v = q[key] else { return nil }
                if let d = v.doubleValue, d.isFinite { return d }
                r.wrongType(FieldReader.child(p, key), v, expected: "a number")
                return nil
            }
            let above = number("above")
            let below = number("below")
            if q["above"] == nil && q["below"] == nil {
                r.report(p, value, "set above, below or both: the threshold a series' value must pass to fire")
            }
            let forDuration = r.duration(q, "for", at: p)
            if let expr { found = .promql(PromQL(expr: expr, above: above, below: below, forDuration: forDuration)) }
        }
        guard r.count == before, let found else { return nil }
        self = found
    }
}
