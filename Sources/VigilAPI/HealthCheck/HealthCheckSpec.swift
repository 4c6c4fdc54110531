import VigilJSON

/// The spec of a `HealthCheck`: when it runs, what it checks, what a Job
/// check may do in the cluster, and the remedy after repeated failures.
public struct HealthCheckSpec: Sendable, Equatable {
    /// Where a Job check's ServiceAccount gets its rights (as active-monitor's `level`).
    public enum Level: String, Sendable, Hashable, CaseIterable {
        /// A ServiceAccount, Role and RoleBinding in the check's namespace.
        case namespace
        /// A ServiceAccount with a ClusterRole and ClusterRoleBinding (only if vigil.yaml allows it).
        case cluster
    }

    /// Remedy actions run through the shared action engine, bounded.
    public struct Remedy: Sendable, Equatable {
        public static let defaultRunsLimit: Int64 = 3
        public var actions: [ActionSpec]
        /// At most this many remedy runs …
        public var runsLimit: Int64
        /// … until this long has passed since the last one (never, when absent, until a check passes).
        public var resetInterval: GoDuration?
        public init(actions: [ActionSpec], runsLimit: Int64 = defaultRunsLimit, resetInterval: GoDuration? = nil) {
            self.actions = actions
            self.runsLimit = runsLimit
            self.resetInterval = resetInterval
        }
    }

    public static let maxActions = 20
    public static let defaultHistoryLimit: Int64 = 10

    public var schedule: HealthCheckSchedule
    public var check: HealthCheckProbe
    public var level: Level?
    /// The rules of the Role or ClusterRole `level` creates (default: read-only, see `defaultRules`).
    public var rbacRules: [JSON]?
    /// Failed runs in a row before the remedy runs (default 1).
    public var failureThreshold: Int64
    public var remedy: Remedy?
    /// Runs kept in `status.history`.
    public var historyLimit: Int64
    /// Remedy writes are sent with `dryRun=All`, webhooks are not called; the check itself runs.
    public var dryRun: Bool
    /// No run starts while set.
    public var paused: Bool

    public init(
        schedule: HealthCheckSchedule, check: HealthCheckProbe, level: Level? = nil, rbacRules: [JSON]? = nil, failureThreshold: Int64 = 1,
        remedy: Remedy? = nil, historyLimit: Int64 = defaultHistoryLimit, dryRun: Bool = false, paused: Bool = false
    ) {
        self.schedule = schedule
        self.check = check
        self.level = level
        self.rbacRules = rbacRules
        self.failureThreshold = failureThreshold
        self.remedy = remedy
        self.historyLimit = historyLimit
        self.dryRun = dryRun
        self.paused = paused
    }

    /// The rules a `level` ServiceAccount gets when `rbacRules` is absent:
    /// read-only access to what checks commonly look at. Kept within what
    /// Vigil itself holds (deploy/rbac/clusterrole.yaml), so the API server
    /// lets Vigil grant them without the `escalate` verb.
    public static let defaultRules: [JSON] = [
        .obj(["apiGroups": [""], "resources": ["pods", "namespaces"], "verbs": ["get", "list", "watch"]]),
        .obj(["apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]]),
        .obj(["apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]]),
        .obj(["apiGroups": ["apps"], "resources": ["deployments", "statefulsets"], "verbs": ["get", "list", "watch"]]),
    ]

    public var json: JSON {
        var o = JSONObject()
        o["schedule"] = schedule.json
        o["check"] = check.json
        if let level { o["level"] = .string(level.rawValue) }
        if let rbacRules { o["rbacRules"] = .array(rbacRules) }
        o["failureThreshold"] = .int(failureThreshold)
        if let remedy {
            var m = JSONObject()
            m["actions"] = .array(remedy.actions.map(\.json))
            m["runsLimit"] = .int(remedy.runsLimit)
            if let r = remedy.resetInterval { m["resetInterval"] = .string(r.text) }
            o["remedy"] = .object(m)
        }
        o["historyLimit"] = .int(historyLimit)
        if dryRun { o["dryRun"] = .bool(true) }
        if paused { o["paused"] = .bool(true) }
        return .object(o)
    }

    static let known = ["schedule", "check", "level", "rbacRules", "failureThreshold", "remedy", "historyLimit", "dryRun", "paused"]

    init?(_ value: JSON, at path: String, _ r: inout FieldReader) {
        let before = r.count
        guard let o = r.object(value, at: path) else { return nil }
        r.rejectUnknown(o, known: Self.known, at: path)
        var schedule: HealthCheckSchedule?
        if let s = o["schedule"] {
            schedule = HealthCheckSchedule(s, at: FieldReader.child(path, "schedule"), &r)
        } else {
            r.required(FieldReader.child(path, "schedule"), "exactly one of every (e.g. 30s) or cron (e.g. \"*/5 * * * *\", with an optional timeZone)")
        }
        var check: HealthCheckProbe?
        if let c = o["check"] {
            check = HealthCheckProbe(c, at: FieldReader.child(path, "check"), &r)
        } else {
            r.required(FieldReader.child(path, "check"), "exactly one of http {url}, job {template} or promql {expr}")
        }
        let level = r.enumeration(o, "level", at: path, as: Level.self)
        var isJob = false
        if case .job = check { isJob = true }
        if level != nil, check != nil, !isJob {
            r.report(FieldReader.child(path, "level"), o["level"], "level gives a Job check's pod its ServiceAccount and rights: it applies only to check.job")
        }
        var rules: [JSON]?
        if let list = r.array(o, "rbacRules", at: path) {
            let p = FieldReader.child(path, "rbacRules")
            if level == nil { r.report(p, o["rbacRules"], "rbacRules only means something with level (namespace or cluster): set level too") }
            if list.isEmpty { r.report(p, .array([]), "list at least one rule, or leave rbacRules out for the default read-only rules") }
            for (i, item) in list.enumerated() { Self.checkRule(item, at: FieldReader.item(p, i), &r) }
            rules = list
        }
        let threshold = r.int(o, "failureThreshold", at: path, in: 1...1000) ?? 1
        var remedy: Remedy?
        if let m = r.object(o, "remedy", at: path) {
            let p = FieldReader.child(path, "remedy")
            r.rejectUnknown(m, known: ["actions", "runsLimit", "resetInterval"], at: p)
            var unavailable: [(prefix: String, why: String)] = [
                ("alert.", "a HealthCheck has no alert: {{alert.*}} exists only for CounterMeasure alert triggers"),
                ("annotations.", "a HealthCheck has no alert annotations: {{annotations.*}} exists only for CounterMeasure alert triggers"),
            ]
            if let check, case .promql(let q) = check, q.failWhen == .nonEmpty {} else {
                let why = "only a promql check with failWhen: nonEmpty has a failing series: {{labels.*}} and {{value}} come from it"
                unavailable += [("labels.", why), ("value", why)]
            }
            let actions = ActionSpec.readList(m, "actions", at: p, max: Self.maxActions, example: "[{restart: {kind: Deployment, name: checkout}}]", unavailable: unavailable, &r)
            let limit = r.int(m, "runsLimit", at: p, in: 1...Int64(Int32.max)) ?? Remedy.defaultRunsLimit
            let reset = r.duration(m, "resetInterval", at: p)
            if let reset, reset.milliseconds <= 0 { r.report(FieldReader.child(p, "resetInterval"), .string(reset.text), "must be greater than zero") }
            remedy = Remedy(actions: actions, runsLimit: limit, resetInterval: reset)
        }
        let history = r.int(o, "historyLimit", at: path, in: 1...100) ?? Self.defaultHistoryLimit
        let dryRun = r.bool(o, "dryRun", at: path) ?? false
        let paused = r.bool(o, "paused", at: path) ?? false
        guard r.count == before, let schedule, let check else { return nil }
        self.init(
            schedule: schedule, check: check, level: level, rbacRules: rules, failureThreshold: threshold, remedy: remedy, historyLimit: history,
            dryRun: dryRun, paused: paused)
    }

    /// A PolicyRule as `rbac.authorization.k8s.io/v1` takes it.
    static func checkRule(_ value: JSON, at p: String, _ r: inout FieldReader) {
        guard let o = r.object(value, at: p) else { return }
        r.rejectUnknown(o, known: ["apiGroups", "resources", "resourceNames", "verbs", "nonResourceURLs"], at: p)
        func strings(_ key: String) -> [String]? {
            guard let list = r.array(o, key, at: p) else { return nil }
            var out: [String] = []
            for (i, item) in list.enumerated() {
                if let s = item.stringValue { out.append(s) } else { r.wrongType(FieldReader.item(FieldReader.child(p, key), i), item, expected: "a string") }
            }
            return out
        }
        let verbs = strings("verbs")
        if verbs?.isEmpty ?? true { r.report(FieldReader.child(p, "verbs"), o["verbs"], "required: the verbs allowed, e.g. [get, list, watch]") }
        let resources = strings("resources")
        let urls = strings("nonResourceURLs")
        _ = strings("apiGroups")
        _ = strings("resourceNames")
        if resources == nil && urls == nil { r.report(p, value, "a rule names resources (with apiGroups) or nonResourceURLs") }
        if resources != nil && o["apiGroups"] == nil { r.report(FieldReader.child(p, "apiGroups"), nil, "required with resources: the API groups, \"\" for the core group") }
    }
}
