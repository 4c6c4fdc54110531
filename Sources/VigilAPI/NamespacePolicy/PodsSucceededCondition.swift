import VigilJSON

/// The `podsSucceeded` condition: after `initialDelay`, every `period` the
/// pods matching `selector` are looked at; the condition holds when every
/// selected pod has phase `Succeeded` — or, when none are left, only if at
/// least `minSucceeded` were seen succeeded (so an empty namespace does not
/// count as done).
public struct PodsSucceededCondition: Sendable, Hashable {
    /// The default `initialDelay`: 60s.
    public static let defaultInitialDelay = GoDuration(milliseconds: 60_000, text: "60s")
    /// The default `period`: 10s.
    public static let defaultPeriod = GoDuration(milliseconds: 10_000, text: "10s")
    /// The default `minSucceeded`: 1.
    public static let defaultMinSucceeded = 1

    /// Which pods count; an empty selector (`{}`) selects every pod in the namespace.
    public var selector: LabelSelectorSpec
    /// How long after the policy starts watching before the first look; nil means the default.
    public var initialDelay: GoDuration?
    /// How often to look; nil means the default.
    public var period: GoDuration?
    /// How many succeeded pods must have been seen when none are left (at least 1); nil means the default.
    public var minSucceeded: Int?

    public init(selector: LabelSelectorSpec, initialDelay: GoDuration? = nil, period: GoDuration? = nil, minSucceeded: Int? = nil) {
        self.selector = selector
        self.initialDelay = initialDelay
        self.period = period
        self.minSucceeded = minSucceeded
    }

    /// `initialDelay`, or its default.
    public var effectiveInitialDelay: GoDuration { initialDelay ?? Self.defaultInitialDelay }
    /// `period`, or its default.
    public var effectivePeriod: GoDuration { period ?? Self.defaultPeriod }
    /// `minSucceeded`, or its default.
    public var effectiveMinSucceeded: Int { minSucceeded ?? Self.defaultMinSucceeded }

    /// The condition as stored (absent optionals left out).
    public var json: JSON {
        var o = JSONObject()
        o["selector"] = selector.json
        if let initialDelay { o["initialDelay"] = .string(initialDelay.text) }
        if let period { o["period"] = .string(period.text) }
        if let minSucceeded { o["minSucceeded"] = .int(Int64(minSucceeded)) }
        return .object(o)
    }

    init?(_ value: JSON, at path: String, _ r: inout FieldReader) {
        let before = r.count
        guard let o = r.object(value, at: path) else { return nil }
        r.rejectUnknown(o, known: ["selector", "initialDelay", "period", "minSucceeded"], at: path)
        var selector: LabelSelectorSpec?
        if let s = o["selector"] {
            selector = LabelSelectorSpec(s, at: FieldReader.child(path, "selector"), &r)
        } else {
            r.required(FieldReader.child(path, "selector"), "a label selector for the pods to watch, e.g. {matchLabels: {job: e2e}}; {} selects every pod")
        }
        let initialDelay = r.duration(o, "initialDelay", at: path)
        let period = r.duration(o, "period", at: path)
        if let period, period.milliseconds == 0 {
            r.report(FieldReader.child(path, "period"), .string(period.text), "\(quoted(period.text)) is not allowed: the period must be greater than zero, e.g. \"10s\"")
        }
        let minSucceeded = r.int(o, "minSucceeded", at: path, in: 1...Int64(Int32.max))
        guard r.count == before, let selector else { return nil }
        self.init(selector: selector, initialDelay: initialDelay, period: period, minSucceeded: minSucceeded.map { Int($0) })
    }
}
