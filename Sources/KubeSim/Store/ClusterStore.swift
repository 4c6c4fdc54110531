/// Options of a DELETE (`metav1.DeleteOptions`).
public struct DeleteOptions: Sendable {
    public var preconditionUID: String?
    public var preconditionResourceVersion: String?
    /// `Orphan`, `Background` or `Foreground`.
    public var propagationPolicy: String?
    public var gracePeriodSeconds: Int64?
    public var dryRun = false
    /// `orphanDependents: false` was given (the only case a pending delete answers 202).
    public var orphanDependentsFalse = false

    public init(
        preconditionUID: String? = nil, preconditionResourceVersion: String? = nil, propagationPolicy: String? = nil,
        gracePeriodSeconds: Int64? = nil, dryRun: Bool = false
    ) {
        self.preconditionUID = preconditionUID
        self.preconditionResourceVersion = preconditionResourceVersion
        self.propagationPolicy = propagationPolicy
        self.gracePeriodSeconds = gracePeriodSeconds
        self.dryRun = dryRun
    }
}

/// What a DELETE did: removed the object, or marked it for deletion
/// (finalizers, graceful pod termination, namespace termination).
public enum DeleteOutcome: Sendable {
    case removed(StoredObject)
    case pending(StoredObject)
}

/// One page of a list.
public struct ListResult: Sendable {
    public var items: [StoredObject]
    public var resourceVersion: Int64
    public var continueToken: String?
    public var remainingItemCount: Int?
}

/// Where a watch starts.
public enum WatchStart: Sendable {
    /// `resourceVersion` unset or "0": synthetic ADDED events for the current
    /// state, then changes.
    case currentState
    /// After this resourceVersion, replayed from the event window.
    case after(Int64)
    /// `sendInitialEvents=true`: current state, then a BOOKMARK marking the
    /// end of the initial events, then changes.
    case initialEvents
}

struct ObjectRef: Hashable, Sendable {
    var storageKey: String
    var namespace: String
    var name: String
}

/// The simulated etcd + apiserver storage layer: one global resourceVersion,
/// every object of every resource, the watch event windows and the watchers.
/// All writes are serialized through this actor, so each write's watch fan-out
/// happens in resourceVersion order.
public actor ClusterStore {
    public nonisolated let registry: ResourceRegistry
    public nonisolated let eventWindowSize: Int
    /// Pods bound to a node are deleted gracefully (the simulated kubelet
    /// finishes them); without workloads they are removed at once.
    public nonisolated let gracefulPodDeletion: Bool
    let watchBufferLimit: Int
    let clock: @Sendable () -> Double

    var rv: Int64 = 1
    var tables: [String: ResourceTable] = [:]
    var watchers: [String: [Int: Watcher]] = [:]
    var nextWatcherID = 0
    var subscribers: [Int: AsyncStream<StoreEvent>.Continuation] = [:]
    var dependents: [String: Set<ObjectRef>] = [:]  // owner uid -> dependents
    var terminatingNamespaces: Set<String> = []
    var foregroundOwners: [String: ObjectRef] = [:]  // uid -> owner waiting for dependents

    public init(
        registry: ResourceRegistry = ResourceRegistry(), eventWindow: Int = 10_000, gracefulPodDeletion: Bool = false,
        watchBufferLimit: Int = 50_000, clock: @escaping @Sendable () -> Double = { Timestamp.now() }
    ) {
        self.registry = registry
        self.eventWindowSize = eventWindow
        self.gracefulPodDeletion = gracefulPodDeletion
        self.watchBufferLimit = watchBufferLimit
        self.clock = clock
    }

    /// The newest resourceVersion.
    public var currentResourceVersion: Int64 { rv }

    /// Number of stored objects per storage key.
    public func objectCounts() -> [String: Int] {
        tables.mapValues(\.count)
    }

    public var watcherCount: Int { watchers.values.reduce(0) { $0 + $1.count } }

    // MARK: - Reads

    public func get(_ rt: ResourceType, namespace: String?, name: String) throws(APIError) -> StoredObject {
        guard let o = tables[rt.storageKey]?.get(ns(rt, namespace), name) else { throw .notFound(rt, name) }
        return o
    }

    /// Non-throwing lookup by storage key (for controllers).
    public func lookup(_ storageKey: String, namespace: String, name: String) -> StoredObject? {
        tables[storageKey]?.get(namespace, name)
    }

    /// Lists objects in key order (`namespace/name`). `limit` and `continue`
    /// page through the result; pages after the first see the current state
    /// (kube-apiserver serving from etcd gives a snapshot; see README).
    public func list(
        _ rt: ResourceType, namespace: String?, filter: ObjectFilter = .everything, limit: Int? = nil,
        continueToken: String? = nil
    ) throws(APIError) -> ListResult {
        var after: (String, String)? = nil
        var offset = 0
        // Every page of a list reports the first page's resourceVersion, as the API server's do: a client
        // watches from it, and so sees every change made while it read the later pages (they show the
        // current state, not a snapshot; a watch from the current version would miss those changes).
        var listRV = rv
        if let continueToken, !continueToken.isEmpty {
            guard let c = ContinueToken.decode(continueToken) else {
                throw .badRequest("continue key is not valid: invalid continue token")
            }
            after = (c.namespace, c.name)
            offset = c.offset
            listRV = c.rv
        }
        let nsFilter = rt.namespaced ? namespace : nil
        let sorted = tables[rt.storageKey]?.namespacesInOrder()
        let table = tables[rt.storageKey] ?? ResourceTable()
        var items: [StoredObject] = []
        var more = false
        let cap = (limit ?? 0) > 0 ? limit! : Int.max
        table.forEachSorted(namespace: nsFilter, after: after, namespaces: sorted) { o in
            guard filter.isEverything || filter.matches(o.object) else { return true }
            if items.count < cap {
                items.append(o)
                return true
            }
            more = true  // one more match exists: the page is full
            return false
        }
        var next: String? = nil
        var remaining: Int? = nil
        if more, let last = items.last {
            next = ContinueToken(rv: listRV, namespace: last.namespace, name: last.name, offset: offset + items.count).encode()
            // Counted without a selector only, as the API server does.
            if filter.isEverything { remaining = max(0, table.count(in: nsFilter) - offset - items.count) }
        }
        return ListResult(items: items, resourceVersion: listRV, continueToken: next, remainingItemCount: remaining)
    }

    nonisolated func ns(_ rt: ResourceType, _ namespace: String?) -> String {
        rt.namespaced ? (namespace ?? "") : ""
    }

    // MARK: - Commit

    /// Writes a new version of an object and fans the event out.
    @discardableResult
    func commit(_ rt: ResourceType, _ type: WatchEventType, _ object: JSON, previous: JSON?) -> StoredObject {
        rv += 1
        var obj = object
        obj[path: ["metadata", "resourceVersion"]] = .string(String(rv))
        Self.dropEmptyMetadata(&obj)
        let stored = StoredObject(object: obj, rv: rv)
        let key = rt.storageKey
        var table = tables[key] ?? ResourceTable(window: eventWindowSize)
        tables[key] = nil
        if type == .deleted {
            table.remove(stored.namespace, stored.name)
        } else {
            table.put(stored)
        }
        let event = StoreEvent(type: type, storageKey: key, object: stored, previous: previous)
        table.window.append(event)
        tables[key] = table
        indexOwners(key, stored, previous: previous, removed: type == .deleted)
        fanOut(event)
        return stored
    }

    func indexOwners(_ key: String, _ stored: StoredObject, previous: JSON?, removed: Bool) {
        let ref = ObjectRef(storageKey: key, namespace: stored.namespace, name: stored.name)
        let oldOwners = Set(Self.ownerUIDs(previous))
        let newOwners = removed ? [] : Set(Self.ownerUIDs(stored.object))
        for u in oldOwners.subtracting(newOwners) {
            dependents[u]?.remove(ref)
            if dependents[u]?.isEmpty == true { dependents[u] = nil }
        }
        for u in newOwners.subtracting(oldOwners) { dependents[u, default: []].insert(ref) }
    }

    /// Empty maps and lists in metadata are omitted, as Go's `omitempty` does.
    static func dropEmptyMetadata(_ obj: inout JSON) {
        for k in ["labels", "annotations", "finalizers", "ownerReferences", "managedFields"] {
            switch obj[path: ["metadata", k]] {
            case .object(let o)? where o.isEmpty: obj[path: ["metadata", k]] = nil
            case .array(let a)? where a.isEmpty: obj[path: ["metadata", k]] = nil
            case .null?: obj[path: ["metadata", k]] = nil
            default: break
            }
        }
    }

    static func ownerUIDs(_ o: JSON?) -> [String] {
        o?[path: ["metadata", "ownerReferences"]]?.arrayValue?.compactMap { $0["uid"]?.stringValue } ?? []
    }

    // MARK: - Internal subscription (simulated controllers)

    /// Every committed event of every resource, in order. For in-process
    /// controllers; unbounded, so the consumer must keep up.
    public func subscribe() -> AsyncStream<StoreEvent> {
        let (stream, cont) = AsyncStream<StoreEvent>.makeStream()
        let id = nextWatcherID
        nextWatcherID += 1
        subscribers[id] = cont
        cont.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    func unsubscribe(_ id: Int) { subscribers[id] = nil }

    /// All objects of a storage key (for controllers' initial sync).
    public func allObjects(_ storageKey: String, namespace: String? = nil) -> [StoredObject] {
        guard let t = tables[storageKey] else { return [] }
        var out: [StoredObject] = []
        t.forEachSorted(namespace: namespace, after: nil) {
            out.append($0)
            return true
        }
        return out
    }
}

/// The `continue` token of a paginated list: base64 JSON like kube-apiserver's.
struct ContinueToken {
    var rv: Int64
    var namespace: String
    var name: String
    /// Items returned before this page (for `remainingItemCount`).
    var offset: Int = 0

    func encode() -> String {
        let start = namespace.isEmpty ? name : "\(namespace)/\(name)"
        let j: JSON = ["v": "meta.k8s.io/v1", "rv": .int(rv), "start": .string(start + "\u{0}"), "offset": .int(Int64(offset))]
        return Base64.encode(j.serialized())
    }

    static func decode(_ s: String) -> ContinueToken? {
        guard let bytes = Base64.decode(s), let j = try? JSON.parse(bytes), j["v"]?.stringValue == "meta.k8s.io/v1",
            let rv = j["rv"]?.intValue, var start = j["start"]?.stringValue
        else { return nil }
        if start.hasSuffix("\u{0}") { start.removeLast() }
        let parts = start.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let offset = Int(j["offset"]?.intValue ?? 0)
        if parts.count == 2 { return ContinueToken(rv: rv, namespace: String(parts[0]), name: String(parts[1]), offset: offset) }
        return ContinueToken(rv: rv, namespace: "", name: start, offset: offset)
    }
}
