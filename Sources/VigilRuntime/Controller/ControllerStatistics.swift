/// Counts since the controller was made (metrics carry the same numbers).
public struct ControllerStatistics: Sendable, Hashable {
    /// Reconciles that returned `.done`.
    public var done = 0
    /// Reconciles that returned `.requeue(after:)`.
    public var requeued = 0
    /// Reconciles that threw (each retried with backoff).
    public var errors = 0
    /// Keys taken from the queue and skipped because their namespace was
    /// not owned.
    public var dropped = 0
    /// The last error a reconcile threw: the key and the error.
    public var lastError: String?

    /// Reconcile calls that finished, whatever their outcome.
    public var reconciles: Int { done + requeued + errors }
}

