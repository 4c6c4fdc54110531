import Synchronization

/// Remembers, per key, the `resourceVersion` of this replica's own last
/// write, so a reconciler can tell that its informer cache has not caught up
/// with that write yet (controller-runtime calls this an expectation).
///
/// A reconcile that runs on a copy older than its own last write would
/// evaluate stale state: redo a status write, re-announce an Event. Since
/// the watch event for the write is on its way and queues the key again,
/// such a reconcile can simply stop (`isBehind` → return `.done`).
///
/// resourceVersions are opaque to clients in general; this compares them
/// only when both are decimal integers (what etcd and kube-sim serve) and
/// otherwise never reports a cache as behind, so the worst case is the
/// redundant reconcile this avoids. Entries are dropped once the cache has
/// caught up or the object is gone, so memory is bounded by the writes in
/// flight.
public final class OwnWrites: Sendable {
    private let written = Mutex<[ObjectKey: UInt64]>([:])

    public init() {}

    /// Records that this replica wrote `key` and the object is now at `resourceVersion`.
    public func wrote(_ key: ObjectKey, resourceVersion: String?) {
        guard let rv = resourceVersion.flatMap(UInt64.init) else { return }
        written.withLock { w in
            if let old = w[key], old >= rv { return }
            w[key] = rv
        }
    }

    /// Whether the cached copy at `cached` predates this replica's last
    /// write of `key`. A cache that has caught up clears the record.
    public func isBehind(_ key: ObjectKey, cached: String?) -> Bool {
        written.withLock { w in
            guard let mine = w[key] else { return false }
            guard let seen = cached.flatMap(UInt64.init) else {
                w[key] = nil
                return false
            }
            if seen >= mine {
                w[key] = nil
                return false
            }
            return true
        }
    }

    /// Forgets `key` (the object is gone).
    public func forget(_ key: ObjectKey) {
        _ = written.withLock { $0.removeValue(forKey: key) }
    }

    /// Keys with a write the cache has not shown yet.
    public var count: Int { written.withLock { $0.count } }
}
