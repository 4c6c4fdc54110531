import Foundation
import Kube
import Logging
import VigilAPI
import VigilJSON
import VigilPrometheus
import VigilRuntime

/// Reconciles one `CounterMeasure`, as every kind's pipeline goes: the typed
/// object from the store (decoded from its stored document) → facts (the shared
/// poller's view, the injected clock, the progress in status) → a pure
/// decision (`CounterMeasureEvaluator`) → a run started now is written to
/// status before its first action → the action engine runs each started or
/// unfinished run through the ledger → one status write (only when
/// something changed) → Events.
///
/// It subscribes its trigger to the one `PrometheusPoller` of the replica
/// (alerts, or its expression: one query per distinct expression, however
/// many resources use it) for its own namespace only; the poller wakes it
/// when its data changes.
public struct CounterMeasureReconciler: Reconciler {
    public typealias Object = CounterMeasureObject
    public static let descriptor = CounterMeasureObject.descriptor
    static let apiVersion = CounterMeasure.apiVersion

    let client: KubeClient
    let poller: PrometheusPoller
    let engine: ActionEngine
    let events: EventRecorder
    let budget: ActionBudget
    let replica: String
    let sources: Set<String>
    /// The cluster's `counterMeasure.allowCrossNamespace`: act on alerts and series of every namespace.
    let crossNamespace: Bool
    let clock: any RuntimeClock
    let wallClockAtZero: Double
    let ledgerPolicy: EffectLedger.Policy
    let logger: Logger
    let ownWrites = OwnWrites()

    public init(
        client: KubeClient, poller: PrometheusPoller, executor: ActionExecutor, budget: ActionBudget, replica: String, sources: Set<String>,
        pendingTimeout: Double, allowCrossNamespace: Bool = false, clock: any RuntimeClock = SystemClock(), wallClockAtZero: Double? = nil,
        logger: Logger
    ) {
        self.crossNamespace = allowCrossNamespace
        self.client = client
        self.poller = poller
        self.engine = ActionEngine(executor: executor)
        self.events = EventRecorder(client: client, instance: replica, spamFilter: EventSpamFilter())
        self.budget = budget
        self.replica = replica
        self.sources = sources
        self.clock = clock
        self.wallClockAtZero = wallClockAtZero ?? (Date().timeIntervalSince1970 - clock.now())
        self.ledgerPolicy = EffectLedger.Policy(maxEntries: 100, baseRetryDelay: 5, maxRetryDelay: 300, maxAttempts: 10, pendingTimeout: pendingTimeout)
        self.logger = logger
    }

    /// The poller subscriber id of a resource.
    public static func subscriber(_ key: ObjectKey) -> String { PollerSubscriber.id(kind: CounterMeasure.kind, key) }

    /// The key of a poller subscriber id (nil for another kind's).
    public static func key(subscriber id: String) -> ObjectKey? { PollerSubscriber.key(kind: CounterMeasure.kind, subscriber: id) }

    func now() -> RFC3339Time { RFC3339Time(secondsSinceEpoch: wallClockAtZero + clock.now()) }

    public func reconcile(_ key: ObjectKey, context: ReconcileContext<CounterMeasureObject>) async throws -> ReconcileOutcome {
        let id = Self.subscriber(key)
        guard let object = context.store.get(key), let uid = object.metadata.uid, object.metadata.deletionTimestamp == nil else {
            poller.unregister(id: id)
            ownWrites.forget(key)
            return .done
        }
        if ownWrites.isBehind(key, cached: object.metadata.resourceVersion) { return .done }
        let namespace = key.namespace
        let subject = EventRecorder.Subject(apiVersion: Self.apiVersion, kind: CounterMeasure.kind, namespace: namespace, name: key.name, uid: uid)
        let document = object.document  // parsed once for this reconcile
        let current = document["status"] ?? .object(JSONObject())
        let generation = object.metadata.generation
        let now = now()

        let cm: CounterMeasure
        switch object.decoded(from: document) {
        case .failure(let error):
            poller.unregister(id: id)
            try await writeInvalid(key, subject, current: current, generation: generation, reason: "InvalidSpec", message: error.description, now: now)
            return .done
        case .success(let c):
            cm = c
        }
        let source = cm.spec.effectiveSource
        // With no Prometheus source configured at all, an alert trigger is served by Alertmanager's pushes alone.
        var pushOnly = false
        if case .alert = cm.spec.trigger, sources.isEmpty, cm.spec.source == nil { pushOnly = true }
        guard sources.contains(source) || pushOnly else {
            poller.unregister(id: id)
            let known = sources.sorted().joined(separator: ", ")
            try await writeInvalid(
                key, subject, current: current, generation: generation, reason: "UnknownSource",
                message: "spec.source: \"\(source)\" is not a configured Prometheus source (configured: \(known.isEmpty ? "none" : known)); add prometheus.sources.\(source) to vigil.yaml",
                now: now)
            return .done
        }
        let registration = switch cm.spec.trigger {
        case .alert(let a): PrometheusRegistration(id: id, source: source, need: .alerts, namespace: crossNamespace ? nil : namespace, alertName: a.name)
        case .promql(let q): PrometheusRegistration(id: id, source: source, need: .query(expr: q.expr), namespace: crossNamespace ? nil : namespace)
        }
        if pushOnly {
            poller.unregister(id: id)
        } else if poller.registration(id: id) != registration {
            poller.register(registration)
        }
        let view = pushOnly ? nil : poller.latest(for: id)

        let old = CounterMeasureProgress(status: current)
        var evaluation = CounterMeasureEvaluator.evaluate(
            spec: cm.spec, name: key.name, namespace: namespace, generation: generation, progress: old, view: view, now: now, crossNamespace: crossNamespace)
        var decisions = evaluation.decisions
        var requeue = evaluation.requeueAfter

        // Run every unfinished run: those started now and those a previous
        // reconcile (or another replica) left running.
        let ledger = EffectLedgerStore(
            client: client, resource: Self.descriptor, namespace: namespace, name: key.name, owner: replica, policy: ledgerPolicy,
            clock: clock, wallClockAtZero: wallClockAtZero)
        var cached = try? EffectLedgerSnapshot(object: document)
        // A run started now is recorded before its first action, as HealthCheck records a remedy decision: the
        // instance, the run count and a PromQL series' first-seen time must reach status before the effect can.
        // Otherwise a replica killed between the action and the status write below leaves the next owner no
        // record of the run: it mints the instance anew (a PromQL instance is named by when Vigil first saw the
        // series), `maxRuns` counts nothing, and the action runs again under a second key (found by
        // chaos/scenarios/kills-100.yaml).
        if evaluation.progress.runs.contains(where: { $0.phase == .running && $0.steps.isEmpty && old.run($0.instance, dryRun: $0.dryRun) == nil }) {
            try await write(key, statusPatch(cm, evaluation: evaluation, view: view, pushOnly: pushOnly, current: current, generation: generation, now: now), current: current)
            cached = nil  // the ledger reads the object afresh: this write moved its resourceVersion
        }
        for i in evaluation.progress.runs.indices where evaluation.progress.runs[i].phase == .running {
            var run = evaluation.progress.runs[i]
            if run.steps.isEmpty, let wait = budget.take() {
                run.message = "waiting for the action cap (actions.maxRunsPerMinute \(Int(budget.perMinute)) in vigil.yaml)"
                if old.run(run.instance)?.message != run.message {
                    decisions.append(.init(warning: true, reason: "RateLimited", message: "run for \(run.instance) waits: \(run.message!)"))
                }
                evaluation.progress.runs[i] = run
                requeue = min(requeue ?? wait, wait)
                continue
            }
            run.values.resourceName = key.name
            let engineRun = ActionEngine.Run(
                subject: subject, resource: Self.descriptor, instance: run.instance, target: run.target,
                namespace: run.values.namespace.isEmpty ? namespace : run.values.namespace, values: run.values,
                dryRun: run.dryRun, defaultWebhookBody: { [run] steps in Self.webhookBody(subject: subject, run: run, steps: steps, trigger: cm.spec.trigger.summary) })
            let outcome: ActionEngine.Outcome
            do {
                outcome = try await engine.run(cm.spec.actions, engineRun, ledger: ledger, cached: cached)
            } catch EffectLedgerError.objectNotFound {
                return .done  // deleted meanwhile (e.g. deleteNamespace of its own namespace)
            }
            cached = nil
            run.values.resourceName = ""
            decisions += outcome.announcements(previous: run.steps, dryRun: run.dryRun)
            run.steps = outcome.steps.map(ActionStepRecord.init)
            if outcome.finished {
                run.phase = .succeeded
                run.finishedAt = self.now()
                run.message = nil
            } else if outcome.failed {
                run.phase = .failed
                run.finishedAt = self.now()
                run.message = outcome.steps.last?.error
            } else {
                run.message = outcome.steps.last.map { "action \($0.index) (\($0.type)) \($0.phase.rawValue.lowercased()): \($0.error ?? "")" }
                if let after = outcome.retryAfter { requeue = min(requeue ?? after, after) }
            }
            evaluation.progress.runs[i] = run
        }

        let status = statusPatch(cm, evaluation: evaluation, view: view, pushOnly: pushOnly, current: current, generation: generation, now: now)
        try await write(key, status, current: current)
        for d in decisions { await announce(subject, key, d) }
        return requeue.map { .requeue(after: $0) } ?? .done
    }

    // MARK: Status

    /// The status fields this reconcile owns (everything but `effects`).
    func statusPatch(
        _ cm: CounterMeasure, evaluation e: CounterMeasureEvaluator.Result, view: PrometheusView?, pushOnly: Bool = false, current: JSON, generation: Int64?,
        now: RFC3339Time
    ) -> JSONObject {
        var o = e.progress.json.objectValue ?? JSONObject()
        o["observedGeneration"] = generation.map { .int($0) } ?? .null
        o["trigger"] = .string(cm.spec.trigger.summary)
        o["source"] = .string(cm.spec.effectiveSource)
        o["lastFiredAt"] = e.progress.lastRunAt.map { .string($0.text) } ?? .null
        let reachable: (StatusCondition.Status, String, String)
        var ready: (StatusCondition.Status, String, String)
        switch (view?.reachability, view?.content) {
        case (nil, _) where pushOnly:
            reachable = (.unknown, "NoSource", "no Prometheus source is configured: alerts come only from Alertmanager's pushes (docs/alertmanager.md)")
            ready = (.true, cm.spec.paused ? "Paused" : (cm.spec.dryRun ? "DryRun" : "Watching"), "watching \(cm.spec.trigger.summary), pushed by Alertmanager")
        case (nil, _):
            reachable = (.unknown, "WaitingForFirstPoll", "waiting for the first poll of Prometheus source \(cm.spec.effectiveSource)")
            ready = (.unknown, "WaitingForFirstPoll", "no data yet")
        case (.unreachable(let error, _)?, _):
            reachable = (.false, "Unreachable", error)
            ready = (.false, "SourceUnreachable", "Prometheus source \(cm.spec.effectiveSource) is unreachable; nothing fires on missing data")
        case (_, .failed(let error)?):
            reachable = (.true, "Polled", "polled at \(view!.fetchedAtWall.text)")
            ready = (.false, "QueryFailed", "\(error)")
        default:
            reachable = (.true, "Polled", "polled at \(view!.fetchedAtWall.text)" + (view!.warnings.isEmpty ? "" : "; warnings: \(view!.warnings.joined(separator: "; "))"))
            ready = (.true, cm.spec.paused ? "Paused" : (cm.spec.dryRun ? "DryRun" : "Watching"), "watching \(cm.spec.trigger.summary)")
        }
        if ready.0 == .true, let failing = e.progress.runs.last(where: { $0.phase == .failed }), failing.finishedAt.map({ now.secondsSinceEpoch - $0.secondsSinceEpoch < 3600 }) == true {
            ready = (.true, "LastRunFailed", "the run for \(failing.instance) failed: \(failing.message ?? "")")
        }
        let previous = current["conditions"]?.arrayValue ?? []
        o["conditions"] = .array([
            StatusFields.condition("Ready", ready, previous: previous, generation: generation, now: now),
            StatusFields.condition("SourceReachable", reachable, previous: previous, generation: generation, now: now),
        ])
        return o
    }

    /// Makes the status fields in `fields` what is stored (a merge patch of
    /// the difference: members that went away are sent as null), unless the
    /// only difference is the poll time in SourceReachable's message.
    func write(_ key: ObjectKey, _ fields: JSONObject, current: JSON) async throws {
        try await StatusFields.write(client, Self.descriptor, key, fields, current: current, ownWrites: ownWrites)
    }

    func writeInvalid(_ key: ObjectKey, _ subject: EventRecorder.Subject, current: JSON, generation: Int64?, reason: String, message: String, now: RFC3339Time) async throws {
        guard try await StatusFields.writeNotReady(client, Self.descriptor, key, reason: reason, message: message, current: current, generation: generation, now: now, ownWrites: ownWrites)
        else { return }
        await events.announce(subject, Announcement(warning: true, reason: reason, message: message), logger: logger)
    }

    // MARK: Events

    func announce(_ subject: EventRecorder.Subject, _ key: ObjectKey, _ d: CounterMeasureEvaluator.Decision) async {
        await events.announce(subject, d, logger: logger)
    }

    /// The body a `webhook` action without its own `body` sends.
    static func webhookBody(subject: EventRecorder.Subject, run: CounterMeasureProgress.Run, steps: [ActionEngine.Step], trigger: String) -> [UInt8] {
        var o = JSONObject()
        o["type"] = "vigil.countermeasure.run"
        o["resource"] = .obj(["apiVersion": .string(subject.apiVersion), "kind": .string(subject.kind), "namespace": .string(subject.namespace), "name": .string(subject.name), "uid": .string(subject.uid)])
        o["trigger"] = .string(trigger)
        o["instance"] = .string(run.instance)
        o["target"] = .string(run.target)
        o["labels"] = .strings(run.values.labels)
        if let v = run.values.value { o["value"] = .string(v) }
        if let n = run.values.alertName { o["alert"] = .obj(["name": .string(n), "fingerprint": .string(run.values.alertFingerprint ?? ""), "startsAt": .string(run.values.alertStartsAt ?? "")]) }
        o["startedAt"] = .string(run.startedAt.text)
        o["actions"] = .array(steps.map { .obj(["index": .int(Int64($0.index)), "type": .string($0.type), "phase": .string($0.phase.rawValue), "summary": .string($0.summary)]) })
        return JSON.object(o).serialized()
    }
}
