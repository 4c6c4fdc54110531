import Kube
import Synchronization

/// The cache an informer fills: one writer (the reflector), any number of
/// readers. Objects are indexed by namespace and by key (`namespace/name`,
/// or `name` for cluster-scoped objects). With an `owned` filter, objects in
/// namespaces this replica does not own are not kept.
///
/// Reads are snapshots under a mutex (a dictionary lookup or a copy of one
/// namespace). `hasSynced` turns true after the first complete list;
/// controllers wait for it (`waitUntilSynced()`) before reconciling.
public final class ObjectStore<Object: Sendable>: Sendable {
    /// Decides whether objects of a namespace are kept ("" for cluster-scoped objects).
    public typealias OwnedFilter = @Sendable (_ namespace: String) -> Bool

    struct State {
        /// namespace → name → object.
        var namespaces: [String: [String: Object]] = [:]
        var count = 0
        var owned: OwnedFilter?
        var synced = false
        /// Bumped by every `setOwned`; `listedGeneration` is its value when
        /// the last full list was stored.
        var ownedGeneration = 0
        var listedGeneration = -1
        var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
        var nextWaiter = 0
    }

    private let state: Mutex<State>
    let metadataOf: @Sendable (Object) -> ObjectMeta

    /// A store for any object type, given how to read its metadata.
    public init(metadata: @escaping @Sendable (Object) -> ObjectMeta, owned: OwnedFilter? = nil) {
        metadataOf = metadata
        var s = State()
        s.owned = owned
        state = Mutex(s)
    }

    /// A store of a typed kind.
    public convenience init(owned: OwnedFilter? = nil) where Object: KubeResource {
        self.init(metadata: { $0.metadata }, owned: owned)
    }

    /// A store of dynamic objects (custom resources).
    public convenience init(owned: OwnedFilter? = nil) where Object == DynamicObject {
        self.init(metadata: { $0.metadata }, owned: owned)
    }

    /// The key of an object: `namespace/name`, or `name` without a namespace.
    public static func key(namespace: String?, name: String) -> String {
        guard let namespace, !namespace.isEmpty else { return name }
        return "\(namespace)/\(name)"
    }

    /// The key of `object`.
    public func key(of object: Object) -> String {
        let m = metadataOf(object)
        return Self.key(namespace: m.namespace, name: m.name ?? "")
    }

    static func split(_ key: String) -> (namespace: String, name: String) {
        guard let slash = key.firstIndex(of: "/") else { return ("", key) }
        return (String(key[..<slash]), String(key[key.index(after: slash)...]))
    }

    // MARK: Reading

    /// The object with this key (`namespace/name`), if kept.
    public func get(_ key: String) -> Object? {
        let (ns, name) = Self.split(key)
        return state.withLock { $0.namespaces[ns]?[name] }
    }

    public func get(namespace: String?, name: String) -> Object? {
        state.withLock { $0.namespaces[namespace ?? ""]?[name] }
    }

    /// The objects of one namespace, or of all namespaces with `nil`.
    public func list(namespace: String? = nil) -> [Object] {
        state.withLock { s in
            if let namespace { return s.namespaces[namespace].map { Array($0.values) } ?? [] }
            var all: [Object] = []
            all.reserveCapacity(s.count)
            for (_, objects) in s.namespaces { all.append(contentsOf: objects.values) }
            return all
        }
    }

    /// The keys of every object kept.
    public func keys() -> [String] {
        state.withLock { s in
            var keys: [String] = []
            keys.reserveCapacity(s.count)
            for (ns, objects) in s.namespaces {
                for name in objects.keys { keys.append(Self.key(namespace: ns, name: name)) }
            }
            return keys
        }
    }

    /// Namespaces with at least one object kept.
    public func namespaces() -> [String] {
        state.withLock { Array($0.namespaces.keys) }
    }

    public var count: Int { state.withLock { $0.count } }

    /// Whether a full list has been stored since the store was made.
    public var hasSynced: Bool { state.withLock { $0.synced } }

    /// Whether the store holds every object of every namespace it keeps: a
    /// full list was stored under the current ownership filter. False from a
    /// `setOwned` until the re-list it needs is stored, while the namespaces
    /// just gained are still missing (a reader must not take "not here" for
    /// "does not exist" then).
    public var isComplete: Bool { state.withLock { $0.synced && $0.listedGeneration == $0.ownedGeneration } }

    /// The objects of `namespace` if the store holds all of them: it is
    /// complete and keeps that namespace; nil otherwise (ask the API server).
    /// One look under the lock, so a `setOwned` cannot drop the namespace
    /// between the check and the read.
    public func listIfComplete(namespace: String) -> [Object]? {
        state.withLock { s in
            guard s.synced, s.listedGeneration == s.ownedGeneration, s.owned?(namespace) ?? true else { return nil }
            return s.namespaces[namespace].map { Array($0.values) } ?? []
        }
    }

    /// Returns once `hasSynced` is true; throws `CancellationError` if the
    /// waiting task is cancelled first.
    public func waitUntilSynced() async throws {
        let id: Int? = state.withLock { s in
            if s.synced { return nil }
            s.nextWaiter += 1
            return s.nextWaiter
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let resume: Bool = state.withLock { s in
                    if s.synced || Task.isCancelled { return true }
                    s.waiters[id] = c
                    return false
                }
                if resume { c.resume() }
            }
            try Task.checkCancellation()
        } onCancel: {
            let c = state.withLock { $0.waiters.removeValue(forKey: id) }
            c?.resume(throwing: CancellationError())
        }
    }

    // MARK: Ownership

    /// Whether objects of `namespace` are kept under the current filter.
    public func owns(namespace: String) -> Bool {
        state.withLock { $0.owned?(namespace) ?? true }
    }

    /// Replaces the ownership filter and drops the objects it no longer
    /// keeps; returns their keys. Objects of namespaces gained are not here
    /// yet: the informer must re-list (`Informer.requestRelist()`).
    @discardableResult
    public func setOwned(_ owned: OwnedFilter?) -> [String] {
        let dropped: [String] = state.withLock { s in
            s.owned = owned
            s.ownedGeneration += 1
            guard let owned else { return [] }
            var dropped: [String] = []
            for (ns, objects) in s.namespaces where !owned(ns) {
                for name in objects.keys { dropped.append(Self.key(namespace: ns, name: name)) }
                s.count -= objects.count
                s.namespaces[ns] = nil
            }
            return dropped
        }
        return dropped
    }

    /// Keeps only the objects for which `keep` is true; returns the keys dropped.
    @discardableResult
    public func retain(where keep: (Object) -> Bool) -> [String] {
        state.withLock { s in
            var dropped: [String] = []
            for (ns, objects) in s.namespaces {
                let gone = objects.filter { !keep($0.value) }
                guard !gone.isEmpty else { continue }
                for name in gone.keys {
                    s.namespaces[ns]?[name] = nil
                    dropped.append(Self.key(namespace: ns, name: name))
                }
                s.count -= gone.count
                if s.namespaces[ns]?.isEmpty == true { s.namespaces[ns] = nil }
            }
            return dropped
        }
    }

    // MARK: Writing (the reflector)

    /// Makes the store exactly `items` (those owned) and marks it synced.
    /// Returns the changes against the previous content: adds, updates
    /// (resourceVersion changed) and deletes (objects that vanished).
    @discardableResult
    public func replace(with items: [Object]) -> [StoreChange<Object>] {
        var metas: [(ns: String, name: String, rv: String?, object: Object)] = []
        metas.reserveCapacity(items.count)
        for o in items {
            let m = metadataOf(o)
            metas.append((m.namespace ?? "", m.name ?? "", m.resourceVersion, o))
        }
        let (changes, waiters): ([StoreChange<Object>], [CheckedContinuation<Void, any Error>]) = state.withLock { s in
            var next: [String: [String: Object]] = [:]
            var count = 0
            var changes: [StoreChange<Object>] = []
            for m in metas {
                if let owned = s.owned, !owned(m.ns) { continue }
                if next[m.ns]?[m.name] == nil { count += 1 }
                next[m.ns, default: [:]][m.name] = m.object
                if let old = s.namespaces[m.ns]?[m.name] {
                    if metadataOf(old).resourceVersion != m.rv { changes.append(.updated(old: old, new: m.object)) }
                } else {
                    changes.append(.added(m.object))
                }
            }
            for (ns, objects) in s.namespaces {
                for (name, old) in objects where next[ns]?[name] == nil { changes.append(.deleted(old)) }
            }
            s.namespaces = next
            s.count = count
            s.synced = true
            s.listedGeneration = s.ownedGeneration
            let waiters = Array(s.waiters.values)
            s.waiters = [:]
            return (changes, waiters)
        }
        for w in waiters { w.resume() }
        return changes
    }

    /// Applies one watch event; returns the change, or nil when nothing
    /// changed (a bookmark, a namespace not owned, a resourceVersion already
    /// stored).
    @discardableResult
    public func apply(_ event: WatchEvent<Object>) -> StoreChange<Object>? {
        let object: Object
        let deleting: Bool
        switch event {
        case .added(let o), .modified(let o): (object, deleting) = (o, false)
        case .deleted(let o): (object, deleting) = (o, true)
        case .bookmark: return nil
        }
        let m = metadataOf(object)
        let ns = m.namespace ?? ""
        let name = m.name ?? ""
        return state.withLock { s -> StoreChange<Object>? in
            if let owned = s.owned, !owned(ns) { return nil }
            let old = s.namespaces[ns]?[name]
            if deleting {
                if old != nil {
                    s.namespaces[ns]?[name] = nil
                    s.count -= 1
                    if s.namespaces[ns]?.isEmpty == true { s.namespaces[ns] = nil }
                }
                return .deleted(old ?? object)
            }
            s.namespaces[ns, default: [:]][name] = object
            guard let old else {
                s.count += 1
                return .added(object)
            }
            if metadataOf(old).resourceVersion == m.resourceVersion, m.resourceVersion != nil { return nil }
            return .updated(old: old, new: object)
        }
    }
}
