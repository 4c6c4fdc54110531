import Foundation
import Kube
import Logging
import VigilAPI
import VigilHTTP
import VigilJSON
import VigilPrometheus
import VigilRuntime

/// Reconciles one `HealthCheck` through the one pipeline: the typed object
/// from the store → facts (the progress in status, the injected clock, the
/// probe runner, the Job, the shared poller's view) → pure decisions
/// (`HealthCheckEvaluator`) → effects → one conditional status write →
/// Events.
///
/// The schedule lives in status (`runs`, `nextRunAt`, `currentRun`), and
/// every status write tests the resourceVersion it was decided on, so two
/// replicas never both start run N and a replica that dies at any instant
/// leaves a record the next owner finishes:
/// - an HTTP probe is recorded (`currentRun`, and a `Pending` entry for
///   `check/<N>` in the ledger) *before* it is sent, and never sent twice: a
///   probe whose replica died is recorded `Unknown`;
/// - a Job is created before its run is recorded, under a name fixed by
///   the run number, so a repeat finds it (AlreadyExists) instead of
///   running a second one;
/// - a PromQL check reads the poller's latest answer and is recorded in the
///   same write that starts it;
/// - the remedy is decided in the write that records the failed run and
///   runs through the action engine and the ledger (`run/<N>|remedy`).
public struct HealthCheckReconciler: Reconciler {
    public typealias Object = HealthCheckObject
    public static let descriptor = HealthCheckObject.descriptor

    /// How long a Job check may outlive its timeout (Kubernetes' activeDeadlineSeconds stops it first).
    static let jobGrace = 30.0
    /// How often a running Job is looked at.
    static let jobPoll = 2.0

    let client: KubeClient
    let poller: PrometheusPoller
    let executor: ActionExecutor
    let engine: ActionEngine
    let probes: HealthProbeRunner
    let budget: ActionBudget
    let events: EventRecorder
    let replica: String
    let sources: Set<String>
    let allowClusterLevel: Bool
    let clock: any RuntimeClock
    let wallClockAtZero: Double
    let ledger: EffectLedger
    let ledgerPolicy: EffectLedger.Policy
    let logger: Logger
    let ownWrites = OwnWrites()
    let pollerWaits = PollerWaits()
    let rbac: HealthCheckRBAC
    let metrics: HealthCheckMetrics
    /// Wakes a resource (a probe ended).
    let enqueue: @Sendable (ObjectKey) -> Void

    public init(
        client: KubeClient, poller: PrometheusPoller, executor: ActionExecutor, probes: HealthProbeRunner, budget: ActionBudget = ActionBudget(perMinute: 0),
        replica: String, sources: Set<String>, pendingTimeout: Double, allowClusterLevel: Bool = false, clock: any RuntimeClock = SystemClock(), wallClockAtZero: Double? = nil,
        logger: Logger, enqueue: @escaping @Sendable (ObjectKey) -> Void
    ) {
        self.client = client
        self.poller = poller
        self.executor = executor
        self.engine = ActionEngine(executor: executor)
        self.probes = probes
        self.budget = budget
        self.events = EventRecorder(client: client, instance: replica, spamFilter: EventSpamFilter())
        self.replica = replica
        self.sources = sources
        self.allowClusterLevel = allowClusterLevel
        self.clock = clock
        self.wallClockAtZero = wallClockAtZero ?? (Date().timeIntervalSince1970 - clock.now())
        self.ledgerPolicy = EffectLedger.Policy(maxEntries: 100, baseRetryDelay: 5, maxRetryDelay: 300, maxAttempts: 10, pendingTimeout: pendingTimeout)
        self.ledger = EffectLedger(policy: ledgerPolicy)
        self.logger = logger
        self.rbac = HealthCheckRBAC(client: client)
        self.metrics = HealthCheckMetrics()
        self.enqueue = enqueue
    }

    public static func subscriber(_ key: ObjectKey) -> String { PollerSubscriber.id(kind: HealthCheck.kind, key) }

    /// The check is no longer polled by this replica (gone, invalid, not promql).
    func stopPolling(_ id: String) {
        poller.unregister(id: id)
        pollerWaits.forget(id)
    }

    func now() -> RFC3339Time { RFC3339Time(secondsSinceEpoch: wallClockAtZero + clock.now()) }

    /// The id of run `number`'s probe in the runner, and of its ledger entry's trigger.
    static func probeID(uid: String, run: Int64) -> String { "\(uid)/check/\(run)" }
    static func checkKey(uid: String, run: Int64) -> EffectKey { EffectKey(resourceUID: uid, trigger: "check/\(run)", actionIndex: 0) }

    /// The working state of one reconcile: the status being built, and the version it was read at.
    struct Working {
        var progress: HealthCheckProgress
        var effects: [EffectEntry]
        var resourceVersion: String
        var notes: [Announcement] = []
        var requeue: Double?
        /// What was stored, to skip writes that change nothing.
        var stored: JSON

        mutating func wake(after seconds: Double) { requeue = min(requeue ?? seconds, max(seconds, 0.05)) }
    }

    public func reconcile(_ key: ObjectKey, context: ReconcileContext<HealthCheckObject>) async throws -> ReconcileOutcome {
        let id = Self.subscriber(key)
        guard let object = context.store.get(key), let uid = object.metadata.uid else {
            stopPolling(id)
            ownWrites.forget(key)
            metrics.forget(namespace: key.namespace, name: key.name)
            return .done
        }
        if object.metadata.deletionTimestamp != nil {
            stopPolling(id)
            probes.forget(prefix: uid + "/")
            try await rbac.finalize(object, uid: uid)
            return .done
        }
        // The cache predates this replica's own last write: its watch event is on the way and queues the key again.
        // Looked at again in 2 s all the same: a schedule must not hang on one event.
        if ownWrites.isBehind(key, cached: object.metadata.resourceVersion) { return .requeue(after: 2) }
        let subject = EventRecorder.Subject(apiVersion: HealthCheck.apiVersion, kind: HealthCheck.kind, namespace: key.namespace, name: key.name, uid: uid)
        let document = object.document  // parsed once for this reconcile
        let status = document["status"] ?? .object(JSONObject())
        let generation = object.metadata.generation
        let now = now()

        let hc: HealthCheck
        switch object.decoded(from: document) {
        case .failure(let error):
            stopPolling(id)
            try await writeInvalid(key, subject, object: object, reason: "InvalidSpec", message: error.description, now: now)
            return .done
        case .success(let h):
            hc = h
        }
        let spec = hc.spec
        if case .promql(let q) = spec.check {
            let source = q.source ?? CounterMeasureSpec.defaultSource
            guard sources.contains(source) else {
                stopPolling(id)
                let known = sources.sorted().joined(separator: ", ")
                try await writeInvalid(key, subject, object: object, reason: "UnknownSource",
                    message: "spec.check.promql.source: \"\(source)\" is not a configured Prometheus source (configured: \(known.isEmpty ? "none" : known)); add prometheus.sources.\(source) to vigil.yaml", now: now)
                return .done
            }
            let registration = PrometheusRegistration(id: id, source: source, need: .query(expr: q.expr), namespace: nil)
            if poller.registration(id: id) != registration {
                poller.register(registration)
                pollerWaits.registered(id, at: now.secondsSinceEpoch)
            }
        } else {
            stopPolling(id)
        }
        if spec.level == .cluster && !allowClusterLevel {
            try await writeInvalid(key, subject, object: object, reason: "ClusterLevelNotAllowed",
                message: "spec.level: cluster-level checks are not allowed in this cluster (healthCheck.allowClusterLevel in vigil.yaml is false)", now: now)
            return .done
        }

        var w = Working(
            progress: HealthCheckProgress(status: status), effects: (try? EffectLedgerSnapshot(object: document))?.entries ?? [],
            resourceVersion: object.metadata.resourceVersion ?? "", stored: status)
        let anchor = object.metadata.creationTimestamp.flatMap(RFC3339Time.init)?.secondsSinceEpoch ?? now.secondsSinceEpoch
        let rescheduled = status["schedule"]?.stringValue != spec.schedule.summary
        w.progress.nextRunAt = HealthCheckEvaluator.nextSlot(spec, w.progress, anchor: anchor, rescheduled: rescheduled, now: now.secondsSinceEpoch)

        // 1. The run in flight.
        if let current = w.progress.current {
            if let record = try await observe(current, hc, subject, &w, now: now) {
                w.progress.current = nil
                w.effects.removeAll { $0.key == Self.checkKey(uid: uid, run: current.number) }
                probes.forget(Self.probeID(uid: uid, run: current.number))
                w.notes += HealthCheckEvaluator.finish(spec, &w.progress, record, now: now)
                metrics.recorded(record, namespace: key.namespace, name: key.name)
            }
        }
        // 2. A slot that is due.
        var startProbe: (id: String, request: HTTPRequest, check: HealthCheckProbe.HTTP)?
        if w.progress.current == nil, let due = HealthCheckEvaluator.due(spec, w.progress, next: w.progress.nextRunAt, now: now.secondsSinceEpoch, anchor: anchor) {
            switch due {
            case .skip(let slot, let folded, let next):
                w.progress.missedCount += folded + 1
                w.progress.nextRunAt = next
                let late = Int(now.secondsSinceEpoch - slot.secondsSinceEpoch)
                let record = HealthCheckProgress.Record(
                    number: 0, scheduledAt: slot, result: .skipped,
                    message: "\(late) s late, past startingDeadline \(spec.schedule.startingDeadline?.text ?? "")" + (folded > 0 ? "; \(folded) earlier slot\(folded == 1 ? "" : "s") also passed" : ""))
                w.notes += HealthCheckEvaluator.finish(spec, &w.progress, record, now: now)
                metrics.recorded(record, namespace: key.namespace, name: key.name)
            case .start(let number, let slot, let folded, let next):
                startProbe = try await start(number: number, slot: slot, next: next, hc, subject, &w, now: now)
                // Counted only once the run is recorded: a run that waits (a promql check whose poller has not
                // answered yet) counts its folded slots when it does start.
                if folded > 0 && w.progress.runs == number {
                    w.progress.missedCount += folded
                    w.notes.append(.init(warning: true, reason: "RunsMissed", message: "\(folded) slot\(folded == 1 ? "" : "s") before \(slot.text) passed without a run of their own (no replica owned the namespace, the check was paused, or a run was still going): run \(number) runs once for them (catch-up rule)"))
                }
            }
        }

        if let running = w.progress.remedy.running, spec.remedy == nil {
            // The remedy was removed from the spec while it ran: it stops, and a remedy added later starts afresh.
            let message = "spec.remedy was removed while the remedy for run \(running) was running; its remaining actions do not run"
            w.progress.remedy.running = nil
            w.progress.remedy.lastResult = "Cancelled"
            w.progress.remedy.message = message
            w.notes.append(.init(warning: true, reason: "RemedyCancelled", message: message))
        }

        // 3. Persist: the run record goes out before its probe does, and the remedy decision before the remedy runs.
        let written = try await persist(key, hc, &w, generation: generation, now: now)
        guard written else {
            // Someone else wrote since this was read: the informer brings the new version and a new reconcile.
            return .requeue(after: 1)
        }
        if let p = startProbe {
            probes.start(id: p.id, request: p.request, check: p.check) { [enqueue] in enqueue(key) }
            w.wake(after: p.check.timeout.seconds + 1)
        }

        // 4. The remedy in flight.
        if w.progress.remedy.running != nil && !spec.paused, let remedy = spec.remedy {
            try await runRemedy(remedy, hc, subject, key, &w)
        }

        for n in w.notes { await events.announce(subject, n, logger: logger) }
        if let next = w.progress.nextRunAt, w.progress.current == nil, !spec.paused {
            w.wake(after: next.secondsSinceEpoch - self.now().secondsSinceEpoch)
        }
        return w.requeue.map { .requeue(after: $0) } ?? .done
    }
}
