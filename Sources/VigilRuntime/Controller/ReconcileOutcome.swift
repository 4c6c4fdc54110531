/// What a reconcile decided, so the controller knows when to look at the
/// key again. Failures are not an outcome: a reconciler throws, and the
/// controller's one error policy retries the key with per-key exponential
/// backoff (`WorkQueue.addRateLimited`).
public enum ReconcileOutcome: Sendable, Hashable {
    /// The object is as it should be: reconcile again only when it (or
    /// something that enqueues its key) changes.
    case done
    /// Look again after this many seconds even if nothing changes (polling
    /// an external system, a pending timeout). An event for the key before
    /// then reconciles it earlier.
    case requeue(after: Double)
}
