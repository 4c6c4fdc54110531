import Kube
import VigilAPI
import VigilHTTP
import VigilJSON
import VigilRuntime

/// Carries out a `NamespacePolicyPlan` against the cluster: the effect the
/// ledger wraps. Every call is safe to repeat under the same effect key:
/// deleting a namespace that is gone or terminating succeeds; scaling down
/// saves the previous replicas once and never overwrites them with 0; a
/// webhook carries the key as `webhook-id` and `Idempotency-Key`.
public struct NamespacePolicyActions: Sendable {
    let client: KubeClient
    let http: HTTPClient
    let replica: String

    /// Runs the plan; throws `PermanentEffectFailure` for what no retry can
    /// fix (a webhook answering 4xx, a Secret that is missing its key), any
    /// other error for what a retry may fix.
    func run(_ plan: NamespacePolicyPlan, key: EffectKey, policy: NamespacePolicy, uid: String) async throws {
        switch plan.action {
        case .deleteNamespace(let namespace, let alreadyGone):
            if alreadyGone { return }
            do {
                try await client.delete(.namespaces, name: namespace)
            } catch {
                // Gone, or already being deleted: the effect has happened.
                if error.isNotFound || error.isConflict { return }
                if error.statusCode == 403 { throw PermanentEffectFailure("deleting namespace \(namespace) is forbidden: \(error)") }
                throw error
            }
        case .scaleDown(let namespace, let selectors):
            let workloads = try await Self.workloads(client, namespace: namespace)
            try await Self.apply(ScaleDownPlanner.scaleDown(workloads, selectors: selectors, namespace: namespace), client)
        case .webhook(let action, let namespace):
            try await webhook(action, namespace: namespace, plan: plan, key: key, policy: policy, uid: uid)
        }
    }

    func webhook(_ action: WebhookAction, namespace: String, plan: NamespacePolicyPlan, key: EffectKey, policy: NamespacePolicy, uid: String) async throws {
        var secret: WebhookSecret?
        if let ref = action.secretRef {
            let secretKey = ref.effectiveKey
            let source = "Secret \(policy.namespace ?? "")/\(ref.name) key \(secretKey)"
            let object: DynamicObject
            do {
                object = try await client.get(.secrets, namespace: policy.namespace, name: ref.name)
            } catch {
                if error.isNotFound { throw PermanentEffectFailure("the signing key's \(source) does not exist") }
                throw error
            }
            guard let encoded = object.other["data"]?[secretKey]?.stringValue, let bytes = Base64.decode(encoded) else {
                throw PermanentEffectFailure("the signing key's \(source) is missing or not base64")
            }
            do {
                secret = try WebhookSecret(secretData: bytes, source: source)
            } catch {
                throw PermanentEffectFailure("\(error)")
            }
        }
        let payload = NamespacePolicyWebhookPayload(
            resource: .init(namespace: policy.namespace ?? "", name: policy.name, uid: uid), policyName: plan.policy,
            conditionType: Self.conditionType(plan.rule.condition), conditionParams: Self.conditionParams(plan.rule.condition),
            url: action.url, targetNamespace: namespace, effectKey: key,
            firedAt: RFC3339Time(secondsSinceEpoch: plan.conditionMetAt.secondsSinceEpoch), replica: replica)
        let headers = (action.headers ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let request: WebhookRequest
        do {
            request = try WebhookRequest(url: action.url, body: payload.body, effectKey: key, secret: secret, extraHeaders: headers)
        } catch {
            throw PermanentEffectFailure("\(error)")
        }
        let timeout = action.effectiveTimeout.seconds
        let delivery = WebhookDelivery(
            transport: http, policy: WebhookRetryPolicy(maxAttempts: action.effectiveMaxAttempts),
            attemptTimeout: .milliseconds(Int64(timeout * 1000)))
        let result = try await delivery.deliver(request)
        switch result.ledgerResult(url: action.url) {
        case .succeeded: return
        case .failedPermanently(let message): throw PermanentEffectFailure(message)
        case .failed(let message): throw WebhookFailure(message: message)
        }
    }

    /// The Deployments and StatefulSets of `namespace`.
    public static func workloads(_ client: KubeClient, namespace: String) async throws -> [ScaleWorkload] {
        var workloads: [ScaleWorkload] = []
        for descriptor in [ResourceDescriptor.deployments, .statefulSets] {
            for item in try await client.listAll(descriptor, namespace: namespace).items {
                if let w = ScaleWorkload(json: try JSON.parse(try KubeJSON.encode(item))) { workloads.append(w) }
            }
        }
        return workloads
    }

    /// Applies scale patches (each carries the resourceVersion it was planned
    /// from: a conflict throws, and the caller re-reads and plans again).
    public static func apply(_ patches: [WorkloadPatch], _ client: KubeClient) async throws {
        for patch in patches {
            let descriptor: ResourceDescriptor = patch.kind == .deployment ? .deployments : .statefulSets
            do {
                _ = try await client.patch(descriptor, namespace: patch.namespace, name: patch.name, type: .merge, body: patch.body.serialized())
            } catch {
                if error.isNotFound { continue }  // deleted meanwhile: nothing to scale
                throw error
            }
        }
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

/// A webhook that failed in a way a later attempt may fix (5xx, timeouts,
/// connection errors after the delivery's own retries).
struct WebhookFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
