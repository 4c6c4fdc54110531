import Foundation
import Kube
import Logging
import VigilAPI
import VigilHTTP
import VigilJSON
import VigilRuntime

/// Reconciles one `NamespacePolicy` on the pipeline every kind shares: the
/// typed object from the store (`NamespacePolicyObject`, decoded from its
/// stored document) → facts (the target namespace from the namespace informer, its
/// pods from the replica's pod informer when a `podsSucceeded` condition
/// needs them, the injected clock) →
/// a pure decision (`NamespacePolicyEvaluator`) → at most one action,
/// carried out by the shared action engine's executor through the
/// `EffectLedger` (so it happens once, even across replica failures) → the
/// status write (merge patch on the status subresource; the ledger owns
/// `status.effects`) → an Event for every decision; it comes back at the
/// next deadline the evaluator computed (never by polling every resource).
///
/// One write is NamespacePolicy's own: after an action succeeded the
/// resource goes dormant by `spec.deactivated: true` (the switch a person
/// flips back to re-arm it, part of the kind's API), written before the
/// status so the status written is already the dormant one.
///
/// Requests are kept few: the ledger decides on the informer's copy first
/// (`perform(cached:)`), a reconcile whose cache has not caught up with this
/// replica's own last write stops at once (`OwnWrites`), and the status
/// written after deactivating is already the dormant one.
public struct NamespacePolicyReconciler: Reconciler {
    public typealias Object = NamespacePolicyObject
    public static let descriptor = NamespacePolicy.descriptor

    let client: KubeClient
    let namespaces: ObjectStore<NamespaceSummary>
    let pods: ObjectStore<ScaledPod>?
    let replica: String
    let options: NamespacePolicyEvaluator.Options
    let ledgerPolicy: EffectLedger.Policy
    let actions: NamespacePolicyActions
    let events: EventRecorder
    let logger: Logger
    let clock: any RuntimeClock
    let wallClockAtZero: Double
    let ownWrites = OwnWrites()

    /// - Parameters:
    ///   - namespaces: the replica's namespace informer store (all namespaces).
    ///   - pods: the replica's pod informer store (the pods of the owned
    ///     namespaces), read by `podsSucceeded`; nil, or not complete, means
    ///     the pods are listed from the API server.
    ///   - allowCrossNamespace: the cluster's `namespacePolicy.allowCrossNamespace`.
    ///   - pendingTimeout: how long another replica's `Pending` ledger entry is
    ///     left alone; the shard hand-off guarantees the previous owner
    ///     stopped, so one lease duration suffices.
    ///   - executor: the replica's action engine executor (shared by every kind).
    public init(
        client: KubeClient, namespaces: ObjectStore<NamespaceSummary>, pods: ObjectStore<ScaledPod>? = nil, replica: String, allowCrossNamespace: Bool, pendingTimeout: Double,
        executor: ActionExecutor, clock: any RuntimeClock = SystemClock(), wallClockAtZero: Double? = nil, logger: Logger
    ) {
        self.clock = clock
        self.wallClockAtZero = wallClockAtZero ?? (Date().timeIntervalSince1970 - clock.now())
        self.client = client
        self.namespaces = namespaces
        self.pods = pods
        self.replica = replica
        self.logger = logger
        options = NamespacePolicyEvaluator.Options(
            validation: NamespacePolicyValidator.Options(allowCrossNamespace: allowCrossNamespace, allowUnknownFields: true))
        ledgerPolicy = EffectLedger.Policy(maxEntries: 50, baseRetryDelay: 5, maxRetryDelay: 300, maxAttempts: 10, pendingTimeout: pendingTimeout)
        actions = NamespacePolicyActions(executor: executor, replica: replica)
        events = EventRecorder(client: client, instance: replica, spamFilter: EventSpamFilter())
    }

    func now() -> RFC3339Time { RFC3339Time(secondsSinceEpoch: wallClockAtZero + clock.now()) }

    public func reconcile(_ key: ObjectKey, context: ReconcileContext<NamespacePolicyObject>) async throws -> ReconcileOutcome {
        guard let object = context.store.get(key), let uid = object.metadata.uid else {
            ownWrites.forget(key)
            return .done
        }
        guard object.metadata.deletionTimestamp == nil else { return .done }
        // The cache has not caught up with this replica's own last write:
        // its watch event is on the way and will bring the key back. Acting
        // on the older copy would redo work (and re-announce it).
        if ownWrites.isBehind(key, cached: object.metadata.resourceVersion) { return .done }
        let document = object.document
        let now = now()
        let target = (document[path: ["spec", "namespace"]]?.stringValue).flatMap { $0.isEmpty ? nil : $0 } ?? key.namespace
        var facts = NamespacePolicyFacts(now: now, namespace: targetFacts(target), progress: NamespacePolicyProgress(status: document["status"]))
        if Self.needsPods(document), facts.namespace.exists {
            if target == key.namespace, let cached = pods?.listIfComplete(namespace: target) {
                // The replica's pod informer keeps every pod of the namespaces it owns, this one included.
                facts.pods = cached.map { pod in
                    NamespacePolicyFacts.Pod(name: pod.name, uid: pod.uid, labels: pod.labels, phase: .init(phase: pod.phase))
                }
            } else {
                // No pod informer (MemoryScaler off), another shard's namespace
                // (a cross-namespace policy), or the cache is re-listing after
                // a hand-off: ask the API server.
                facts.pods = try await client.listAll(Pod.self, namespace: target).items.map { pod in
                    NamespacePolicyFacts.Pod(
                        name: pod.metadata.name ?? "", uid: pod.metadata.uid ?? "", labels: pod.metadata.labels ?? [:],
                        phase: .init(phase: pod.status?.phase))
                }
            }
        }
        var evaluation: NamespacePolicyEvaluation
        let decoded = object.decoded(from: document)
        switch decoded {
        case .success(let policy): evaluation = NamespacePolicyEvaluator.evaluate(policy: policy, facts: facts, options: options)
        case .failure: evaluation = NamespacePolicyEvaluator.evaluate(document: document, facts: facts, options: options)  // reports the problems
        }
        let subject = EventRecorder.Subject(
            apiVersion: "vigil.dev/v1alpha1", kind: "NamespacePolicy", namespace: key.namespace, name: key.name, uid: uid)
        var requeue = evaluation.requeueAfter

        if let plan = evaluation.plan, case .success(let policy) = decoded {
            let effectKey = EffectKey(resourceUID: uid, trigger: plan.trigger, actionIndex: plan.actionIndex)
            let ledger = EffectLedgerStore(
                client: client, resource: Self.descriptor, namespace: key.namespace, name: key.name, owner: replica, policy: ledgerPolicy,
                clock: clock, wallClockAtZero: wallClockAtZero)
            let actions = actions
            let outcome: EffectLedgerStore<KubeClient>.Outcome
            do {
                // The ledger decides on the cached copy first (a stale one only costs a re-read).
                let ownWrites = ownWrites
                outcome = try await ledger.perform(
                    effectKey, action: plan.effectAction, cached: try? EffectLedgerSnapshot(object: document), idempotent: plan.action.isIdempotent,
                    wrote: { ownWrites.wrote(key, resourceVersion: $0) }
                ) { k in
                    try await actions.run(plan, key: k, policy: policy, uid: uid)
                }
            } catch EffectLedgerError.objectNotFound {
                // The resource is gone (deleteNamespace of its own namespace
                // takes it along): there is nothing left to record.
                logger.notice("\(plan.action.summary) (policy \(plan.policy)); the NamespacePolicy went with it", metadata: ["resource": "\(key)"])
                return .done
            }
            logger.notice("\(plan.action.summary) (policy \(plan.policy)): \(outcome)", metadata: ["resource": "\(key)", "effectKey": "\(effectKey)"])
            let at = self.now()
            switch outcome {
            case .performed, .alreadyDone:
                evaluation = evaluation.recording(.succeeded, at: at)
            case .failed(let entry, let error):
                if let next = entry.nextRetryAt {
                    evaluation = evaluation.recording(.retrying(error: error, nextAttemptAt: RFC3339Time(secondsSinceEpoch: next.secondsSinceEpoch)), at: at)
                } else {
                    evaluation = evaluation.recording(.failed(error: error), at: at)
                }
            case .exhausted(let entry):
                evaluation = evaluation.recording(.failed(error: entry.lastError ?? "every attempt failed"), at: at)
            case .retryAfter(let seconds, let entry):
                evaluation = evaluation.recording(
                    .retrying(error: entry.lastError ?? "failed", nextAttemptAt: RFC3339Time(secondsSinceEpoch: at.secondsSinceEpoch + seconds)), at: at)
            case .inProgress(_, let seconds):
                // Another replica's attempt, not yet abandoned: look again when it would be.
                requeue = min(requeue ?? seconds, max(seconds, 0.05))
            }
            if case .inProgress = outcome {} else { requeue = evaluation.requeueAfter }
        }

        let previous = document["status"].flatMap { try? NamespacePolicyStatus(json: $0) }
        let current = document["status"] ?? .object(JSONObject())
        // The status to write: this evaluation's, or, once the resource is
        // deactivated below, what the dormant resource's evaluation will be.
        var statusPatch = evaluation.statusPatch(previous: previous)
        var mustWrite = evaluation.plan != nil
        if evaluation.deactivate {
            let patched: NamespacePolicyObject
            do {
                let body = try await client.send(
                    .patch(Self.descriptor, namespace: key.namespace, name: key.name, type: .merge, body: Array(#"{"spec":{"deactivated":true}}"#.utf8))).body
                patched = try NamespacePolicyObject(tree: try JSON.parse(body))
            } catch let error as KubeError {
                if error.isNotFound { return .done }
                throw error
            }
            ownWrites.wrote(key, resourceVersion: patched.metadata.resourceVersion)
            // Write the status the next reconcile of the dormant resource
            // would (its new generation, Ready "Deactivated"), so that
            // reconcile finds nothing to change or announce: one status
            // write and one Event per firing.
            let fired = JSONMergePatch.apply(statusPatch, to: current)
            var dormantFacts = facts
            dormantFacts.progress = NamespacePolicyProgress(status: fired)
            let firedStatus = try? NamespacePolicyStatus(json: fired)
            let dormant: NamespacePolicyEvaluation
            switch patched.decoded {
            case .success(var policy):
                policy.status = firedStatus
                dormant = NamespacePolicyEvaluator.evaluate(policy: policy, facts: dormantFacts, options: options)
            case .failure:
                var next = patched.document
                next["status"] = fired
                dormant = NamespacePolicyEvaluator.evaluate(document: next, facts: dormantFacts, options: options)
            }
            statusPatch = dormant.statusPatch(previous: firedStatus)
            mustWrite = true
        }
        // Written only when something other than lastEvaluation changes: the
        // write's own watch event would otherwise start the next reconcile.
        let merged = JSONMergePatch.apply(statusPatch, to: current)
        let ignored: Set<String> = ["lastEvaluation"]
        if mustWrite || JSONMergePatch.removing(ignored, from: merged) != JSONMergePatch.removing(ignored, from: current) {
            let patch: JSON = ["status": statusPatch]
            do {
                let written = try await client.patch(
                    Self.descriptor, namespace: key.namespace, name: key.name, subresource: "status", type: .merge, body: patch.serialized())
                ownWrites.wrote(key, resourceVersion: written.metadata.resourceVersion)
            } catch {
                if error.isNotFound { return .done }
                throw error
            }
        }
        for d in evaluation.decisions {
            let message = d.message
            if let failure = await events.record(subject, type: d.severity.rawValue, reason: d.reason, message: message) {
                logger.warning("could not record an Event for NamespacePolicy \(key): \(failure)")
            }
            logger.info("\(d.reason): \(message)", metadata: ["resource": "\(key)"])
        }
        return requeue.map { .requeue(after: $0) } ?? .done
    }

    /// The target namespace as the namespace informer sees it.
    func targetFacts(_ name: String) -> NamespacePolicyFacts.TargetNamespace {
        guard let ns = namespaces.get(namespace: nil, name: name), let created = ns.creationTimestamp.flatMap(RFC3339Time.init) else {
            return .missing
        }
        return NamespacePolicyFacts.TargetNamespace(exists: true, creationTimestamp: created, terminating: ns.terminating, uid: ns.uid)
    }

    static func needsPods(_ document: JSON) -> Bool {
        guard case .array(let policies)? = document[path: ["spec", "policies"]] else { return false }
        return policies.contains { $0[path: ["condition", "podsSucceeded"]] != nil }
    }
}
