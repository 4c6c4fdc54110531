import Kube
import VigilRuntime

/// The HA test controller's reconciler. Each reconcile of an `HATask`
/// reports `begin` to the receiver, works for `spec.workMillis`, fires the
/// first effect the ledger does not show as succeeded (through
/// `EffectLedgerStore.perform`, so it runs once per key even across
/// take-overs), and reports `end`; then it looks again after
/// `spec.periodSeconds` while effects remain (always, with `heartbeat`).
///
/// `end` is sent from a task of its own, so it goes out even when the
/// reconcile is cancelled (a fenced replica): the receiver's timeline then
/// shows when this replica stopped touching the namespace.
public struct HATaskReconciler: Reconciler {
    public typealias Object = DynamicObject
    let client: KubeClient
    let receiver: ReceiverClient?
    let replica: String
    let epoch: @Sendable () -> Int
    let policy: EffectLedger.Policy

    /// `pendingTimeout` for the ledger: how long a `Pending` entry of
    /// another replica is left alone. The shard hand-off already guarantees
    /// that the namespace's previous owner stopped (drained, or fenced and
    /// its lease expired), so one lease duration is enough.
    public init(client: KubeClient, receiver: ReceiverClient?, replica: String, pendingTimeout: Double, epoch: @escaping @Sendable () -> Int) {
        self.client = client
        self.receiver = receiver
        self.replica = replica
        self.epoch = epoch
        policy = EffectLedger.Policy(maxEntries: 1000, baseRetryDelay: 0.5, maxRetryDelay: 5, maxAttempts: 100, pendingTimeout: pendingTimeout)
    }

    public func reconcile(_ key: ObjectKey, context: ReconcileContext<DynamicObject>) async throws -> ReconcileOutcome {
        guard let task = context.store.get(key), let uid = task.metadata.uid else { return .done }
        let spec = HATask.Spec(task.spec)
        await receiver?.work("begin", namespace: key.namespace, replica: replica, epoch: epoch())
        let outcome: ReconcileOutcome
        do {
            outcome = try await work(key, uid: uid, spec: spec)
        } catch {
            await reportEnd(key)
            throw error
        }
        await reportEnd(key)
        return outcome
    }

    /// Reports `end` from a task of its own (not cancelled with the
    /// reconcile) and waits for it, so the report is in before the
    /// reconcile counts as finished (and before a hand-off can complete).
    func reportEnd(_ key: ObjectKey) async {
        guard let receiver else { return }
        let replica = replica
        await Task { await receiver.work("end", namespace: key.namespace, replica: replica, epoch: 0) }.value
    }

    func work(_ key: ObjectKey, uid: String, spec: HATask.Spec) async throws -> ReconcileOutcome {
        if spec.workMillis > 0 { try await Task.sleep(for: .milliseconds(spec.workMillis)) }
        let ledger = EffectLedgerStore(
            client: client, resource: HATask.descriptor, namespace: key.namespace, name: key.name, owner: replica, policy: policy)
        let snapshot = try await ledger.read()
        let trigger = HATask.trigger(namespace: key.namespace, name: key.name)
        let keys = (0..<spec.effects).map { EffectKey(resourceUID: uid, trigger: trigger, actionIndex: $0) }
        guard let index = keys.firstIndex(where: { snapshot.entry($0)?.phase != .succeeded }) else {
            return spec.heartbeat ? .requeue(after: spec.periodSeconds) : .done
        }
        let receiver = receiver, replica = replica
        let outcome = try await ledger.perform(keys[index], action: "deliver:\(index)") { effectKey in
            guard let receiver else { return }
            try await receiver.effect(key: effectKey.rawValue, namespace: key.namespace, index: index, replica: replica)
        }
        switch outcome {
        case .performed, .alreadyDone, .failed, .exhausted:
            return .requeue(after: spec.periodSeconds)
        case .inProgress(_, let after), .retryAfter(let after, _):
            return .requeue(after: max(after, 0.05))
        }
    }
}
