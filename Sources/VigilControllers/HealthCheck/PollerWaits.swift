import Synchronization

/// When this replica registered each PromQL check with the poller, so a run
/// waits for the poller's first answer from then — not from the run's slot,
/// which after a failover is older than the new owner's registration.
final class PollerWaits: Sendable {
    let since = Mutex<[String: Double]>([:])

    /// Notes that `id` was registered at `now`.
    func registered(_ id: String, at now: Double) { since.withLock { $0[id] = now } }

    /// When `id` was registered; nil if it was not (by this replica, since it started).
    func registeredAt(_ id: String) -> Double? { since.withLock { $0[id] } }

    func forget(_ id: String) { since.withLock { _ = $0.removeValue(forKey: id) } }
}
