import VigilJSON

/// The spec of a `CounterMeasure`: a trigger, the actions it runs in order,
/// and the safety limits that bound them.
public struct CounterMeasureSpec: Sendable, Hashable {
    /// The Prometheus source (a name under `prometheus.sources` in vigil.yaml).
    public static let defaultSource = "default"
    /// The most actions a CounterMeasure may list.
    public static let maxActions = 20

    /// `maxTargetsPerWindow`: at most `count` distinct targets acted on per sliding `window`.
    public struct TargetLimit: Sendable, Hashable {
        public var count: Int64
        public var window: GoDuration
        public init(count: Int64, window: GoDuration) {
            self.count = count
            self.window = window
        }
    }

    public var source: String?
    public var trigger: CounterMeasureTrigger
    public var actions: [ActionSpec] {
        didSet { targetLabels = Self.labelNames(actions) }
    }
    /// The labels the actions' templates name (`{{labels.pod}}` → `pod`): what a run acts on,
    /// so its target. Worked out once here (templates are parsed), not on every evaluation.
    public private(set) var targetLabels: Set<String>
    /// After a run for a target, new trigger instances for the same target wait this long.
    public var cooldown: GoDuration?
    /// At most this many runs until `resetAfter` passes without one.
    public var maxRuns: Int64?
    public var resetAfter: GoDuration?
    public var maxTargetsPerWindow: TargetLimit?
    /// Every Kubernetes write is sent with `dryRun=All`; webhooks are not called.
    public var dryRun: Bool
    /// Nothing runs while set; an instance still active when it is unset runs then.
    public var paused: Bool

    public init(
        source: String? = nil, trigger: CounterMeasureTrigger, actions: [ActionSpec], cooldown: GoDuration? = nil, maxRuns: Int64? = nil,
        resetAfter: GoDuration? = nil, maxTargetsPerWindow: TargetLimit? = nil, dryRun: Bool = false, paused: Bool = false
    ) {
        self.source = source
        self.trigger = trigger
        self.actions = actions
        self.targetLabels = Self.labelNames(actions)
        self.cooldown = cooldown
        self.maxRuns = maxRuns
        self.resetAfter = resetAfter
        self.maxTargetsPerWindow = maxTargetsPerWindow
        self.dryRun = dryRun
        self.paused = paused
    }

    public var effectiveSource: String { source ?? Self.defaultSource }

    static func labelNames(_ actions: [ActionSpec]) -> Set<String> {
        Set(actions.flatMap { $0.templates.flatMap { $0.template.labelNames } })
    }

    public var json: JSON {
        var o = JSONObject()
        if let source { o["source"] = .string(source) }
        o["trigger"] = trigger.json
        o["actions"] = .array(actions.map(\.json))
        if let cooldown { o["cooldown"] = .string(cooldown.text) }
        if let maxRuns { o["maxRuns"] = .int(maxRuns) }
        if let resetAfter { o["resetAfter"] = .string(resetAfter.text) }
        if let m = maxTargetsPerWindow { o["maxTargetsPerWindow"] = .obj(["count": .int(m.count), "window": .string(m.window.text)]) }
        if dryRun { o["dryRun"] = .bool(true) }
        if paused { o["paused"] = .bool(true) }
        return .object(o)
    }

    static let known = ["source", "trigger", "actions", "cooldown", "maxRuns", "resetAfter", "maxTargetsPerWindow", "dryRun", "paused"]

    init?(_ value: JSON, at path: String, _ r: inout FieldReader) {
        let before = r.count
        guard let o = r.object(value, at: path) else { return nil }
        r.rejectUnknown(o, known: Self.known, at: path)
        let source = r.string(o, "source", at: path)
        if let source, !KubernetesNames.isDNS1123Label(source) {
            r.report(FieldReader.child(path, "source"), .string(source), "\(quoted(source)) is not a valid source name: \(KubernetesNames.dns1123LabelRule)")
        }
        var trigger: CounterMeasureTrigger?
        if let t = o["trigger"] {
            trigger = CounterMeasureTrigger(t, at: FieldReader.child(path, "trigger"), &r)
        } else {
            r.required(FieldReader.child(path, "trigger"), "exactly one of alert {name, matchers} or promql {expr, above|below, for}")
        }
        let noAlert = "a promql trigger has no alert: {{alert.name}}, {{alert.fingerprint}} and {{alert.startsAt}} exist only for alert triggers"
        let actions = ActionSpec.readList(
            o, "actions", at: path, max: Self.maxActions, example: "[{deletePod: {name: \"{{labels.pod}}\"}}]",
            unavailable: trigger.map { if case .alert = $0 { [] } else { [("alert.", noAlert)] } } ?? (o["trigger"]?["alert"] != nil ? [] : [("alert.", noAlert)]), &r)
        func positive(_ key: String) -> GoDuration? {
            guard let d = r.duration(o, key, at: path) else { return nil }
            if d.milliseconds <= 0 {
                r.report(FieldReader.child(path, key), .string(d.text), "must be greater than zero")
                return nil
            }
            return d
        }
        let cooldown = positive("cooldown")
        let maxRuns = r.int(o, "maxRuns", at: path, in: 1...Int64(Int32.max))
        let resetAfter = positive("resetAfter")
        if resetAfter != nil && maxRuns == nil {
            r.report(FieldReader.child(path, "resetAfter"), o["resetAfter"], "resetAfter only means something with maxRuns: set maxRuns too")
        }
        var limit: TargetLimit?
        if let m = r.object(o, "maxTargetsPerWindow", at: path) {
            let mp = FieldReader.child(path, "maxTargetsPerWindow")
            r.rejectUnknown(m, known: ["count", "window"], at: mp)
            let count = r.int(m, "count", at: mp, in: 1...Int64(Int32.max), required: "how many distinct targets may be acted on per window, e.g. 3")
            let window = r.duration(m, "window", at: mp, required: "the sliding window, e.g. 10m")
            if let window, window.milliseconds <= 0 { r.report(FieldReader.child(mp, "window"), .string(window.text), "must be greater than zero") }
            if let count, let window, window.milliseconds > 0 { limit = TargetLimit(count: count, window: window) }
        }
        let dryRun = r.bool(o, "dryRun", at: path) ?? false
        let paused = r.bool(o, "paused", at: path) ?? false
        guard r.count == before, let trigger else { return nil }
        self.init(
            source: source, trigger: trigger, actions: actions, cooldown: cooldown, maxRuns: maxRuns, resetAfter: resetAfter,
            maxTargetsPerWindow: limit, dryRun: dryRun, paused: paused)
    }
}
