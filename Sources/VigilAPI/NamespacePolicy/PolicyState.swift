/// Where one policy of a `NamespacePolicy` stands, as `status.policies[].state` shows it.
public enum PolicyState: String, Sendable, Hashable, CaseIterable {
    /// The condition cannot hold yet (before its time, or before `initialDelay`).
    case waiting = "Waiting"
    /// The condition is being checked periodically (`podsSucceeded`).
    case evaluating = "Evaluating"
    /// The condition held and the action succeeded.
    case fired = "Fired"
    /// The condition held and the action failed for good.
    case failed = "Failed"
    /// The condition held in dry-run mode; the action was only recorded.
    case dryRun = "DryRun"
    /// The policy is not valid and is not evaluated (the message says why).
    case invalid = "Invalid"
}
