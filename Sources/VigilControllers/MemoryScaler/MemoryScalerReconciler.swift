import Foundation
import Kube
import Logging
import Metrics
import VigilAPI
import VigilJSON
import VigilPrometheus
import VigilRuntime

/// Reconciles one `MemoryScaler` through the pipeline every kind shares:
/// the typed object (decoded from its stored document) → facts (the pods of its
/// namespace from the pod informer, the working sets and limits from the one
/// Prometheus poller, the steps already started from the ledger and status)
/// → pure decisions (`MemoryScalerEvaluator`, then `MemoryScalerPlanner`)
/// → each step through the action engine and the ledger (`raiseMemory`,
/// keyed by the pod's or workload's UID, the container and the target size)
/// → one status write → Events.
///
/// Every MemoryScaler subscribes the same expression
/// (`MemoryScalerEvaluator.expression`) for its namespace, so the poller
/// sends one query per interval per replica for all of them. The pod
/// informer wakes the MemoryScalers of a namespace when its pods change (an
/// OOM kill needs no Prometheus).
public struct MemoryScalerReconciler: Reconciler {
    public typealias Object = MemoryScalerObject
    public static let descriptor = MemoryScalerObject.descriptor
    static let apiVersion = MemoryScaler.apiVersion

    let client: KubeClient
    let poller: PrometheusPoller
    let pods: ObjectStore<ScaledPod>
    let engine: ActionEngine
    let events: EventRecorder
    let budget: ActionBudget
    let replica: String
    let sources: Set<String>
    let clock: any RuntimeClock
    let wallClockAtZero: Double
    let ledgerPolicy: EffectLedger.Policy
    let metrics: MemoryScalerMetrics
    let logger: Logger
    let ownWrites = OwnWrites()

    public init(
        client: KubeClient, poller: PrometheusPoller, pods: ObjectStore<ScaledPod>, executor: ActionExecutor, budget: ActionBudget = ActionBudget(perMinute: 0),
        replica: String, sources: Set<String>, pendingTimeout: Double, clock: any RuntimeClock = SystemClock(), wallClockAtZero: Double? = nil,
        metricsFactory: (any MetricsFactory)? = nil, logger: Logger
    ) {
        self.client = client
        self.poller = poller
        self.pods = pods
        self.engine = ActionEngine(executor: executor)
        self.events = EventRecorder(client: client, instance: replica, spamFilter: EventSpamFilter())
        self.budget = budget
        self.replica = replica
        self.sources = sources
        self.clock = clock
        self.wallClockAtZero = wallClockAtZero ?? (Date().timeIntervalSince1970 - clock.now())
        self.ledgerPolicy = EffectLedger.Policy(maxEntries: 100, baseRetryDelay: 5, maxRetryDelay: 300, maxAttempts: 10, pendingTimeout: pendingTimeout)
        self.metrics = MemoryScalerMetrics(factory: metricsFactory)
        self.logger = logger
    }

    /// The poller subscriber id of a resource.
    public static func subscriber(_ key: ObjectKey) -> String { PollerSubscriber.id(kind: MemoryScaler.kind, key) }

    /// The key of a poller subscriber id (nil for another kind's).
    public static func key(subscriber id: String) -> ObjectKey? { PollerSubscriber.key(kind: MemoryScaler.kind, subscriber: id) }

    func now() -> RFC3339Time { RFC3339Time(secondsSinceEpoch: wallClockAtZero + clock.now()) }

    public func reconcile(_ key: ObjectKey, context: ReconcileContext<MemoryScalerObject>) async throws -> ReconcileOutcome {
        let id = Self.subscriber(key)
        guard let object = context.store.get(key), let uid = object.metadata.uid, object.metadata.deletionTimestamp == nil else {
            poller.unregister(id: id)
            ownWrites.forget(key)
            return .done
        }
        // The cache predates this replica's own last write: its watch event is on the way.
        if ownWrites.isBehind(key, cached: object.metadata.resourceVersion) { return .requeue(after: 2) }
        let namespace = key.namespace
        let subject = EventRecorder.Subject(apiVersion: Self.apiVersion, kind: MemoryScaler.kind, namespace: namespace, name: key.name, uid: uid)
        let document = object.document  // parsed once for this reconcile
        let current = document["status"] ?? .object(JSONObject())
        let generation = object.metadata.generation
        let now = now()

        let scaler: MemoryScaler
        switch object.decoded(from: document) {
        case .failure(let error):
            poller.unregister(id: id)
            try await writeInvalid(key, subject, current: current, generation: generation, reason: "InvalidSpec", message: error.description, now: now)
            return .done
        case .success(let s):
            scaler = s
        }
        let spec = scaler.spec
        // With no Prometheus source configured at all, or an unknown one, only OOM kills trigger.
        let noSource = sources.isEmpty && spec.source == nil
        var unknownSource: String?
        if !noSource && !sources.contains(spec.effectiveSource) {
            let known = sources.sorted().joined(separator: ", ")
            unknownSource = "spec.source: \"\(spec.effectiveSource)\" is not a configured Prometheus source (configured: \(known.isEmpty ? "none" : known)); "
                + "add prometheus.sources.\(spec.effectiveSource) to vigil.yaml or name a configured one"
        }
        let oomOnly = noSource || unknownSource != nil
        var view: PrometheusView?
        if oomOnly {
            poller.unregister(id: id)
        } else {
            let registration = PrometheusRegistration(id: id, source: spec.effectiveSource, need: .query(expr: MemoryScalerEvaluator.expression), namespace: namespace)
            if poller.registration(id: id) != registration { poller.register(registration) }
            view = poller.latest(for: id)
        }
        var measurements: MemoryScalerEvaluator.Measurements?
        if let view, view.reachability == .reachable, case .samples(let samples) = view.content {
            measurements = MemoryScalerEvaluator.Measurements(samples: samples)
        }

        let namespacePods = pods.list(namespace: namespace)
        var progress = MemoryScalerProgress(status: current)
        let cached = try? EffectLedgerSnapshot(object: document)
        var lastStep = progress.lastSteps
        for entry in cached?.entries ?? [] where entry.phase != .failed {
            // Only real steps count: a dry run changed nothing, so nothing cools down (and its steps never hold back real ones).
            guard let r = ActionSpec.RaiseMemory(ledgerAction: entry.action),
                entry.key == Self.key(r, scaler: uid, namespace: namespace, name: key.name, dryRun: false)
            else { continue }
            let k = "\(r.uid)/\(r.container)"
            if lastStep[k].map({ $0.secondsSinceEpoch < entry.startedAt.secondsSinceEpoch }) ?? true { lastStep[k] = entry.startedAt }
        }
        let evaluation = MemoryScalerEvaluator.evaluate(scaler, pods: namespacePods, measurements: measurements, lastStep: lastStep)

        var announcements: [Announcement] = []
        var requeue: Double?
        if !spec.paused {
            var work = StepWork(
                key: key, subject: subject, scaler: scaler, cached: cached,
                context: MemoryScalerPlanner.Context(mode: spec.mode, cooldown: spec.cooldown.seconds, now: now, lastStep: lastStep))
            // Steps a replica started and did not record (it died between the write and the status): finish or record them first.
            if try await recover(uid: uid, &work, &progress) == .gone { return .done }
            for finding in evaluation.findings {
                if try await step(finding, &work, &progress) == .gone { return .done }
            }
            announcements = work.announcements
            requeue = work.requeue
        }
        if !spec.paused { progress.settle(now: now) }
        progress.prune(livePods: Set(namespacePods.map(\.uid)))

        var fields = progress.json
        fields["observedGeneration"] = generation.map { .int($0) } ?? .null
        fields["selector"] = .string(spec.selectorSummary)
        fields["source"] = oomOnly ? .null : .string(spec.effectiveSource)
        fields["pods"] = .int(Int64(evaluation.selected))
        fields["conditions"] = .array(conditions(
            scaler, evaluation: evaluation, progress: progress, view: view, oomOnly: oomOnly, unknownSource: unknownSource, current: current, generation: generation, now: now))
        if let unknownSource, current["conditions"]?.arrayValue?.first(where: { $0["type"]?.stringValue == "Ready" })?["reason"]?.stringValue != "UnknownSource" {
            announcements.append(Announcement(warning: true, reason: "UnknownSource", message: unknownSource + "; until then only OOM kills trigger a step"))
        }
        try await StatusFields.write(client, Self.descriptor, key, fields, current: current, ownWrites: ownWrites)
        for a in announcements { await events.announce(subject, a, logger: logger) }
        return requeue.map { .requeue(after: $0) } ?? .done
    }

    // MARK: Steps

    /// What the steps of one reconcile share.
    struct StepWork {
        var key: ObjectKey
        var subject: EventRecorder.Subject
        var scaler: MemoryScaler
        var cached: EffectLedgerSnapshot?
        var context: MemoryScalerPlanner.Context
        /// Owners looked up in this reconcile, by the pod's controller UID.
        var owners: [String: MemoryScalerPlanner.Owner] = [:]
        var announcements: [Announcement] = []
        var requeue: Double?

        mutating func requeue(after seconds: Double?) {
            guard let seconds else { return }
            requeue = min(requeue ?? seconds, max(seconds, 0.5))
        }
    }

    enum StepResult { case ok, gone }

    /// Plans one finding and carries the plan out.
    func step(_ finding: MemoryScalerEvaluator.Finding, _ w: inout StepWork, _ progress: inout MemoryScalerProgress) async throws -> StepResult {
        let pod = finding.pod
        var context = w.context
        var plan = try await plan(finding, context, &w)
        while true {
            switch plan {
            case .wait(let message, let after):
                progress.set(kind: "Pod", name: pod.name, uid: pod.uid, container: finding.container, phase: "Waiting", message: message, now: context.now)
                w.requeue(after: after)
                return .ok
            case .report(let reason, let message, let warning):
                // A container without a limit is only listed in status: an Event for every such pod would be noise.
                if progress.set(kind: "Pod", name: pod.name, uid: pod.uid, container: finding.container, phase: reason, message: message, now: context.now),
                    reason != "NoLimit" {
                    w.announcements.append(Announcement(warning: warning, reason: reason, message: message))
                }
                return .ok
            case .raise(let r, let trigger):
                switch try await apply(r, trigger: trigger, resuming: false, &w, &progress) {
                case .gone: return .gone
                case .recorded: return .ok
                case .doneEarlier:
                    // The same step (same target, container and size) is in the ledger, yet the limit is back where it started.
                    let message = "\(RenderedAction.raiseMemory(r).summary(namespace: w.key.namespace)) was done earlier, but the limit is \(MemoryStep.quantity(bytes: r.fromLimit)) again: "
                        + "something lowered it (a GitOps sync, an edit); a step is never repeated, so fix what reverts it"
                    if progress.set(kind: r.target.rawValue, name: r.name, uid: r.uid, container: r.container, phase: "Reverted", message: message, now: context.now) {
                        w.announcements.append(Announcement(warning: true, reason: "Reverted", message: message))
                    }
                    return .ok
                case .failed(let error):
                    // The cluster refused the in-place step and the pod is unchanged: Auto goes through the owner, InPlace reports it.
                    if r.target == .pod, w.scaler.spec.mode != .owner, context.inPlaceRefused == nil,
                        let now = pods.get(namespace: pod.namespace, name: pod.name), now.uid == pod.uid,
                        now.containers.first(where: { $0.name == r.container })?.limit == r.fromLimit {
                        context.inPlaceRefused = error
                        plan = try await self.plan(finding, context, &w)
                        continue
                    }
                    let message = "\(RenderedAction.raiseMemory(r).summary(namespace: w.key.namespace)) failed: \(error)"
                    if progress.set(kind: r.target.rawValue, name: r.name, uid: r.uid, container: r.container, phase: "Failed", message: message, now: context.now) {
                        w.announcements.append(Announcement(warning: true, reason: "ResizeFailed", message: message))
                    }
                    return .ok
                }
            }
        }
    }

    enum Applied: Equatable {
        /// Done, waiting or retrying: recorded in `progress`.
        case recorded
        /// Failed for good; not recorded (the caller falls back or records it).
        case failed(String)
        /// The ledger says this very step was done, yet it was decided again from the same limit: reverted.
        case doneEarlier
        /// The MemoryScaler is gone.
        case gone
    }

    /// Runs one step through the action engine and the ledger (key: the
    /// MemoryScaler, `memory|<uid>/<container>/<toLimit>`) and records how it went.
    func apply(_ r: ActionSpec.RaiseMemory, trigger: String, resuming: Bool, _ w: inout StepWork, _ progress: inout MemoryScalerProgress) async throws -> Applied {
        let now = w.context.now
        let dryRun = w.scaler.spec.dryRun
        // A step the ledger knows already (done, failed for good, in flight) takes no new token and is not counted again.
        let known = w.cached?.entry(run(r, w, dryRun: dryRun).key(0))
        if !resuming, known == nil, let wait = budget.take() {
            let message = "waiting for the action cap (actions.maxRunsPerMinute \(Int(budget.perMinute)) in vigil.yaml)"
            progress.set(kind: r.target.rawValue, name: r.name, uid: r.uid, container: r.container, phase: "Waiting", message: message, now: now)
            w.requeue(after: wait)
            return .recorded
        }
        let mode = r.target == .pod ? "InPlace" : "Owner"
        let outcome: ActionEngine.Outcome
        do {
            outcome = try await engine.run([.raiseMemory(r)], run(r, w, dryRun: dryRun), ledger: ledger(w.key), cached: w.cached)
        } catch EffectLedgerError.objectNotFound {
            return .gone
        }
        w.cached = nil
        guard let s = outcome.steps.last else { return .recorded }
        switch s.phase {
        case .succeeded:
            let earlier = s.summary.hasSuffix("(done earlier)")
            // Decided afresh from a limit this very step had raised: it was reverted.
            if earlier && !resuming && !dryRun { return .doneEarlier }
            // Done before (by this replica or another) and already in status: nothing new.
            if earlier, progress.accounts(for: r, dryRun: dryRun) { return .recorded }
            progress.resized(r, trigger: trigger, message: s.summary, dryRun: dryRun, now: now)
            w.context.lastStep["\(r.uid)/\(r.container)"] = now
            if r.target != .pod {
                for (ref, owner) in w.owners {
                    if case .workload(let t, let n, let u, _) = owner, u == r.uid { w.owners[ref] = .workload(target: t, name: n, uid: u, limit: r.toLimit) }
                }
            }
            if !earlier { metrics.step(mode: mode, result: dryRun ? "dry_run" : "applied") }
            if !earlier || resuming {
                w.announcements.append(Announcement(reason: dryRun ? "WouldResize" : "Resized", message: "\(s.summary): \(trigger)"))
            }
            return .recorded
        case .failed:
            if known?.phase != .failed { metrics.step(mode: mode, result: "failed") }
            return .failed(s.error ?? "failed")
        case .retrying, .waiting:
            let message = "\(s.summary): " + (s.phase == .waiting ? "another replica is running it" : "retrying after: \(s.error ?? "an error")")
            progress.set(kind: r.target.rawValue, name: r.name, uid: r.uid, container: r.container, phase: "Waiting", message: message, now: now)
            w.requeue(after: s.retryAfter ?? 5)
            return .recorded
        }
    }

    /// Finishes (a `Pending` entry: the step runs again, which finds it
    /// applied or applies it) or records (a `Succeeded` one) every step in
    /// the ledger that status does not account for: a replica that died
    /// between its step and its status write leaves one.
    ///
    /// Only recent entries (`recoveryWindow`) of targets that still exist
    /// count, and a `Succeeded` one only if it is newer than the last step
    /// status records: a pod's entry leaves status when the pod goes, and
    /// its ledger entry must not bring it back.
    func recover(uid: String, _ w: inout StepWork, _ progress: inout MemoryScalerProgress) async throws -> StepResult {
        let dryRun = w.scaler.spec.dryRun
        let now = w.context.now.secondsSinceEpoch
        let recorded = progress.lastResizeAt?.secondsSinceEpoch ?? 0
        for entry in w.cached?.entries ?? [] where entry.phase != .failed && now - entry.startedAt.secondsSinceEpoch < Self.recoveryWindow {
            guard let r = ActionSpec.RaiseMemory(ledgerAction: entry.action), entry.key == run(r, w, dryRun: dryRun).key(0),
                !progress.accounts(for: r, dryRun: dryRun)
            else { continue }
            // A finished step older than the last one status records was recorded then (its entry may since have been pruned).
            if entry.phase == .succeeded && entry.startedAt.secondsSinceEpoch <= recorded { continue }
            if r.target == .pod, pods.get(namespace: w.key.namespace, name: r.name)?.uid != r.uid { continue }
            let trigger = "a step started by \(entry.owner ?? "another replica") at \(entry.startedAt.text), which stopped before recording it"
            if try await apply(r, trigger: trigger, resuming: true, &w, &progress) == .gone { return .gone }
        }
        return .ok
    }

    /// How old a ledger entry `recover` still looks at: a replica that died
    /// before its status write is replaced within a lease or two.
    static let recoveryWindow = 3600.0

    func run(_ r: ActionSpec.RaiseMemory, _ w: StepWork, dryRun: Bool) -> ActionEngine.Run {
        Self.run(r, subject: w.subject, namespace: w.key.namespace, name: w.key.name, dryRun: dryRun)
    }

    /// The engine run of a step: instance `memory`, target `<uid>/<container>/<toLimit>`.
    static func run(_ r: ActionSpec.RaiseMemory, subject: EventRecorder.Subject, namespace: String, name: String, dryRun: Bool) -> ActionEngine.Run {
        ActionEngine.Run(
            subject: subject, resource: descriptor, instance: "memory", target: "\(r.uid)/\(r.container)/\(r.toLimit)",
            namespace: namespace, values: TemplateValues(namespace: namespace, resourceName: name), dryRun: dryRun, defaultWebhookBody: { _ in [] })
    }

    /// The ledger key of step `r` of the MemoryScaler with UID `scaler`.
    static func key(_ r: ActionSpec.RaiseMemory, scaler: String, namespace: String, name: String, dryRun: Bool) -> EffectKey {
        let subject = EventRecorder.Subject(apiVersion: apiVersion, kind: MemoryScaler.kind, namespace: namespace, name: name, uid: scaler)
        return run(r, subject: subject, namespace: namespace, name: name, dryRun: dryRun).key(0)
    }

    func ledger(_ key: ObjectKey) -> EffectLedgerStore<KubeClient> {
        EffectLedgerStore(
            client: client, resource: Self.descriptor, namespace: key.namespace, name: key.name, owner: replica, policy: ledgerPolicy, clock: clock,
            wallClockAtZero: wallClockAtZero)
    }

    func plan(_ finding: MemoryScalerEvaluator.Finding, _ context: MemoryScalerPlanner.Context, _ w: inout StepWork) async throws -> MemoryScalerPlanner.Plan {
        var owner: MemoryScalerPlanner.Owner?
        if MemoryScalerPlanner.needsOwner(finding, context) {
            let pod = finding.pod
            if let ref = pod.controller?.uid, let known = w.owners[ref] {
                owner = known
            } else {
                let found = await lookUpOwner(pod, container: finding.container)
                if let ref = pod.controller?.uid { w.owners[ref] = found }
                owner = found
            }
        }
        return MemoryScalerPlanner.plan(finding, context, owner: owner)
    }

    /// The Deployment (through the pod's ReplicaSet) or StatefulSet that
    /// owns `pod`, with the memory limit its template gives `container`.
    func lookUpOwner(_ pod: ScaledPod, container: String) async -> MemoryScalerPlanner.Owner {
        guard let ref = pod.controller else { return .none("pod \(pod.name) has no controller (a bare pod)") }
        let ns = pod.namespace
        do {
            switch ref.kind {
            case "ReplicaSet":
                let rs = try await getJSON(.replicaSets, ns, ref.name)
                guard rs[path: ["metadata", "uid"]]?.stringValue == ref.uid else { return .none("its ReplicaSet \(ref.name) was replaced") }
                let owners = rs[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []
                guard let d = owners.first(where: { $0["controller"]?.boolValue == true && $0["kind"]?.stringValue == "Deployment" }),
                    let name = d["name"]?.stringValue, let uid = d["uid"]?.stringValue
                else { return .none("its ReplicaSet \(ref.name) belongs to no Deployment") }
                let deployment = try await getJSON(.deployments, ns, name)
                guard deployment[path: ["metadata", "uid"]]?.stringValue == uid else { return .none("Deployment \(name) was replaced") }
                return .workload(target: .deployment, name: name, uid: uid, limit: Self.templateLimit(deployment, container))
            case "StatefulSet":
                let sts = try await getJSON(.statefulSets, ns, ref.name)
                guard sts[path: ["metadata", "uid"]]?.stringValue == ref.uid else { return .none("StatefulSet \(ref.name) was replaced") }
                return .workload(target: .statefulSet, name: ref.name, uid: ref.uid, limit: Self.templateLimit(sts, container))
            default:
                return .none("it is owned by \(ref.kind) \(ref.name); only a Deployment's or a StatefulSet's pod template is changed")
            }
        } catch {
            if error.isNotFound { return .none("its owner \(ref.kind) \(ref.name) is gone") }
            if error.statusCode == 403 {
                return .none("Vigil may not read the owner (\(error)); grant get on replicasets, deployments and statefulsets (deploy/rbac)")
            }
            return .none("looking up its owner \(ref.kind) \(ref.name) failed: \(error)")
        }
    }

    func getJSON(_ d: ResourceDescriptor, _ namespace: String, _ name: String) async throws(KubeError) -> JSON {
        let body = try await client.send(.get(d, namespace: namespace, name: name)).body
        do { return try JSON.parse(body) } catch { throw .decoding("\(d.plural) \(namespace)/\(name): \(error)") }
    }

    static func templateLimit(_ workload: JSON, _ container: String) -> Int64? {
        let containers = workload[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
        guard let text = containers.first(where: { $0["name"]?.stringValue == container })?[path: ["resources", "limits", "memory"]]?.stringValue else { return nil }
        return try? MemoryStep.bytes(parsing: text)
    }

    // MARK: Status

    func conditions(
        _ scaler: MemoryScaler, evaluation e: MemoryScalerEvaluator.Result, progress: MemoryScalerProgress, view: PrometheusView?, oomOnly: Bool,
        unknownSource: String? = nil, current: JSON, generation: Int64?, now: RFC3339Time
    ) -> [JSON] {
        let spec = scaler.spec
        let source = spec.effectiveSource
        let reachable: (StatusCondition.Status, String, String)
        switch (view?.reachability, view?.content) {
        case (nil, _) where unknownSource != nil:
            reachable = (.false, "UnknownSource", unknownSource! + "; only OOM kills trigger a step")
        case (nil, _) where oomOnly:
            reachable = (.unknown, "NoSource", "no Prometheus source is configured: only OOM kills trigger a step")
        case (nil, _):
            reachable = (.unknown, "WaitingForFirstPoll", "waiting for the first poll of Prometheus source \(source)")
        case (.unreachable(let error, _)?, _):
            reachable = (.false, "Unreachable", "\(error); no step is taken on missing data, OOM kills still trigger")
        case (_, .failed(let error)?):
            reachable = (.false, "QueryFailed", "\(error); OOM kills still trigger")
        default:
            reachable = (.true, "Polled", "polled at \(view!.fetchedAtWall.text)" + (view!.warnings.isEmpty ? "" : "; warnings: \(view!.warnings.joined(separator: "; "))"))
        }
        let what = "\(e.selected) pod\(e.selected == 1 ? "" : "s") selected (\(spec.selectorSummary))"
        var ready: (StatusCondition.Status, String, String) =
            spec.paused ? (.true, "Paused", "\(what); paused: nothing is resized")
            : spec.dryRun ? (.true, "DryRun", "\(what); dry run: steps are sent with dryRun=All")
            : (.true, "Watching", "\(what); a step at \(spec.thresholdPercent)% of the limit\(spec.onOOMKilled ? " or after an OOM kill" : ""), ×\(spec.multiplier.text) up to \(spec.maxMemory.text), \(spec.mode.rawValue)")
        if let unknownSource { ready = (.false, "UnknownSource", unknownSource + "; only OOM kills trigger a step until then") }
        let atMax = progress.workloads.filter { $0.phase == "AtMaximum" }
        let atMaximum: (StatusCondition.Status, String, String) = atMax.isEmpty
            ? (.false, "BelowMaximum", "no container needs more than maxMemory \(spec.maxMemory.text)")
            : (.true, "AtMaximum", "at maxMemory \(spec.maxMemory.text) and still over the threshold or OOM-killed: "
                + atMax.prefix(5).map { "\($0.name)/\($0.container)" }.joined(separator: ", ") + (atMax.count > 5 ? " and \(atMax.count - 5) more" : ""))
        let previous = current["conditions"]?.arrayValue ?? []
        return [
            StatusFields.condition("Ready", ready, previous: previous, generation: generation, now: now),
            StatusFields.condition("SourceReachable", reachable, previous: previous, generation: generation, now: now),
            StatusFields.condition("AtMaximum", atMaximum, previous: previous, generation: generation, now: now),
        ]
    }

    func writeInvalid(_ key: ObjectKey, _ subject: EventRecorder.Subject, current: JSON, generation: Int64?, reason: String, message: String, now: RFC3339Time) async throws {
        guard try await StatusFields.writeNotReady(client, Self.descriptor, key, reason: reason, message: message, current: current, generation: generation, now: now, ownWrites: ownWrites)
        else { return }
        await events.announce(subject, Announcement(warning: true, reason: reason, message: message), logger: logger)
    }
}
