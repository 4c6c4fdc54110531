import VigilAPI
import VigilJSON

/// The verdict on one policy of a `NamespacePolicy` in one reconcile: whether
/// its condition holds, why (for Events and `status.policies[].message`), its
/// state and when to look again.
public struct PolicyEvaluation: Sendable, Hashable {
    public var name: String
    /// The index in `spec.policies`.
    public var index: Int
    /// True when the condition holds now (or held earlier in this arming and
    /// the action has not finished: the policy is latched).
    public var conditionMet: Bool
    /// Why, for people: `namespace demo is older than its ttl 8h (created …, expired at …)`.
    public var message: String
    public var state: PolicyState
    /// The precise instant to look again; nil when there is nothing to wait
    /// for (condition met, an outcome recorded, namespace missing, dormant).
    public var nextEvaluation: RFC3339Time?
    /// When the condition was looked at in this reconcile; nil when it was not.
    public var lastEvaluation: RFC3339Time?
    /// When the action ran (`Fired`, `Failed`, `DryRun`).
    public var firedAt: RFC3339Time?

    public init(name: String, index: Int, conditionMet: Bool, message: String, state: PolicyState, nextEvaluation: RFC3339Time? = nil, lastEvaluation: RFC3339Time? = nil, firedAt: RFC3339Time? = nil) {
        self.name = name
        self.index = index
        self.conditionMet = conditionMet
        self.message = message
        self.state = state
        self.nextEvaluation = nextEvaluation
        self.lastEvaluation = lastEvaluation
        self.firedAt = firedAt
    }

    /// The `status.policies[]` entry (without the progress members).
    public var status: PolicyStatus {
        PolicyStatus(name: name, state: state, nextEvaluation: nextEvaluation, lastEvaluation: lastEvaluation, message: message, firedAt: firedAt)
    }
}
