import VigilAPI
import VigilJSON

/// The one action a reconcile of a `NamespacePolicy` should carry out: which
/// policy, what to do, and the parts of its effect key. The reconciler runs
/// it through the effect ledger with
/// `EffectKey(resourceUID: uid, trigger: trigger, actionIndex: actionIndex)`,
/// then reports the result with `NamespacePolicyEvaluation.recording(_:at:)`.
///
/// The trigger is `nsp/<policy name>/g<armedGeneration>`: the policy name
/// (unique and stable within the resource, unlike its index) plus the
/// generation at which the current arming began. Edits to an armed resource
/// keep the key, so a `Pending` effect is finished under the same key after
/// a failover; re-arming (a person sets `spec.deactivated` back to false, a
/// later generation) starts a new arming and so a new key.
public struct NamespacePolicyPlan: Sendable, Hashable {
    /// What to do, with everything the executor needs.
    public enum Action: Sendable, Hashable {
        /// Delete `namespace`, the one whose `metadata.uid` is `uid` (the
        /// delete carries it as a precondition, so a namespace recreated under
        /// the same name is never touched). `alreadyGone` is true when it no
        /// longer exists or is already terminating: the executor records
        /// success without calling the API (a 404 or 409 from a delete means
        /// the same).
        case deleteNamespace(namespace: String, uid: String? = nil, alreadyGone: Bool)
        /// Scale the Deployments and StatefulSets of `namespace` that match
        /// `selectors` to zero (see `ScaleDownPlanner`).
        case scaleDown(namespace: String, selectors: [ScaleDownAction.Target])
        /// POST the policy's notification (`NamespacePolicyWebhookPayload`).
        case webhook(WebhookAction, namespace: String)

        /// The action's type, as the spec spells it (`deleteNamespace`, `scaleDown`, `webhook`).
        public var type: String {
            switch self {
            case .deleteNamespace: return "deleteNamespace"
            case .scaleDown: return "scaleDown"
            case .webhook: return "webhook"
            }
        }

        /// True when running the action again, by anyone, is harmless by
        /// itself, so the effect ledger needs no `Pending` entry before it
        /// (`EffectLedgerStore.perform(idempotent:)`): a delete with a UID
        /// precondition, or a scale down that saves the previous replicas
        /// once and never overwrites them. A webhook is not: a second POST is
        /// a second notification.
        public var isIdempotent: Bool {
            switch self {
            case .deleteNamespace(_, let uid, let alreadyGone): return alreadyGone || uid != nil
            case .scaleDown: return true
            case .webhook: return false
            }
        }

        /// For people, without a subject: `delete namespace demo`.
        public var summary: String {
            switch self {
            case .deleteNamespace(let ns, _, _):
                return "delete namespace \(ns)"
            case .scaleDown(let ns, let selectors):
                let what = selectors.map { "\($0.kind.rawValue)s matching \($0.labels?.description ?? "<everything>")" }
                return "scale \(what.joined(separator: " and ")) in namespace \(ns) to 0 replicas"
            case .webhook(let w, _):
                return "send a webhook to \(w.url)"
            }
        }
    }

    /// The policy's name.
    public var policy: String
    /// The policy's index in `spec.policies` (for messages only; never part of the key).
    public var policyIndex: Int
    /// The policy as written (its condition goes into webhook payloads).
    public var rule: NamespacePolicyRule
    public var action: Action
    /// The trigger part of the effect key (`nsp/<policy>/g<armedGeneration>`).
    public var trigger: String
    /// The action part of the effect key: always 0, a policy has one action.
    public var actionIndex: Int
    /// When the condition first held (the webhook payload's `firedAt`).
    public var conditionMetAt: RFC3339Time
    /// What held, for people (`namespace demo reached its ttl 1h at …`).
    public var condition: String

    public init(
        policy: String, policyIndex: Int, rule: NamespacePolicyRule, action: Action, trigger: String, actionIndex: Int = 0,
        conditionMetAt: RFC3339Time, condition: String = ""
    ) {
        self.policy = policy
        self.policyIndex = policyIndex
        self.rule = rule
        self.action = action
        self.trigger = trigger
        self.actionIndex = actionIndex
        self.conditionMetAt = conditionMetAt
        self.condition = condition.isEmpty ? "the condition held at \(conditionMetAt.text)" : condition
    }

    /// The ledger entry's `action` text: `<type>:<policy>` (`webhook:notify-ops`).
    public var effectAction: String { "\(action.type):\(policy)" }

    /// The trigger of policy `policy` in the arming that began at `armedGeneration`.
    public static func trigger(policy: String, armedGeneration: Int64) -> String {
        "nsp/\(policy)/g\(armedGeneration)"
    }
}
