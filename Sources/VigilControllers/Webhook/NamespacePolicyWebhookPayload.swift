import VigilJSON
import VigilRuntime

/// The JSON body of a `NamespacePolicy` `webhook` action (docs/webhooks.md):
/// a superset of what k8s-namespace-manager sent, plus a `vigil` section with
/// the effect key and the resource. Pure; keys are always in this order:
///
///     {"namespaceManager": {"namespace", "name"},
///      "policy": {"name", "condition": {"type", "params"}, "action": {"type": "webhook", "params": {"url"}}},
///      "namespace",
///      "vigil": {"effectKey", "resource": {"apiVersion", "kind", "namespace", "name", "uid"},
///                "firedAt", "dryRun", "replica"}}
///
/// The action's params carry only the URL: the secret reference and extra
/// headers are never sent.
public struct NamespacePolicyWebhookPayload: Sendable, Equatable {
    /// The kinds of condition, spelled as in the resource.
    public enum ConditionType: String, Sendable, Hashable, CaseIterable {
        case ttl
        case expiresAt
        case podsSucceeded
    }

    /// The `NamespacePolicy` resource that fired.
    public struct Resource: Sendable, Hashable {
        public var apiVersion: String
        public var kind: String
        public var namespace: String
        public var name: String
        public var uid: String

        public init(apiVersion: String = "vigil.dev/v1alpha1", kind: String = "NamespacePolicy", namespace: String, name: String, uid: String) {
            self.apiVersion = apiVersion
            self.kind = kind
            self.namespace = namespace
            self.name = name
            self.uid = uid
        }
    }

    public var resource: Resource
    /// The policy's `name`.
    public var policyName: String
    public var conditionType: ConditionType
    /// The condition's settings after defaulting, e.g. `{"ttl": "8h"}`,
    /// `{"expiresAt": "2026-12-31T23:00:00Z"}` or `{"selector": {…},
    /// "initialDelay": "60s", "period": "10s", "minSucceeded": 1}`.
    public var conditionParams: JSONObject
    /// The webhook's URL.
    public var url: String
    /// The namespace the policy manages (`spec.namespace`, defaulted).
    public var targetNamespace: String
    public var effectKey: EffectKey
    /// When the condition was found to hold.
    public var firedAt: RFC3339Time
    /// The replica that sends it (its member id).
    public var replica: String

    public init(
        resource: Resource, policyName: String, conditionType: ConditionType, conditionParams: JSONObject, url: String,
        targetNamespace: String, effectKey: EffectKey, firedAt: RFC3339Time, replica: String
    ) {
        self.resource = resource
        self.policyName = policyName
        self.conditionType = conditionType
        self.conditionParams = conditionParams
        self.url = url
        self.targetNamespace = targetNamespace
        self.effectKey = effectKey
        self.firedAt = firedAt
        self.replica = replica
    }

    /// The payload as a JSON value.
    public var json: JSON {
        var manager = JSONObject()
        manager["namespace"] = .string(resource.namespace)
        manager["name"] = .string(resource.name)

        var condition = JSONObject()
        condition["type"] = .string(conditionType.rawValue)
        condition["params"] = .object(conditionParams)
        var actionParams = JSONObject()
        actionParams["url"] = .string(url)
        var action = JSONObject()
        action["type"] = .string("webhook")
        action["params"] = .object(actionParams)
        var policy = JSONObject()
        policy["name"] = .string(policyName)
        policy["condition"] = .object(condition)
        policy["action"] = .object(action)

        var res = JSONObject()
        res["apiVersion"] = .string(resource.apiVersion)
        res["kind"] = .string(resource.kind)
        res["namespace"] = .string(resource.namespace)
        res["name"] = .string(resource.name)
        res["uid"] = .string(resource.uid)
        var vigil = JSONObject()
        vigil["effectKey"] = .string(effectKey.rawValue)
        vigil["resource"] = .object(res)
        vigil["firedAt"] = .string(firedAt.microText)
        vigil["dryRun"] = .bool(false)
        vigil["replica"] = .string(replica)

        var root = JSONObject()
        root["namespaceManager"] = .object(manager)
        root["policy"] = .object(policy)
        root["namespace"] = .string(targetNamespace)
        root["vigil"] = .object(vigil)
        return .object(root)
    }

    /// The compact UTF-8 body that is sent and signed.
    public var body: [UInt8] { json.serialized() }
}
