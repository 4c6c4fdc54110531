/// What a reconciler gets besides the key: where to read the present state
/// and how the key has fared so far.
public struct ReconcileContext<Object: Sendable>: Sendable {
    /// The controller's cache (synced before the first reconcile). Read the
    /// object with `store.get(key)`; `nil` means it is gone (deleted, or its
    /// namespace is no longer kept).
    public let store: ObjectStore<Object>
    /// How many times this key failed since it last succeeded (0 on a first
    /// try), for reconcilers that want to give up or report after a while.
    public let failures: Int
    /// The controller's name (its metrics' `controller` dimension).
    public let controller: String

    public init(store: ObjectStore<Object>, failures: Int = 0, controller: String = "") {
        self.store = store
        self.failures = failures
        self.controller = controller
    }
}
