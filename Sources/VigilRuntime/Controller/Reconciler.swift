/// Brings one object's world in line with its current state. The controller
/// calls it with a key whenever the object may have changed; it reads the
/// object itself (from `context.store` or a store it captured), decides, acts
/// idempotently, and says when to look again. It never sees the event that
/// caused the call: two events or twenty, it reconciles the present once.
///
/// Throwing hands the key to the controller's error policy: retried after
/// 5 ms, 10 ms, … (per key, capped), counted in
/// `controller_reconcile_errors_total`. Returning resets that backoff.
/// Keys are never reconciled by two workers at once.
public protocol Reconciler<Object>: Sendable {
    associatedtype Object: Sendable
    func reconcile(_ key: ObjectKey, context: ReconcileContext<Object>) async throws -> ReconcileOutcome
}
