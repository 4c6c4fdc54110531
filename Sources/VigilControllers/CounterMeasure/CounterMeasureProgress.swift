import VigilAPI
import VigilJSON

/// What a `CounterMeasure` remembers between reconciles, in its status so it
/// survives restarts and failover: the runs (with the values they were
/// started with, so a run resumed by another replica renders the same
/// actions), the safety counters (cooldown per target, maxRuns, the
/// blast-radius window), PromQL series waiting out their `for`, and the
/// instances held back by a limit (so each is announced once).
public struct CounterMeasureProgress: Sendable, Equatable {
    public enum Phase: String, Sendable, Equatable {
        case running = "Running"
        case succeeded = "Succeeded"
        case failed = "Failed"
    }

    /// One action's record within a run.
    public typealias Step = ActionStepRecord

    /// One accepted trigger instance and what came of it.
    public struct Run: Sendable, Equatable {
        public var instance: String
        public var target: String
        public var values: TemplateValues
        public var startedAt: RFC3339Time
        public var finishedAt: RFC3339Time?
        public var phase: Phase
        public var dryRun: Bool
        public var steps: [Step]
        /// Why the run is not moving (a failed action's error, a rate limit).
        public var message: String?
        /// When Alertmanager said the instance's alert resolved.
        public var resolvedAt: RFC3339Time?

        public init(instance: String, target: String, values: TemplateValues, startedAt: RFC3339Time, phase: Phase = .running, dryRun: Bool, steps: [Step] = [], message: String? = nil) {
            self.instance = instance
            self.target = target
            self.values = values
            self.startedAt = startedAt
            self.phase = phase
            self.dryRun = dryRun
            self.steps = steps
            self.message = message
        }
    }

    /// An alert's current episode (see `CounterMeasureEvaluator.alertInstances`).
    public struct Episode: Sendable, Equatable {
        /// When the first source showed it active: the instance's start.
        public var start: RFC3339Time
        /// The polled `activeAt`, the pushed `startsAt`, as last seen.
        public var activeAt: RFC3339Time?
        public var startsAt: RFC3339Time?
        public init(start: RFC3339Time, activeAt: RFC3339Time? = nil, startsAt: RFC3339Time? = nil) {
            self.start = start
            self.activeAt = activeAt
            self.startsAt = startsAt
        }
    }

    /// An alert Alertmanager pushed, recorded before the receiver answered 200.
    public struct Pushed: Sendable, Equatable {
        public var fingerprint: String
        public var labels: [String: String]
        public var annotations: [String: String]
        public var startsAt: RFC3339Time
        public var endsAt: RFC3339Time?
        public var resolved: Bool
        public var receivedAt: RFC3339Time

        public init(fingerprint: String, labels: [String: String], annotations: [String: String], startsAt: RFC3339Time, endsAt: RFC3339Time?, resolved: Bool, receivedAt: RFC3339Time) {
            self.fingerprint = fingerprint
            self.labels = labels
            self.annotations = annotations
            self.startsAt = startsAt
            self.endsAt = endsAt
            self.resolved = resolved
            self.receivedAt = receivedAt
        }

        /// Its key in `status.pushed`: `<fingerprint>/<startsAt>`.
        public var key: String { "\(fingerprint)/\(startsAt.text)" }

        public var json: JSON {
            var o = JSONObject()
            o["fingerprint"] = .string(fingerprint)
            o["labels"] = .strings(labels)
            if !annotations.isEmpty { o["annotations"] = .strings(annotations) }
            o["startsAt"] = .string(startsAt.text)
            if let endsAt { o["endsAt"] = .string(endsAt.text) }
            o["status"] = .string(resolved ? "resolved" : "firing")
            o["receivedAt"] = .string(receivedAt.text)
            return .object(o)
        }

        public init?(json: JSON) {
            guard let fp = json["fingerprint"]?.stringValue, let starts = json["startsAt"]?.stringValue.flatMap(RFC3339Time.init),
                let received = json["receivedAt"]?.stringValue.flatMap(RFC3339Time.init)
            else { return nil }
            self.init(
                fingerprint: fp, labels: json["labels"]?.stringMap ?? [:], annotations: json["annotations"]?.stringMap ?? [:], startsAt: starts,
                endsAt: json["endsAt"]?.stringValue.flatMap(RFC3339Time.init), resolved: json["status"]?.stringValue == "resolved", receivedAt: received)
        }
    }

    /// A pushed firing alert not re-sent for this long is taken to have ended
    /// (Alertmanager re-sends at its repeat_interval, 4 h by default).
    public static let pushedTTL = 24.0 * 3600

    /// Alerts pushed by Alertmanager, by `Pushed.key` (the receiver adds them; the evaluator consumes them).
    public var pushed: [String: Pushed] = [:]
    /// Active alert episodes by fingerprint.
    public var episodes: [String: Episode] = [:]

    /// Runs, oldest first: every running one and the newest finished ones.
    public var runs: [Run] = []
    /// PromQL series past the threshold: fingerprint → first seen past it.
    public var pending: [String: RFC3339Time] = [:]
    /// Target → when a run for it last started (cooldown).
    public var lastRunByTarget: [String: RFC3339Time] = [:]
    /// Runs counted against maxRuns since the last reset.
    public var runCount: Int = 0
    /// Runs ever started.
    public var totalRuns: Int = 0
    public var lastRunAt: RFC3339Time?
    /// Targets acted on within the blast-radius window, with when.
    public var window: [(target: String, at: RFC3339Time)] = []
    /// Instances held back by a limit → the limit's reason (announced once).
    public var blocked: [String: String] = [:]
    /// Other namespaces where the alert was active when announced (ignored: not this namespace's; at most 20).
    public var ignoredNamespaces: [String] = []
    /// The generation the ignored alerts were announced for (once per generation).
    public var ignoredGeneration: Int64?
    /// Whether the counters above are a dry run's: they start as a copy of the
    /// real ones (a dry run is held back as a real run would be), and the
    /// real ones, kept in `realCounters`, come back when `spec.dryRun` is
    /// switched off (a dry run never holds back, nor frees, a real run).
    public var countersDryRun: Bool = false
    /// The real counters while dry runs count (`runCount`, `lastRunAt`, `lastRunByTarget`, `window`).
    public var realCounters: JSON?

    public init() {}

    public static func == (a: Self, b: Self) -> Bool { a.json == b.json }

    /// Finished runs kept (running ones are always kept).
    public static let keptFinishedRuns = 10

    public func run(_ instance: String) -> Run? { runs.first { $0.instance == instance } }

    /// The run of `instance` made in the given mode (a dry run does not stand for a real one).
    public func run(_ instance: String, dryRun: Bool) -> Run? { runs.first { $0.instance == instance && $0.dryRun == dryRun } }

    // MARK: Status fields

    /// The fields this type owns in `status` (the ledger's `effects`, the
    /// conditions and the display fields are written beside them).
    public var json: JSON {
        var o = JSONObject()
        o["runs"] = .array(runs.map(Self.encode))
        o["pending"] = .strings(pending.mapValues(\.text))
        o["lastRunByTarget"] = .strings(lastRunByTarget.mapValues(\.text))
        o["runCount"] = .int(Int64(runCount))
        o["totalRuns"] = .int(Int64(totalRuns))
        o["lastRunAt"] = lastRunAt.map { .string($0.text) } ?? .null
        o["window"] = .array(window.map { .obj(["target": .string($0.target), "at": .string($0.at.text)]) })
        o["blocked"] = .strings(blocked)
        o["ignoredNamespaces"] = .array(ignoredNamespaces.map { .string($0) })
        o["pushed"] = .object(JSONObject(pushed.sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) }))
        o["episodes"] = .object(JSONObject(episodes.sorted { $0.key < $1.key }.map { fp, e in
            var x = JSONObject()
            x["start"] = .string(e.start.text)
            if let a = e.activeAt { x["activeAt"] = .string(a.text) }
            if let a = e.startsAt { x["startsAt"] = .string(a.text) }
            return (fp, .object(x))
        }))
        o["countersDryRun"] = .bool(countersDryRun)
        o["realCounters"] = realCounters ?? .null
        o["ignoredGeneration"] = ignoredGeneration.map { .int($0) } ?? .null
        return .object(o)
    }

    /// Reads what a previous reconcile wrote; fields it cannot read are
    /// treated as absent (a status from another version never blocks a run).
    public init(status: JSON?) {
        guard let s = status else { return }
        runs = (s["runs"]?.arrayValue ?? []).compactMap(Self.decode)
        for (k, v) in s["pending"]?.objectValue ?? JSONObject() { if let t = v.stringValue.flatMap(RFC3339Time.init) { pending[k] = t } }
        for (k, v) in s["lastRunByTarget"]?.objectValue ?? JSONObject() { if let t = v.stringValue.flatMap(RFC3339Time.init) { lastRunByTarget[k] = t } }
        runCount = Int(s["runCount"]?.intValue ?? 0)
        totalRuns = Int(s["totalRuns"]?.intValue ?? 0)
        lastRunAt = s["lastRunAt"]?.stringValue.flatMap(RFC3339Time.init)
        window = (s["window"]?.arrayValue ?? []).compactMap { w in
            guard let t = w["target"]?.stringValue, let at = w["at"]?.stringValue.flatMap(RFC3339Time.init) else { return nil }
            return (t, at)
        }
        blocked = s["blocked"]?.stringMap ?? [:]
        ignoredNamespaces = (s["ignoredNamespaces"]?.arrayValue ?? []).compactMap(\.stringValue)
        for (k, v) in s["pushed"]?.objectValue ?? JSONObject() { if let p = Pushed(json: v) { pushed[k] = p } }
        for (fp, v) in s["episodes"]?.objectValue ?? JSONObject() {
            if let start = v["start"]?.stringValue.flatMap(RFC3339Time.init) {
                episodes[fp] = Episode(
                    start: start, activeAt: v["activeAt"]?.stringValue.flatMap(RFC3339Time.init), startsAt: v["startsAt"]?.stringValue.flatMap(RFC3339Time.init))
            }
        }
        countersDryRun = s["countersDryRun"]?.boolValue ?? false
        realCounters = s["realCounters"].flatMap { $0 == .null ? nil : $0 }
        ignoredGeneration = s["ignoredGeneration"]?.intValue
    }

    /// The counters limits are decided on, as stored.
    var counters: JSON {
        let all = json
        return .obj(["runCount": all["runCount"] ?? .null, "lastRunAt": all["lastRunAt"] ?? .null, "lastRunByTarget": all["lastRunByTarget"] ?? .null, "window": all["window"] ?? .null])
    }

    /// Switches the counters between real and dry runs (see `countersDryRun`).
    mutating func switchCounters(toDryRun dry: Bool) {
        guard countersDryRun != dry else { return }
        if dry {
            realCounters = counters
        } else {
            let real = CounterMeasureProgress(status: realCounters ?? .obj([:]))
            runCount = real.runCount
            lastRunAt = real.lastRunAt
            lastRunByTarget = real.lastRunByTarget
            window = real.window
            realCounters = nil
        }
        countersDryRun = dry
        blocked = [:]
    }

    static func encode(_ r: Run) -> JSON {
        var o = JSONObject()
        o["instance"] = .string(r.instance)
        o["target"] = .string(r.target)
        o["phase"] = .string(r.phase.rawValue)
        o["startedAt"] = .string(r.startedAt.text)
        if let f = r.finishedAt { o["finishedAt"] = .string(f.text) }
        if r.dryRun { o["dryRun"] = .bool(true) }
        if let m = r.message { o["message"] = .string(m) }
        if let x = r.resolvedAt { o["resolvedAt"] = .string(x.text) }
        var v = JSONObject()
        v["namespace"] = .string(r.values.namespace)
        v["labels"] = .strings(r.values.labels)
        if !r.values.annotations.isEmpty {
            v["annotations"] = .strings(r.values.annotations)
        }
        if let x = r.values.value { v["value"] = .string(x) }
        if let x = r.values.alertName { v["alertName"] = .string(x) }
        if let x = r.values.alertFingerprint { v["alertFingerprint"] = .string(x) }
        if let x = r.values.alertStartsAt { v["alertStartsAt"] = .string(x) }
        o["values"] = .object(v)
        o["actions"] = .array(r.steps.map(\.json))
        return .object(o)
    }

    static func decode(_ j: JSON) -> Run? {
        guard let instance = j["instance"]?.stringValue, let target = j["target"]?.stringValue,
            let started = j["startedAt"]?.stringValue.flatMap(RFC3339Time.init), let phase = j["phase"]?.stringValue.flatMap(Phase.init)
        else { return nil }
        let v = j["values"] ?? .null
        let values = TemplateValues(
            namespace: v["namespace"]?.stringValue ?? "", labels: v["labels"]?.stringMap ?? [:], annotations: v["annotations"]?.stringMap ?? [:], value: v["value"]?.stringValue,
            alertName: v["alertName"]?.stringValue, alertFingerprint: v["alertFingerprint"]?.stringValue, alertStartsAt: v["alertStartsAt"]?.stringValue,
            resourceName: "")
        var run = Run(instance: instance, target: target, values: values, startedAt: started, phase: phase, dryRun: j["dryRun"]?.boolValue ?? false)
        run.finishedAt = j["finishedAt"]?.stringValue.flatMap(RFC3339Time.init)
        run.message = j["message"]?.stringValue
        run.resolvedAt = j["resolvedAt"]?.stringValue.flatMap(RFC3339Time.init)
        run.steps = (j["actions"]?.arrayValue ?? []).compactMap(ActionStepRecord.init(json:))
        return run
    }
}
