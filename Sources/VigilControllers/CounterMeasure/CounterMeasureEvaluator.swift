import VigilAPI
import VigilJSON
import VigilPrometheus

/// Decides, without I/O, what a `CounterMeasure` does now: which trigger
/// instances the Prometheus view shows, which of them start a run (each
/// instance at most once), which a limit holds back and until when, and how
/// the remembered progress changes. The reconciler carries out the runs
/// through the action engine and writes the progress back.
///
/// - An **instance** is an alert's fingerprint + `activeAt`, or a PromQL
///   series' fingerprint + the instant it first passed the threshold (its
///   `for` counted from there). An alert seen on every poll is one instance.
/// - Its **target** is what the actions act on: the values of the labels the
///   templates name (`{{labels.pod}}` → the pod), or the resource itself when
///   they name none. Cooldown and the blast radius count targets, so an alert
///   that changes severity is still the same target.
/// - Nothing fires on missing data: while the view is unavailable or failed,
///   no instance is found, and PromQL series start their `for` afresh after
///   it (as Prometheus' own pending alerts do after a restart).
/// - Dry runs and real runs are counted apart: a dry run is held back as a
///   real run would be but never counts against real runs; switching
///   `dryRun` off brings the real counters back, and an instance that had a
///   dry run runs for real.
public enum CounterMeasureEvaluator {
    /// An Event to record and log.
    public typealias Decision = Announcement

    /// One trigger instance found in the view.
    public struct Instance: Sendable, Equatable {
        public var id: String
        public var target: String
        public var values: TemplateValues
        /// For people: `alert HighCPU {pod="web-1"}`.
        public var description: String
    }

    public struct Result: Sendable {
        public var progress: CounterMeasureProgress
        /// Instances whose run started in this evaluation.
        public var started: [String] = []
        public var instances: [Instance] = []
        public var decisions: [Decision] = []
        /// Seconds until something is due (a `for`, a cooldown, a reset).
        public var requeueAfter: Double?
        /// Whether the view was current and usable.
        public var dataCurrent: Bool = false

        mutating func due(in seconds: Double) {
            let s = max(seconds, 0.05)
            requeueAfter = min(requeueAfter ?? s, s)
        }
    }

    public static func evaluate(
        spec: CounterMeasureSpec, name: String, namespace: String, generation: Int64? = nil, progress old: CounterMeasureProgress, view: PrometheusView?,
        now: RFC3339Time, crossNamespace: Bool = false
    ) -> Result {
        var r = Result(progress: old)
        let t = now.secondsSinceEpoch
        r.progress.switchCounters(toDryRun: spec.dryRun)
        var current = false
        if let view, case .reachable = view.reachability {
            switch view.content {
            case .alerts, .samples: current = true
            default: break
            }
        }
        r.dataCurrent = current
        // With the cluster's counterMeasure.allowCrossNamespace, an instance acts in its own
        // namespace label's namespace, and that namespace is part of what it acts on.
        var keyLabels = spec.targetLabels
        if crossNamespace { keyLabels.insert("namespace") }
        func target(_ labels: [String: String]) -> String {
            keyLabels.isEmpty ? "resource" : LabelFingerprint.of(labels.filter { keyLabels.contains($0.key) })
        }
        func actsIn(_ labels: [String: String]) -> String { crossNamespace ? (labels["namespace"] ?? namespace) : namespace }

        switch spec.trigger {
        case .alert(let a):
            // Said once per generation of the resource (a shared alert rule across many
            // namespaces must not make Events grow with the square of the namespaces).
            if let view, current, !view.elsewhere.isEmpty && r.progress.ignoredGeneration != generation {
                let shown = view.elsewhere.prefix(5).map { $0.isEmpty ? "(no namespace label)" : $0 }.joined(separator: ", ")
                let more = view.elsewhere.count > 5 ? " and \(view.elsewhere.count - 5) more" : ""
                r.decisions.append(Decision(
                    warning: true, reason: "IgnoredOtherNamespace",
                    message: "alert \(a.name) is active in \(shown)\(more); ignored: a CounterMeasure acts only on alerts whose namespace label is its own (\(namespace))"))
                r.progress.ignoredNamespaces = Array(view.elsewhere.prefix(20))
                r.progress.ignoredGeneration = generation
            }
            alertInstances(a, view: current ? view : nil, now: now, name: name, &r, target: target, actsIn: actsIn)
            // Nothing current to go by (no poll, no push): decide nothing, forget nothing.
            if !current && r.instances.isEmpty { return r }
        case .promql(let q):
            guard let view, current else {
                // No data is no proof a series held: start `for` afresh once data is back (a
                // replica that has no view yet, after a takeover, forgets nothing).
                if view != nil { r.progress.pending = [:] }
                return r
            }
            var pending: [String: RFC3339Time] = [:]
            let hold = Double(q.forDuration?.milliseconds ?? 0) / 1000
            for s in view.samples where q.breaches(s.value.value) {
                let fp = LabelFingerprint.of(s.labels)
                let first = old.pending[fp] ?? now
                pending[fp] = first
                let satisfied = first.secondsSinceEpoch + hold
                if t >= satisfied {
                    let values = TemplateValues(namespace: actsIn(s.labels), labels: s.labels, value: s.value.text, resourceName: name)
                    r.instances.append(Instance(id: "promql/\(fp)/\(first.text)", target: target(s.labels), values: values, description: "series \(describe(s.labels)) = \(s.value.text)"))
                } else {
                    r.due(in: satisfied - t)
                }
            }
            r.progress.pending = pending
        }
        r.instances.sort { $0.id < $1.id }
        gate(spec, &r, now: now)
        prune(spec, &r, now: now)
        return r
    }

    /// The alert instances, from the poll (when current) and from Alertmanager's pushes
    /// (`progress.pushed`), as episodes: an alert fingerprint is one instance from the moment
    /// either source first shows it active until neither does. Its id is the fingerprint and
    /// the episode's start (the polled `activeAt` or the pushed `startsAt`, whichever came
    /// first), so an alert seen by polling, by push and by both members of an Alertmanager
    /// pair is one instance. A polled `activeAt` or a pushed `startsAt` that changes means the
    /// alert ended and fired again in between: a new episode.
    static func alertInstances(
        _ a: CounterMeasureTrigger.Alert, view: PrometheusView?, now: RFC3339Time, name: String, _ r: inout Result,
        target: ([String: String]) -> String, actsIn: ([String: String]) -> String
    ) {
        struct Seen {
            var labels: [String: String]
            var annotations: [String: String]
            var value: String?
            var activeAt: RFC3339Time?
            var startsAt: RFC3339Time?
        }
        var seen: [String: Seen] = [:]
        for alert in view?.alerts ?? [] where alert.name == a.name && (alert.state == .firing || a.includePending) && a.matchers.allSatisfy({ $0.matches(alert.labels) }) {
            seen[LabelFingerprint.of(alert.labels)] = Seen(labels: alert.labels, annotations: alert.annotations, value: alert.value?.text, activeAt: alert.activeAt ?? now)
        }
        let t = now.secondsSinceEpoch
        var pushed = r.progress.pushed
        for (key, p) in r.progress.pushed {
            guard p.labels["alertname"] == a.name, a.matchers.allSatisfy({ $0.matches(p.labels) }) else {
                pushed[key] = nil  // not this trigger's (it changed since): forget it
                continue
            }
            let ended = p.resolved || (p.endsAt.map { $0.secondsSinceEpoch <= t } ?? false) || t - p.receivedAt.secondsSinceEpoch > CounterMeasureProgress.pushedTTL
            if ended {
                if p.resolved {
                    // Shown on the run of that alert's instance (status.runs[].resolvedAt).
                    for i in r.progress.runs.indices where r.progress.runs[i].instance.hasPrefix("alert/\(p.fingerprint)/") && r.progress.runs[i].resolvedAt == nil {
                        r.progress.runs[i].resolvedAt = p.receivedAt
                    }
                }
                pushed[key] = nil
                continue
            }
            var x = seen[p.fingerprint] ?? Seen(labels: p.labels, annotations: p.annotations)
            x.startsAt = p.startsAt
            seen[p.fingerprint] = x
        }
        r.progress.pushed = pushed
        var episodes: [String: CounterMeasureProgress.Episode] = [:]
        for (fp, x) in seen {
            var e = r.progress.episodes[fp]
            if let old = e, let at = x.activeAt, let was = old.activeAt, at != was { e = nil }  // re-fired between polls
            if let old = e, let at = x.startsAt, let was = old.startsAt, at != was { e = nil }  // re-fired between pushes
            var episode = e ?? CounterMeasureProgress.Episode(start: x.activeAt ?? x.startsAt ?? now)
            if let at = x.activeAt { episode.activeAt = at }
            if let at = x.startsAt { episode.startsAt = at }
            episodes[fp] = episode
            let start = episode.start.text
            let values = TemplateValues(
                namespace: actsIn(x.labels), labels: x.labels, annotations: x.annotations, value: x.value, alertName: a.name,
                alertFingerprint: fp, alertStartsAt: start, resourceName: name)
            r.instances.append(Instance(id: "alert/\(fp)/\(start)", target: target(x.labels), values: values, description: "alert \(a.name) \(describe(x.labels))"))
        }
        // Without a current poll, an episode only the poll knew of is not over: no data is no proof.
        if view == nil {
            for (fp, e) in r.progress.episodes where episodes[fp] == nil && e.startsAt == nil { episodes[fp] = e }
        }
        r.progress.episodes = episodes
    }

    /// Starts the instances no run exists for, unless a limit holds them back.
    static func gate(_ spec: CounterMeasureSpec, _ r: inout Result, now: RFC3339Time) {
        let t = now.secondsSinceEpoch
        for inst in r.instances where r.progress.run(inst.id, dryRun: spec.dryRun) == nil {
            var block: (reason: String, message: String, until: Double?)?
            if spec.paused {
                block = ("Paused", "spec.paused is true; it runs if still active when unpaused", nil)
            }
            if block == nil, let cooldown = spec.cooldown, let last = r.progress.lastRunByTarget[inst.target],
                t < last.secondsSinceEpoch + cooldown.seconds
            {
                let until = last.secondsSinceEpoch + cooldown.seconds
                block = ("Cooldown", "the same target ran at \(last.text); cooldown \(cooldown.text) lasts until \(RFC3339Time(secondsSinceEpoch: until).text)", until)
            }
            if block == nil, let maxRuns = spec.maxRuns, r.progress.runCount >= Int(maxRuns) {
                if let reset = spec.resetAfter, let last = r.progress.lastRunAt, t >= last.secondsSinceEpoch + reset.seconds {
                    r.progress.runCount = 0
                } else {
                    let until = spec.resetAfter.flatMap { reset in r.progress.lastRunAt.map { $0.secondsSinceEpoch + reset.seconds } }
                    let when = until.map { "the count resets at \(RFC3339Time(secondsSinceEpoch: $0).text) (resetAfter \(spec.resetAfter!.text) without a run)" } ?? "set resetAfter, or raise maxRuns, to allow more"
                    block = ("MaxRunsReached", "maxRuns \(maxRuns) reached; \(when)", until)
                }
            }
            if block == nil, let limit = spec.maxTargetsPerWindow {
                let since = t - limit.window.seconds
                let recent = r.progress.window.filter { $0.at.secondsSinceEpoch > since }
                let targets = Set(recent.map(\.target))
                if targets.count >= Int(limit.count) && !targets.contains(inst.target) {
                    let until = (recent.map { $0.at.secondsSinceEpoch }.min() ?? t) + limit.window.seconds
                    block = ("BlastRadiusReached", "\(targets.count) targets were acted on in the last \(limit.window.text) (maxTargetsPerWindow \(limit.count))", until)
                }
            }
            if let block {
                if r.progress.blocked[inst.id] != block.reason {
                    r.decisions.append(Decision(warning: true, reason: block.reason, message: "not running for \(inst.description): \(block.message)"))
                    r.progress.blocked[inst.id] = block.reason
                }
                if let until = block.until { r.due(in: until - t) }
                continue
            }
            r.progress.blocked[inst.id] = nil
            r.progress.runs.append(CounterMeasureProgress.Run(instance: inst.id, target: inst.target, values: inst.values, startedAt: now, dryRun: spec.dryRun))
            r.progress.runCount += 1
            r.progress.totalRuns += 1
            r.progress.lastRunAt = now
            r.progress.lastRunByTarget[inst.target] = now
            r.progress.window.append((inst.target, now))
            r.started.append(inst.id)
            r.decisions.append(Decision(reason: spec.dryRun ? "DryRun" : "Fired", message: "\(inst.description): running \(spec.actions.count) action(s)\(spec.dryRun ? " as a dry run" : "")"))
        }
    }

    /// Forgets what no longer matters: blocks of instances that ended, cooldowns that passed,
    /// window entries that slid out, finished runs beyond the kept number (never one whose
    /// instance is still present: it must not start again).
    static func prune(_ spec: CounterMeasureSpec, _ r: inout Result, now: RFC3339Time) {
        let t = now.secondsSinceEpoch
        let present = Set(r.instances.map(\.id))
        r.progress.blocked = r.progress.blocked.filter { present.contains($0.key) }
        let cooldown = spec.cooldown?.seconds ?? 0
        r.progress.lastRunByTarget = r.progress.lastRunByTarget.filter { t < $0.value.secondsSinceEpoch + cooldown }
        let window = spec.maxTargetsPerWindow?.window.seconds ?? 0
        r.progress.window = r.progress.window.filter { t < $0.at.secondsSinceEpoch + window }
        var finished = r.progress.runs.filter { $0.phase != .running && !present.contains($0.instance) }.count
        r.progress.runs.removeAll { run in
            guard finished > CounterMeasureProgress.keptFinishedRuns, run.phase != .running, !present.contains(run.instance) else { return false }
            finished -= 1
            return true
        }
    }

    /// `{pod="web-1", severity="critical"}` without `alertname` and `namespace`.
    static func describe(_ labels: [String: String]) -> String {
        let shown = labels.filter { $0.key != "alertname" && $0.key != "namespace" }.sorted { $0.key < $1.key }
        return "{" + shown.map { "\($0.key)=\(quoted($0.value))" }.joined(separator: ", ") + "}"
    }
}
