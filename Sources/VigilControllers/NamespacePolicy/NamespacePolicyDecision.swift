/// Something a reconcile decided that people should hear about: the
/// reconciler emits each as a Kubernetes Event on the `NamespacePolicy`.
/// Only changes are reported (a policy entering a state, the resource
/// becoming invalid or dormant), so emitting every decision does not flood
/// the Event stream on periodic reconciles.
public struct NamespacePolicyDecision: Sendable, Hashable {
    /// The Event type.
    public enum Severity: String, Sendable, Hashable {
        case normal = "Normal"
        case warning = "Warning"
    }

    /// The policy concerned; nil when the decision is about the whole resource.
    public var policy: String?
    /// CamelCase, the Event's `reason`:
    /// `ConditionMet` (only while the action has no outcome yet, e.g. another
    /// replica's attempt is running), `PolicyFired`, `ActionFailed`,
    /// `ActionRetrying`, `DryRun`, `Deactivated`, `Rearmed`, `InvalidPolicy`,
    /// `NamespaceNotFound`, `NamespaceTerminating`.
    public var reason: String
    /// A sentence for people that names the policy (`policy "ttl": …`).
    public var message: String
    public var severity: Severity

    public init(policy: String?, reason: String, message: String, severity: Severity = .normal) {
        self.policy = policy
        self.reason = reason
        self.message = message
        self.severity = severity
    }
}
