import Kube
import VigilAPI
import VigilHTTP
import VigilJSON
import VigilRuntime

/// Carries out a `NamespacePolicyPlan` through the shared `ActionExecutor`:
/// a policy's three actions are the engine's `deleteNamespace`, `scaleDown`
/// and `webhook` (with the NamespacePolicy payload of docs/webhooks.md).
/// Every call is safe to repeat under the same effect key: deleting a
/// namespace that is gone or terminating succeeds; scaling down saves the
/// previous replicas once and never overwrites them with 0; a webhook
/// carries the key as `webhook-id` and `Idempotency-Key`.
public struct NamespacePolicyActions: Sendable {
    let executor: ActionExecutor
    let replica: String

    /// Runs the plan; throws `PermanentEffectFailure` for what no retry can
    /// fix (a webhook answering 4xx, a Secret that is missing its key), any
    /// other error for what a retry may fix.
    func run(_ plan: NamespacePolicyPlan, key: EffectKey, policy: NamespacePolicy, uid: String) async throws {
        let subject = EventRecorder.Subject(
            apiVersion: NamespacePolicy.apiVersion, kind: NamespacePolicy.kind, namespace: policy.namespace ?? "", name: policy.name, uid: uid)
        let action: RenderedAction
        let namespace: String
        switch plan.action {
        case .deleteNamespace(let ns, let uid, let alreadyGone):
            if alreadyGone { return }
            (action, namespace) = (.deleteNamespace(uid: uid), ns)
        case .scaleDown(let ns, let selectors):
            (action, namespace) = (.scaleDown(selectors: selectors), ns)
        case .webhook(let w, let ns):
            let payload = NamespacePolicyWebhookPayload(
                resource: .init(namespace: policy.namespace ?? "", name: policy.name, uid: uid), policyName: plan.policy,
                conditionType: Self.conditionType(plan.rule.condition), conditionParams: Self.conditionParams(plan.rule.condition),
                url: w.url, targetNamespace: ns, effectKey: key,
                firedAt: RFC3339Time(secondsSinceEpoch: plan.conditionMetAt.secondsSinceEpoch), replica: replica)
            (action, namespace) = (.webhook(w, body: payload.body), ns)
        }
        _ = try await executor.execute(action, ActionExecutor.Context(subject: subject, namespace: namespace, key: key, dryRun: false, defaultWebhookBody: { [] }))
    }

    static func conditionType(_ c: PolicyCondition) -> NamespacePolicyWebhookPayload.ConditionType {
        switch c {
        case .ttl: .ttl
        case .expiresAt: .expiresAt
        case .podsSucceeded: .podsSucceeded
        }
    }

    static func conditionParams(_ c: PolicyCondition) -> JSONObject {
        var o = JSONObject()
        switch c {
        case .ttl(let d):
            o["ttl"] = .string(d.text)
            o["ttlSeconds"] = .int(d.milliseconds / 1000)
        case .expiresAt(let t):
            o["expiresAt"] = .string(t.text)
        case .podsSucceeded(let p):
            if case .object(let sel) = p.selector.json { o["selector"] = .object(sel) }
            o["initialDelay"] = .string(p.effectiveInitialDelay.text)
            o["period"] = .string(p.effectivePeriod.text)
            o["minSucceeded"] = .int(Int64(p.effectiveMinSucceeded))
        }
        return o
    }
}
