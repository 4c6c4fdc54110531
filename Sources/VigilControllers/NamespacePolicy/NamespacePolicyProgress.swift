import VigilAPI
import VigilJSON

/// What the evaluator must remember between reconciles, beyond what the
/// cluster shows: which arming of the resource is current, and per policy
/// whether its condition already held, what came of it, and which pods were
/// seen succeeded. It lives in the resource's status (see
/// `NamespacePolicyProgress+Status.swift` for the fields).
///
/// **Arming.** A resource is *armed* while `spec.deactivated` is false. Each
/// arming is named by `armedGeneration`, the `metadata.generation` at which
/// it began; effect triggers include it, so a policy re-armed by a person
/// fires again under a new effect key, while edits to an armed resource
/// (which also bump the generation) keep the key of a pending action.
/// `dormantGeneration` is the generation at which the resource was last seen
/// deactivated; a later generation with `deactivated: false` is a re-arming.
public struct NamespacePolicyProgress: Sendable, Hashable {
    /// The progress of one policy within the current arming.
    public struct Policy: Sendable, Hashable {
        public var name: String
        /// The effect trigger of the arming this progress belongs to
        /// (`nsp/<policy>/g<armedGeneration>`); progress under another
        /// trigger is stale and ignored.
        public var trigger: String
        /// When the condition first held; once set the policy is latched:
        /// its action stays planned (same key) until it has an outcome.
        public var conditionMetAt: RFC3339Time?
        /// `fired`, `failed` or `dryRun` once the policy has an outcome.
        public var outcome: PolicyState?
        /// When the outcome was recorded (`status.policies[].firedAt`).
        public var outcomeAt: RFC3339Time?
        /// UIDs of pods seen `Succeeded` (podsSucceeded only), sorted, at
        /// most `minSucceeded` of them: enough to prove the minimum was seen.
        public var succeededPods: [String]

        public init(name: String, trigger: String, conditionMetAt: RFC3339Time? = nil, outcome: PolicyState? = nil, outcomeAt: RFC3339Time? = nil, succeededPods: [String] = []) {
            self.name = name
            self.trigger = trigger
            self.conditionMetAt = conditionMetAt
            self.outcome = outcome
            self.outcomeAt = outcomeAt
            self.succeededPods = succeededPods
        }
    }

    /// The generation at which the current arming began; nil before the first evaluation.
    public var armedGeneration: Int64?
    /// When the current arming began (`podsSucceeded` counts `initialDelay` from here).
    public var armedAt: RFC3339Time?
    /// The generation at which the resource was last seen deactivated; nil while armed.
    public var dormantGeneration: Int64?
    /// Progress per policy, by name.
    public var policies: [Policy]

    public init(armedGeneration: Int64? = nil, armedAt: RFC3339Time? = nil, dormantGeneration: Int64? = nil, policies: [Policy] = []) {
        self.armedGeneration = armedGeneration
        self.armedAt = armedAt
        self.dormantGeneration = dormantGeneration
        self.policies = policies
    }

    /// The progress of policy `name`, if any.
    public func policy(_ name: String) -> Policy? { policies.first { $0.name == name } }
}
