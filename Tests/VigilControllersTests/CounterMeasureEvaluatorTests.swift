import Testing
import VigilAPI
import VigilControllers
import VigilJSON
import VigilPrometheus

/// The decisions of a CounterMeasure without I/O: instances, `for`, and the
/// limits (cooldown, maxRuns/resetAfter, blast radius, paused), on an
/// injected clock (the `now` each evaluation is given).
@Suite struct CounterMeasureEvaluatorTests {
    static let t0 = 1_800_000_000.0

    static func at(_ s: Double) -> RFC3339Time { RFC3339Time(secondsSinceEpoch: t0 + s) }

    static func alertView(_ alerts: [PrometheusAlert], reachable: Bool = true) -> PrometheusView {
        PrometheusView(
            source: "default", fetchedAt: 0, fetchedAtWall: at(0), reachability: reachable ? .reachable : .unreachable(error: "connection refused", since: t0),
            content: reachable ? .alerts(alerts) : .unavailable)
    }

    static func sampleView(_ samples: [(String, Double)]) -> PrometheusView {
        PrometheusView(
            source: "default", fetchedAt: 0, fetchedAtWall: at(0), reachability: .reachable,
            content: .samples(samples.map { PrometheusSample(labels: ["namespace": "shop", "pod": $0.0], value: PrometheusSampleValue(timestamp: t0, value: $0.1)) }))
    }

    static func alert(_ pod: String, state: PrometheusAlert.State = .firing, activeAt: Double = 0, severity: String = "warning") -> PrometheusAlert {
        PrometheusAlert(
            labels: ["alertname": "HighCPU", "namespace": "shop", "pod": pod, "severity": severity], annotations: ["summary": "hot"], state: state,
            activeAt: at(activeAt), value: PrometheusSampleValue(timestamp: t0, value: 0.9))
    }

    static func spec(_ yaml: String) throws -> CounterMeasureSpec {
        let doc = "apiVersion: vigil.dev/v1alpha1\nkind: CounterMeasure\nmetadata: {name: c, namespace: shop}\nspec:\n" + yaml.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
        return try CounterMeasure(json: try ManifestReader.documents(in: doc, source: "t").first!.json).spec
    }

    static let alertSpec = "trigger: {alert: {name: HighCPU, matchers: ['severity=~\"warning|critical\"']}}\nactions: [{deletePod: {name: \"{{labels.pod}}\"}}]"

    func evaluate(_ spec: CounterMeasureSpec, _ progress: CounterMeasureProgress, _ view: PrometheusView?, at s: Double) -> CounterMeasureEvaluator.Result {
        CounterMeasureEvaluator.evaluate(spec: spec, name: "c", namespace: "shop", progress: progress, view: view, now: Self.at(s))
    }

    @Test func anAlertSeenOnEveryPollRunsOnce() throws {
        let spec = try Self.spec(Self.alertSpec)
        var progress = CounterMeasureProgress()
        var started: [String] = []
        for poll in 0..<5 {
            let r = evaluate(spec, progress, Self.alertView([Self.alert("web-1", activeAt: 0)]), at: Double(poll) * 15)
            started += r.started
            progress = r.progress
        }
        #expect(started.count == 1)
        #expect(started[0].hasPrefix("alert/") && started[0].hasSuffix(Self.at(0).text))
        #expect(progress.totalRuns == 1 && progress.runs.count == 1)
        // The same alert firing again later (a new activeAt) is a new instance.
        let again = evaluate(spec, progress, Self.alertView([Self.alert("web-1", activeAt: 100)]), at: 120)
        #expect(again.started.count == 1 && again.started != started)
    }

    @Test func matchersStateAndNameFilterAlerts() throws {
        let spec = try Self.spec(Self.alertSpec)
        let other = PrometheusAlert(labels: ["alertname": "Other", "namespace": "shop", "severity": "warning"], state: .firing, activeAt: Self.at(0))
        let r = evaluate(spec, .init(), Self.alertView([Self.alert("a", severity: "info"), Self.alert("b", state: .pending), other, Self.alert("c")]), at: 1)
        #expect(r.instances.map { $0.values.labels["pod"] } == ["c"])
        let pending = try Self.spec("trigger: {alert: {name: HighCPU, includePending: true}}\nactions: [{deleteNamespace: {}}]")
        #expect(evaluate(pending, .init(), Self.alertView([Self.alert("b", state: .pending)]), at: 1).started.count == 1)
    }

    @Test func theInstanceCarriesEveryTemplateValue() throws {
        let r = evaluate(try Self.spec(Self.alertSpec), .init(), Self.alertView([Self.alert("web-1")]), at: 1)
        let v = try #require(r.instances.first).values
        #expect(v.labels["pod"] == "web-1" && v.annotations["summary"] == "hot" && v.alertName == "HighCPU" && v.value == "0.9")
        #expect(v.alertFingerprint == LabelFingerprint.of(["alertname": "HighCPU", "namespace": "shop", "pod": "web-1", "severity": "warning"]))
        #expect(v.alertStartsAt == Self.at(0).text && v.namespace == "shop" && v.resourceName == "c")
    }

    @Test func nothingFiresOnMissingData() throws {
        let spec = try Self.spec(Self.alertSpec)
        #expect(evaluate(spec, .init(), nil, at: 1).started.isEmpty)
        let down = evaluate(spec, .init(), Self.alertView([Self.alert("web-1")], reachable: false), at: 1)
        #expect(down.started.isEmpty && !down.dataCurrent)
        // PromQL series start their `for` afresh after the source was down (no data is no proof it held).
        let q = try Self.spec("trigger: {promql: {expr: up, above: 1, for: 30s}}\nactions: [{deleteNamespace: {}}]")
        let first = evaluate(q, .init(), Self.sampleView([("web-1", 5)]), at: 0)
        #expect(first.progress.pending.count == 1)
        // No view yet (a replica that just took over) forgets nothing.
        #expect(evaluate(q, first.progress, nil, at: 5).progress.pending == first.progress.pending)
        let gap = evaluate(q, first.progress, Self.alertView([], reachable: false), at: 10)
        #expect(gap.progress.pending.isEmpty)
        let back = evaluate(q, gap.progress, Self.sampleView([("web-1", 5)]), at: 40)
        #expect(back.started.isEmpty && back.progress.pending.values.first == Self.at(40))
    }

    @Test func promqlWaitsOutForAndForgetsASeriesThatRecovers() throws {
        let spec = try Self.spec("trigger: {promql: {expr: up, above: 100, for: 30s}}\nactions: [{deleteNamespace: {}}]")
        let a = evaluate(spec, .init(), Self.sampleView([("web-1", 150), ("web-2", 50), ("web-3", .nan)]), at: 0)
        #expect(a.started.isEmpty && a.progress.pending.count == 1 && a.requeueAfter == 30)
        let b = evaluate(spec, a.progress, Self.sampleView([("web-1", 160)]), at: 29.5)
        #expect(b.started.isEmpty && b.requeueAfter == 0.5)
        let c = evaluate(spec, b.progress, Self.sampleView([("web-1", 170)]), at: 30)
        #expect(c.started.count == 1 && c.instances.first?.values.value == "170.0")
        // Dropping below resets the clock: the next breach waits a full `for` again.
        let d = evaluate(spec, c.progress, Self.sampleView([("web-1", 90)]), at: 40)
        #expect(d.progress.pending.isEmpty)
        let e = evaluate(spec, d.progress, Self.sampleView([("web-1", 200)]), at: 50)
        #expect(e.started.isEmpty && e.progress.pending.values.first == Self.at(50))
        let below = try Self.spec("trigger: {promql: {expr: up, below: 1}}\nactions: [{deleteNamespace: {}}]")
        #expect(evaluate(below, .init(), Self.sampleView([("x", 0), ("y", 2)]), at: 0).started.count == 1)
    }

    @Test func cooldownIsPerTarget() throws {
        let spec = try Self.spec(Self.alertSpec + "\ncooldown: 10m")
        let first = evaluate(spec, .init(), Self.alertView([Self.alert("web-1", activeAt: 0)]), at: 0)
        #expect(first.started.count == 1)
        // Same target, new instance, within the cooldown: held back (announced once), due when it ends.
        let held = evaluate(spec, first.progress, Self.alertView([Self.alert("web-1", activeAt: 100), Self.alert("web-2", activeAt: 100)]), at: 120)
        #expect(held.started.count == 1 && held.instances.count == 2)
        #expect(held.decisions.map(\.reason).sorted() == ["Cooldown", "Fired"])
        #expect(held.requeueAfter == 480)
        let again = evaluate(spec, held.progress, Self.alertView([Self.alert("web-1", activeAt: 100), Self.alert("web-2", activeAt: 100)]), at: 300)
        #expect(again.started.isEmpty && again.decisions.isEmpty)
        let after = evaluate(spec, again.progress, Self.alertView([Self.alert("web-1", activeAt: 100)]), at: 600)
        #expect(after.started.count == 1)
    }

    @Test func maxRunsHoldsUntilResetAfterPassesWithoutARun() throws {
        let spec = try Self.spec(Self.alertSpec + "\nmaxRuns: 2\nresetAfter: 1h")
        var p = CounterMeasureProgress()
        for i in 0..<2 { p = evaluate(spec, p, Self.alertView([Self.alert("p\(i)")]), at: Double(i)).progress }
        #expect(p.runCount == 2)
        let held = evaluate(spec, p, Self.alertView([Self.alert("p9")]), at: 10)
        #expect(held.started.isEmpty && held.decisions.map(\.reason) == ["MaxRunsReached"])
        #expect(abs((held.requeueAfter ?? 0) - (3601 - 10)) < 0.001)
        let reset = evaluate(spec, held.progress, Self.alertView([Self.alert("p9")]), at: 3601)
        #expect(reset.started.count == 1 && reset.progress.runCount == 1 && reset.progress.totalRuns == 3)
        // Without resetAfter the cap is for good.
        let forever = try Self.spec(Self.alertSpec + "\nmaxRuns: 1")
        let once = evaluate(forever, .init(), Self.alertView([Self.alert("a")]), at: 0)
        let never = evaluate(forever, once.progress, Self.alertView([Self.alert("a"), Self.alert("b")]), at: 86400 * 30)
        #expect(never.started.isEmpty && never.requeueAfter == nil)
    }

    @Test func blastRadiusCountsDistinctTargetsInTheWindow() throws {
        let spec = try Self.spec(Self.alertSpec + "\nmaxTargetsPerWindow: {count: 2, window: 10m}")
        let r = evaluate(spec, .init(), Self.alertView([Self.alert("a"), Self.alert("b"), Self.alert("c")]), at: 0)
        #expect(r.started.count == 2)
        #expect(r.decisions.filter { $0.reason == "BlastRadiusReached" }.count == 1)
        #expect(r.requeueAfter == 600)
        let later = evaluate(spec, r.progress, Self.alertView([Self.alert("a"), Self.alert("b"), Self.alert("c")]), at: 600)
        #expect(later.started.count == 1 && later.progress.window.count == 1)
    }

    @Test func alertsOfOtherNamespacesAreIgnoredAndSaidOncePerGeneration() throws {
        let spec = try Self.spec(Self.alertSpec)
        func view(_ elsewhere: [String]) -> PrometheusView {
            PrometheusView(source: "default", fetchedAt: 0, fetchedAtWall: Self.at(0), reachability: .reachable, content: .alerts([]), elsewhere: elsewhere)
        }
        let first = CounterMeasureEvaluator.evaluate(spec: spec, name: "c", namespace: "shop", generation: 1, progress: .init(), view: view(["other", ""]), now: Self.at(0))
        #expect(first.started.isEmpty && first.decisions.map(\.reason) == ["IgnoredOtherNamespace"])
        #expect(first.decisions[0].message.hasPrefix("alert HighCPU is active in other, (no namespace label); ignored:"), "\(first.decisions[0].message)")
        #expect(first.progress.ignoredNamespaces == ["other", ""] && first.progress.ignoredGeneration == 1)
        let more = CounterMeasureEvaluator.evaluate(spec: spec, name: "c", namespace: "shop", generation: 1, progress: first.progress, view: view(["a", "b", "other"]), now: Self.at(5))
        #expect(more.decisions.isEmpty)
        let edited = CounterMeasureEvaluator.evaluate(spec: spec, name: "c", namespace: "shop", generation: 2, progress: more.progress, view: view(["a", "b", "c", "d", "e", "f"]), now: Self.at(9))
        #expect(edited.decisions.first?.message.contains("a, b, c, d, e and 1 more") == true)
    }

    @Test func acrossNamespacesAnInstanceActsInItsOwnNamespace() throws {
        let spec = try Self.spec(Self.alertSpec + "\ncooldown: 10m")
        var other = Self.alert("web-1")
        other = PrometheusAlert(labels: other.labels.merging(["namespace": "billing"]) { $1 }, annotations: other.annotations, state: .firing, activeAt: Self.at(0))
        let r = CounterMeasureEvaluator.evaluate(
            spec: spec, name: "c", namespace: "ops", progress: .init(), view: Self.alertView([Self.alert("web-1"), other]), now: Self.at(0), crossNamespace: true)
        #expect(r.started.count == 2)
        #expect(Set(r.instances.map(\.values.namespace)) == ["shop", "billing"])
        // The same pod name in two namespaces is two targets.
        #expect(Set(r.instances.map(\.target)).count == 2)
    }

    static func pushed(_ pod: String, startsAt: Double, resolved: Bool = false, receivedAt: Double = 0) -> CounterMeasureProgress.Pushed {
        let labels = ["alertname": "HighCPU", "namespace": "shop", "pod": pod, "severity": "warning"]
        return .init(fingerprint: LabelFingerprint.of(labels), labels: labels, annotations: [:], startsAt: at(startsAt), endsAt: nil, resolved: resolved, receivedAt: at(receivedAt))
    }

    func receive(_ p: CounterMeasureProgress, _ pushes: [CounterMeasureProgress.Pushed]) -> CounterMeasureProgress {
        var p = p
        for x in pushes { p.pushed[x.key] = x }
        return p
    }

    @Test func pushedAndPolledAlertsAreOneInstance() throws {
        let spec = try Self.spec(Self.alertSpec)
        // Polled first (activeAt 0: pending began), then pushed by two Alertmanagers with Prometheus' FiredAt (2).
        let polled = evaluate(spec, .init(), Self.alertView([Self.alert("web-1", activeAt: 0)]), at: 1)
        #expect(polled.started.count == 1)
        let both = evaluate(spec, receive(polled.progress, [Self.pushed("web-1", startsAt: 2), Self.pushed("web-1", startsAt: 2, receivedAt: 1)]),
            Self.alertView([Self.alert("web-1", activeAt: 0)]), at: 3)
        #expect(both.started.isEmpty && both.instances.map(\.id) == polled.started)
        // Pushed first, with no Prometheus source at all (push only): one run, and polling that
        // starts later adopts the same episode.
        let pushedOnly = evaluate(spec, receive(.init(), [Self.pushed("web-2", startsAt: 10)]), nil, at: 11)
        #expect(pushedOnly.started.count == 1 && pushedOnly.started[0].hasSuffix(Self.at(10).text))
        let thenPolled = evaluate(spec, pushedOnly.progress, Self.alertView([Self.alert("web-2", activeAt: 8)]), at: 12)
        #expect(thenPolled.started.isEmpty && thenPolled.instances.map(\.id) == pushedOnly.started)
        // Resolved: the episode ends (no poll shows it); a new startsAt later is a new instance.
        let resolved = evaluate(spec, receive(pushedOnly.progress, [Self.pushed("web-2", startsAt: 10, resolved: true)]), nil, at: 20)
        #expect(resolved.started.isEmpty && resolved.progress.episodes.isEmpty && resolved.progress.pushed.isEmpty)
        #expect(resolved.progress.runs.first?.resolvedAt == Self.at(0))
        let again = evaluate(spec, receive(resolved.progress, [Self.pushed("web-2", startsAt: 30)]), nil, at: 31)
        #expect(again.started.count == 1 && again.started != pushedOnly.started)
        // A pushed alert not re-sent within the TTL is taken to have ended.
        let stale = evaluate(spec, again.progress, nil, at: 31 + CounterMeasureProgress.pushedTTL + 1)
        #expect(stale.progress.pushed.isEmpty)
    }

    @Test func theTargetIsWhatTheActionsActOn() throws {
        // The actions name labels.pod: an alert changing severity is the same pod, still cooling down.
        let spec = try Self.spec(Self.alertSpec + "\ncooldown: 10m")
        let warning = evaluate(spec, .init(), Self.alertView([Self.alert("web-1", severity: "warning")]), at: 0)
        let critical = evaluate(spec, warning.progress, Self.alertView([Self.alert("web-1", activeAt: 60, severity: "critical")]), at: 60)
        #expect(warning.started.count == 1 && critical.started.isEmpty && critical.decisions.map(\.reason) == ["Cooldown"])
        // Actions that name no label act on one thing: every instance is the same target.
        let restart = try Self.spec("trigger: {alert: {name: HighCPU}}\nactions: [{restart: {kind: Deployment, name: api}}]\ncooldown: 10m")
        let r = evaluate(restart, .init(), Self.alertView([Self.alert("a"), Self.alert("b")]), at: 0)
        #expect(r.started.count == 1 && r.instances.map(\.target) == ["resource", "resource"])
    }

    @Test func aDryRunNeverHoldsBackARealRun() throws {
        let dry = try Self.spec(Self.alertSpec + "\ncooldown: 1h\nmaxRuns: 1\ndryRun: true")
        let d = evaluate(dry, .init(), Self.alertView([Self.alert("web-1")]), at: 0)
        #expect(d.started.count == 1 && d.progress.countersDryRun && d.progress.runCount == 1)
        let real = try Self.spec(Self.alertSpec + "\ncooldown: 1h\nmaxRuns: 1")
        let r = evaluate(real, d.progress, Self.alertView([Self.alert("web-1")]), at: 10)
        #expect(r.started.count == 1 && r.progress.runs.count == 2 && r.progress.runs.last?.dryRun == false)
        #expect(!r.progress.countersDryRun && r.progress.runCount == 1)
        // A dry-run interlude neither frees nor spends the real maxRuns.
        let dryAgain = evaluate(dry, r.progress, Self.alertView([Self.alert("web-2")]), at: 20)
        #expect(dryAgain.started.isEmpty && dryAgain.decisions.map(\.reason) == ["MaxRunsReached"])
        let realAgain = evaluate(real, dryAgain.progress, Self.alertView([Self.alert("web-3")]), at: 30)
        #expect(realAgain.started.isEmpty && realAgain.progress.runCount == 1 && realAgain.progress.realCounters == nil)
    }

    @Test func pausedRunsNothingAndDryRunIsRecorded() throws {
        let paused = try Self.spec(Self.alertSpec + "\npaused: true")
        let p = evaluate(paused, .init(), Self.alertView([Self.alert("a")]), at: 0)
        #expect(p.started.isEmpty && p.decisions.map(\.reason) == ["Paused"] && p.progress.blocked.count == 1)
        let dry = try Self.spec(Self.alertSpec + "\ndryRun: true")
        let d = evaluate(dry, .init(), Self.alertView([Self.alert("a")]), at: 0)
        #expect(d.decisions.map(\.reason) == ["DryRun"] && d.progress.runs.first?.dryRun == true)
    }

    @Test func progressSurvivesTheRoundTripThroughStatus() throws {
        let spec = try Self.spec(Self.alertSpec + "\ncooldown: 10m\nmaxTargetsPerWindow: {count: 5, window: 1h}")
        var p = evaluate(spec, .init(), Self.alertView([Self.alert("a"), Self.alert("b")]), at: 0).progress
        p.runs[0].steps = [.init(index: 0, type: "debug", phase: "Succeeded", summary: "s", configMap: "c-out-1", bytes: 10, head: "Full thread dump")]
        p.runs[0].phase = .succeeded
        p.runs[0].finishedAt = Self.at(1)
        let back = CounterMeasureProgress(status: p.json)
        #expect(back == p)
        #expect(back.runs[0].values.labels["pod"] == p.runs[0].values.labels["pod"] && back.runs[0].steps[0].head == "Full thread dump")
        #expect(Set(back.runs.compactMap { $0.values.labels["pod"] }) == ["a", "b"])
        // A restarted (or another) replica decides the same from it: nothing runs twice.
        #expect(evaluate(spec, back, Self.alertView([Self.alert("a"), Self.alert("b")]), at: 5).started.isEmpty)
    }

    @Test func finishedRunsArePrunedButNotWhileTheirInstanceIsPresent() throws {
        let spec = try Self.spec(Self.alertSpec)
        var p = CounterMeasureProgress()
        for i in 0..<15 {
            // Every instance stays present (firing) while the next ones start.
            p = evaluate(spec, p, Self.alertView((0...i).map { Self.alert("p\($0)") }), at: Double(i)).progress
            for j in p.runs.indices { p.runs[j].phase = .succeeded }
        }
        let present = evaluate(spec, p, Self.alertView((0..<15).map { Self.alert("p\($0)") }), at: 20)
        #expect(present.progress.runs.count == 15 && present.started.isEmpty)
        let gone = evaluate(spec, p, Self.alertView([]), at: 21)
        #expect(gone.progress.runs.count == CounterMeasureProgress.keptFinishedRuns)
        #expect(gone.progress.runs.count == 10)
    }
}

@Suite struct LabelFingerprintTests {
    @Test func matchesPrometheusModelFingerprints() {
        // Values from prometheus/common model.LabelSet.Fingerprint (FNV-1a 64 over sorted names and values, each followed by 0xFF).
        #expect(LabelFingerprint.of([:]) == "cbf29ce484222325")
        #expect(LabelFingerprint.of(["alertname": "HighCPU", "namespace": "shop", "pod": "web-1"]) == "4a8bb97064b28158")
        #expect(LabelFingerprint.of(["b": "1", "a": "2"]) == LabelFingerprint.of(["a": "2", "b": "1"]))
        #expect(LabelFingerprint.of(["a": "bc"]) != LabelFingerprint.of(["ab": "c"]))
    }
}
