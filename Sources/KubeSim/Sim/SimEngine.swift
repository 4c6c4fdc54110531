/// The simulated control plane and kubelet: an informer-like cache of the
/// objects it cares about (fed by the store's event stream and by its own
/// writes), owner indexes, a de-duplicating work queue of keys, and a timer
/// heap for timed transitions. Workers take a key, read the present state
/// from the cache and reconcile it (level-based); nothing scans all pods.
actor SimEngine {
    static let nodeName = "sim-node-1"
    static let workerCount = 4

    let store: ClusterStore
    let rt: SimResources
    let clock: @Sendable () -> Double

    /// storageKey → "ns/name" → object.
    var cache: [String: [String: StoredObject]] = [:]
    /// storageKey → controller-owner uid → owned "ns/name".
    var owned: [String: [String: Set<String>]] = [:]
    /// "storageKey|ns/name" → resourceVersion of a delete we made (late
    /// events of the object are ignored until its DELETED event arrives).
    var tombstones: [String: Int64] = [:]
    var queue = WorkQueue()
    var timers = TimerHeap()
    var waiters: [CheckedContinuation<Void, Never>] = []
    var sleeper: (task: Task<Void, Never>, due: Double)?
    var runtimes: [String: PodRuntime] = [:]
    var recorder = EventRecorder()
    var nextIP = 0

    static let watchedKeys: Set<String> = [
        "pods", "namespaces", "apps/deployments", "apps/replicasets", "apps/statefulsets", "apps/daemonsets", "batch/jobs",
    ]

    init(store: ClusterStore, clock: @escaping @Sendable () -> Double = { Timestamp.now() }) {
        self.store = store
        self.rt = SimResources(store.registry)
        self.clock = clock
    }

    // MARK: - Running

    func run() async {
        let stream = await store.subscribe()
        await ensureNode()
        for key in Self.watchedKeys {
            for o in await store.allObjects(key) { _ = apply(key, .added, o) }
        }
        for (key, objs) in cache {
            for k in objs.keys { enqueueFor(key, k, objs[k]!.object) }
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await e in stream {
                    if Task.isCancelled { break }
                    await self.ingest(e)
                }
            }
            for _ in 0..<Self.workerCount {
                group.addTask { await self.workerLoop() }
            }
        }
    }

    func ingest(_ e: StoreEvent) {
        guard Self.watchedKeys.contains(e.storageKey) else { return }
        let k = "\(e.object.namespace)/\(e.object.name)"
        // Our own writes are in the cache already (the event is then stale),
        // but the reconcilers interested in the change still need to run.
        apply(e.storageKey, e.type, e.object)
        if e.storageKey == "namespaces" && e.type != .added { return }
        enqueueFor(e.storageKey, k, e.type == .deleted ? (e.previous ?? e.object.object) : e.object.object)
    }

    /// Enqueues the reconcilers interested in a change of `object`.
    func enqueueFor(_ storageKey: String, _ k: String, _ object: JSON) {
        let ns = object[path: ["metadata", "namespace"]]?.stringValue ?? ""
        switch storageKey {
        case "pods": enqueue("pod:" + k)
        case "apps/replicasets": enqueue("rs:" + k)
        case "apps/deployments": enqueue("deploy:" + k)
        case "apps/statefulsets": enqueue("sts:" + k)
        case "apps/daemonsets": enqueue("ds:" + k)
        case "batch/jobs": enqueue("job:" + k)
        case "namespaces": enqueue("ns:" + (object[path: ["metadata", "name"]]?.stringValue ?? ""))
        default: break
        }
        if let owner = Self.controllerRef(object) {
            let prefix: String?
            switch owner.kind {
            case "ReplicaSet": prefix = "rs:"
            case "Deployment": prefix = "deploy:"
            case "StatefulSet": prefix = "sts:"
            case "DaemonSet": prefix = "ds:"
            case "Job": prefix = "job:"
            default: prefix = nil
            }
            if let prefix { enqueue("\(prefix)\(ns)/\(owner.name)") }
        }
    }

    static func controllerRef(_ o: JSON) -> (kind: String, name: String, uid: String)? {
        for r in o[path: ["metadata", "ownerReferences"]]?.arrayValue ?? [] where r["controller"]?.boolValue == true {
            return (r["kind"]?.stringValue ?? "", r["name"]?.stringValue ?? "", r["uid"]?.stringValue ?? "")
        }
        return nil
    }

    // MARK: - Cache

    /// Applies an object version to the cache; false when it is stale.
    @discardableResult
    func apply(_ storageKey: String, _ type: WatchEventType, _ o: StoredObject) -> Bool {
        let k = "\(o.namespace)/\(o.name)"
        let tk = "\(storageKey)|\(k)"
        let cur = cache[storageKey]?[k]
        if type == .deleted {
            if let t = tombstones[tk], t <= o.rv { tombstones[tk] = nil }
            if let cur, cur.rv > o.rv { return false }
            if cur != nil { cache[storageKey]?[k] = nil }
            index(storageKey, k, old: cur?.object, new: nil)
            return true
        }
        if let t = tombstones[tk], o.rv <= t { return false }
        if let cur, cur.rv >= o.rv { return false }
        cache[storageKey, default: [:]][k] = o
        index(storageKey, k, old: cur?.object, new: o.object)
        return true
    }

    func index(_ storageKey: String, _ k: String, old: JSON?, new: JSON?) {
        let a = old.flatMap { Self.controllerRef($0)?.uid }
        let b = new.flatMap { Self.controllerRef($0)?.uid }
        if a == b { return }
        if let a {
            owned[storageKey]?[a]?.remove(k)
            if owned[storageKey]?[a]?.isEmpty == true { owned[storageKey]?[a] = nil }
        }
        if let b { owned[storageKey, default: [:]][b, default: []].insert(k) }
    }

    /// Records our own write so the next reconcile sees it.
    func noteWrite(_ storageKey: String, _ o: StoredObject) {
        apply(storageKey, .modified, o)
    }

    func noteDelete(_ storageKey: String, _ outcome: DeleteOutcome) {
        switch outcome {
        case .pending(let o): apply(storageKey, .modified, o)
        case .removed(let o):
            tombstones["\(storageKey)|\(o.namespace)/\(o.name)"] = o.rv
            apply(storageKey, .deleted, o)
        }
    }

    func cached(_ storageKey: String, _ k: String) -> StoredObject? { cache[storageKey]?[k] }

    /// Objects of `storageKey` whose controller is `uid`.
    func ownedObjects(_ storageKey: String, by uid: String) -> [StoredObject] {
        guard let keys = owned[storageKey]?[uid] else { return [] }
        return keys.compactMap { cache[storageKey]?[$0] }
    }

    // MARK: - Queue and timers

    func enqueue(_ key: String) {
        queue.add(key)
        wakeOne()
    }

    func schedule(_ key: String, at t: Double) {
        let wasFirst = timers.nextDue.map { t < $0 } ?? true
        timers.schedule(key, at: t)
        if wasFirst { wakeAll() }
    }

    func wakeOne() {
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }

    func wakeAll() {
        let w = waiters
        waiters.removeAll()
        for c in w { c.resume() }
    }

    func workerLoop() async {
        while !Task.isCancelled {
            for k in timers.popDue(now: clock()) { queue.add(k) }
            if let key = queue.next() {
                let outcome = await reconcile(key)
                queue.done(key)
                if case .at(let t) = outcome { schedule(key, at: t) }
                if !queue.isEmpty { wakeOne() }
                continue
            }
            await waitForWork()
        }
    }

    func waitForWork() async {
        if let due = timers.nextDue, sleeper?.due != due {
            sleeper?.task.cancel()
            let delay = max(0, due - clock())
            let task = Task { [weak self] in
                try? await Task.sleep(for: .milliseconds(Int64((delay * 1000).rounded(.up)) + 1))
                if Task.isCancelled { return }
                await self?.timerFired()
            }
            sleeper = (task, due)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                if Task.isCancelled { c.resume() } else { waiters.append(c) }
            }
        } onCancel: {
            Task { await self.wakeAll() }
        }
    }

    func timerFired() {
        sleeper = nil
        wakeAll()
    }

    func reconcile(_ key: String) async -> Requeue {
        guard let colon = key.firstIndex(of: ":") else { return .awaitChange }
        let kind = key[..<colon]
        let k = String(key[key.index(after: colon)...])
        switch kind {
        case "pod": return await reconcilePod(k)
        case "rs": return await reconcileReplicaSet(k)
        case "deploy": return await reconcileDeployment(k)
        case "sts": return await reconcileStatefulSet(k)
        case "ds": return await reconcileDaemonSet(k)
        case "job": return await reconcileJob(k)
        case "ns": return await reconcileNamespace(k)
        default: return .awaitChange
        }
    }

    // MARK: - Events

    func emit(_ object: JSON, fieldPath: String? = nil, reason: String, message: String, warning: Bool = false, component: String, host: String? = nil) async {
        guard let action = recorder.record(object: object, fieldPath: fieldPath, reason: reason, message: message, warning: warning,
                                           component: component, host: host, now: clock())
        else { return }
        switch action {
        case .create(let ev):
            let ns = ev[path: ["metadata", "namespace"]]?.stringValue
            _ = try? await store.create(rt.events, namespace: ns, object: ev)
        case .bump(let ns, let name, let count, let ts):
            _ = try? await store.patch(rt.events, namespace: ns, name: name) { (cur: JSON?) throws(APIError) -> JSON in
                guard var o = cur else { throw APIError.badRequest("gone") }
                o["count"] = .int(count)
                o["lastTimestamp"] = .string(ts)
                return o
            }
        }
    }

    // MARK: - Helpers

    static func split(_ k: String) -> (ns: String, name: String) {
        guard let slash = k.firstIndex(of: "/") else { return ("", k) }
        return (String(k[..<slash]), String(k[k.index(after: slash)...]))
    }

    /// True for errors that mean "the object changed or went away": the next
    /// event will bring us back.
    static func isBenign(_ e: any Error) -> Bool {
        guard let a = e as? APIError else { return false }
        return a.code == 404 || a.code == 409 || a.code == 403 || a.code == 422
    }

    static func ownerReference(_ owner: JSON) -> JSON {
        [
            "apiVersion": owner["apiVersion"] ?? "", "kind": owner["kind"] ?? "",
            "name": owner[path: ["metadata", "name"]] ?? "", "uid": owner[path: ["metadata", "uid"]] ?? "",
            "controller": true, "blockOwnerDeletion": true,
        ]
    }

    static func isActivePod(_ p: JSON) -> Bool {
        let phase = p[path: ["status", "phase"]]?.stringValue ?? ""
        return phase != "Succeeded" && phase != "Failed" && p[path: ["metadata", "deletionTimestamp"]] == nil
    }

    static func isPodReady(_ p: JSON) -> Bool {
        (p[path: ["status", "conditions"]]?.arrayValue ?? []).contains {
            $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
        }
    }

    /// When the pod became Ready, if it is.
    static func readySince(_ p: JSON) -> Double? {
        for c in p[path: ["status", "conditions"]]?.arrayValue ?? [] where c["type"]?.stringValue == "Ready" {
            guard c["status"]?.stringValue == "True" else { return nil }
            return c["lastTransitionTime"]?.stringValue.flatMap(Timestamp.parse) ?? 0
        }
        return nil
    }

    /// Builds a pod from a workload's pod template.
    static func podFromTemplate(_ template: JSON, owner: JSON, name: String? = nil, generateName: String? = nil,
                                extraLabels: [String: String] = [:], nodeName: String = SimEngine.nodeName) -> JSON {
        var meta: JSON = [:]
        if let name { meta["name"] = .string(name) }
        if let generateName { meta["generateName"] = .string(generateName) }
        meta["namespace"] = owner[path: ["metadata", "namespace"]]
        var labels = template[path: ["metadata", "labels"]] ?? [:]
        for (k, v) in extraLabels.sorted(by: { $0.key < $1.key }) { labels[k] = .string(v) }
        if labels.objectValue?.isEmpty == false { meta["labels"] = labels }
        if let a = template[path: ["metadata", "annotations"]], a.objectValue?.isEmpty == false { meta["annotations"] = a }
        if let f = template[path: ["metadata", "finalizers"]] { meta["finalizers"] = f }
        meta["ownerReferences"] = [ownerReference(owner)]
        var spec = template["spec"] ?? [:]
        spec["nodeName"] = .string(nodeName)
        return ["apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec]
    }

    /// Writes `status` (when it differs from what is cached) through the
    /// status subresource, read-modify-write.
    func writeStatus(_ type: ResourceType, _ obj: StoredObject, _ status: JSON) async {
        if obj.object["status"] == status { return }
        let uid = obj.object[path: ["metadata", "uid"]]?.stringValue
        do {
            let (s, _) = try await store.patch(type, namespace: obj.namespace, name: obj.name, subresource: "status") { (cur: JSON?) throws(APIError) -> JSON in
                guard var o = cur, o[path: ["metadata", "uid"]]?.stringValue == uid else { throw APIError.conflict(type, obj.name, "uid changed") }
                o["status"] = status
                return o
            }
            noteWrite(type.storageKey, s)
        } catch {}
    }
}
