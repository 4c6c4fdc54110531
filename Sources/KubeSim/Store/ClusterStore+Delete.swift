extension ClusterStore {
    /// Deletes an object (DELETE) with kube-apiserver semantics:
    /// preconditions, finalizers (`deletionTimestamp` set, object kept),
    /// graceful pod termination, namespace termination, and garbage
    /// collection of dependents by `propagationPolicy`.
    public func delete(_ rt: ResourceType, namespace: String?, name: String, options: DeleteOptions = DeleteOptions()) throws(APIError) -> DeleteOutcome {
        guard let cur = tables[rt.storageKey]?.get(ns(rt, namespace), name) else { throw .notFound(rt, name) }
        let meta = cur.object["metadata"] ?? [:]
        if let uid = options.preconditionUID, uid != meta["uid"]?.stringValue ?? "" {
            throw .conflict(rt, name, "Precondition failed: UID in precondition: \(uid), UID in object meta: \(meta["uid"]?.stringValue ?? "")")
        }
        if let prv = options.preconditionResourceVersion, prv != String(cur.rv) {
            throw .conflict(rt, name, "Precondition failed: ResourceVersion in precondition: \(prv), ResourceVersion in object meta: \(cur.rv)")
        }
        if let p = options.propagationPolicy, !["Orphan", "Background", "Foreground"].contains(p) {
            throw APIError.invalid(kind: "DeleteOptions", group: "", name: "", causes: [
                ("propagationPolicy", "FieldValueNotSupported", "propagationPolicy: Unsupported value: \"\(p)\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"")
            ])
        }
        if options.dryRun {
            return .removed(cur)
        }
        let alreadyDeleting = meta["deletionTimestamp"] != nil
        let now = clock()

        if rt.storageKey == "namespaces" {
            if alreadyDeleting { return .pending(cur) }
            var o = cur.object
            o[path: ["metadata", "deletionTimestamp"]] = .string(Timestamp.format(now))
            o[path: ["metadata", "deletionGracePeriodSeconds"]] = 0
            o[path: ["status", "phase"]] = "Terminating"
            let stored = commit(rt, .modified, o, previous: cur.object)
            terminatingNamespaces.insert(name)
            Task { self.finalizeNamespace(name) }
            return .pending(stored)
        }

        // Graceful deletion of pods that a (simulated) kubelet runs.
        if rt.storageKey == "pods", gracefulPodDeletion, Self.isBoundPod(cur.object) {
            let grace = options.gracePeriodSeconds ?? cur.object[path: ["spec", "terminationGracePeriodSeconds"]]?.intValue ?? 30
            if grace > 0 {
                if alreadyDeleting {
                    // A shorter grace period may shorten an ongoing one.
                    let oldGrace = meta["deletionGracePeriodSeconds"]?.intValue ?? grace
                    if grace >= oldGrace { return .pending(cur) }
                }
                var o = cur.object
                o[path: ["metadata", "deletionTimestamp"]] = .string(Timestamp.format(now + Double(grace)))
                o[path: ["metadata", "deletionGracePeriodSeconds"]] = .int(grace)
                if let g = o[path: ["metadata", "generation"]]?.intValue { o[path: ["metadata", "generation"]] = .int(g + 1) }
                let stored = commit(rt, .modified, o, previous: cur.object)
                return .pending(stored)
            }
        }

        var finalizers = Self.finalizers(cur.object)
        let policy = options.propagationPolicy ?? "Background"
        if policy == "Foreground", let uid = meta["uid"]?.stringValue, !(dependents[uid]?.isEmpty ?? true),
            !finalizers.contains("foregroundDeletion")
        {
            finalizers.append("foregroundDeletion")
        }
        if policy == "Orphan", !finalizers.contains("orphan"), let uid = meta["uid"]?.stringValue,
            !(dependents[uid]?.isEmpty ?? true)
        {
            orphanDependents(of: uid)
        }
        if !finalizers.isEmpty {
            if alreadyDeleting && finalizers == Self.finalizers(cur.object) { return .pending(cur) }
            var o = cur.object
            o[path: ["metadata", "finalizers"]] = .array(finalizers.map { .string($0) })
            if !alreadyDeleting {
                o[path: ["metadata", "deletionTimestamp"]] = .string(Timestamp.format(now))
                o[path: ["metadata", "deletionGracePeriodSeconds"]] = 0
                if rt.tracksGeneration, let g = o[path: ["metadata", "generation"]]?.intValue {
                    o[path: ["metadata", "generation"]] = .int(g + 1)
                }
            }
            let stored = commit(rt, .modified, o, previous: cur.object)
            if finalizers.contains("foregroundDeletion"), let uid = meta["uid"]?.stringValue {
                foregroundOwners[uid] = ObjectRef(storageKey: rt.storageKey, namespace: stored.namespace, name: stored.name)
                deleteDependents(of: uid, policy: "Foreground")
                releaseForegroundOwner(uid)
            }
            guard let now = tables[rt.storageKey]?.get(stored.namespace, stored.name) else { return .removed(stored) }
            return .pending(now)
        }
        return .removed(remove(rt, cur))
    }

    /// Removes an object for good: DELETED event, then its dependents are
    /// collected, and owners waiting in foreground deletion may finish.
    @discardableResult
    func remove(_ rt: ResourceType, _ cur: StoredObject) -> StoredObject {
        var o = cur.object
        if rt.storageKey == "apiextensions.k8s.io/customresourcedefinitions" {
            registry.unregister(crd: o)
            if let group = o[path: ["spec", "group"]]?.stringValue, let plural = o[path: ["spec", "names", "plural"]]?.stringValue {
                // Custom resources go with their definition.
                let key = "\(group)/\(plural)"
                tables[key] = nil
                watchers[key]?.values.forEach { $0.continuation.finish() }
                watchers[key] = nil
            }
        }
        o[path: ["metadata", "resourceVersion"]] = nil
        let stored = commit(rt, .deleted, o, previous: cur.object)
        if let uid = cur.object[path: ["metadata", "uid"]]?.stringValue {
            deleteDependents(of: uid, policy: "Background")
        }
        for owner in Self.ownerUIDs(cur.object) { releaseForegroundOwner(owner) }
        if rt.namespaced, terminatingNamespaces.contains(stored.namespace) {
            checkNamespaceFinished(stored.namespace)
        }
        return stored
    }

    func deleteDependents(of uid: String, policy: String) {
        guard let deps = dependents[uid] else { return }
        for ref in deps {
            guard let rt = registry.storageType(forKey: ref.storageKey) else { continue }
            guard let cur = tables[ref.storageKey]?.get(ref.namespace, ref.name) else { continue }
            if cur.object[path: ["metadata", "deletionTimestamp"]] != nil { continue }
            _ = try? delete(rt, namespace: ref.namespace, name: ref.name, options: DeleteOptions(propagationPolicy: policy))
        }
    }

    func orphanDependents(of uid: String) {
        guard let deps = dependents[uid] else { return }
        for ref in deps {
            guard let rt = registry.storageType(forKey: ref.storageKey),
                let cur = tables[ref.storageKey]?.get(ref.namespace, ref.name)
            else { continue }
            var o = cur.object
            let refs = o[path: ["metadata", "ownerReferences"]]?.arrayValue?.filter { $0["uid"]?.stringValue != uid } ?? []
            o[path: ["metadata", "ownerReferences"]] = refs.isEmpty ? nil : .array(refs)
            commit(rt, .modified, o, previous: cur.object)
        }
    }

    /// An owner in foreground deletion loses its `foregroundDeletion`
    /// finalizer once no dependents are left.
    func releaseForegroundOwner(_ uid: String) {
        guard let ref = foregroundOwners[uid] else { return }
        if let d = dependents[uid], !d.isEmpty { return }
        foregroundOwners[uid] = nil
        guard let rt = registry.storageType(forKey: ref.storageKey),
            let owner = tables[ref.storageKey]?.get(ref.namespace, ref.name)
        else { return }
        let fins = Self.finalizers(owner.object)
        guard fins.contains("foregroundDeletion") else { return }
        var o = owner.object
        let rest = fins.filter { $0 != "foregroundDeletion" }
        o[path: ["metadata", "finalizers"]] = rest.isEmpty ? nil : .array(rest.map { .string($0) })
        let stored = commit(rt, .modified, o, previous: owner.object)
        if rest.isEmpty { remove(rt, stored) }
    }

    // MARK: - Namespace termination

    /// The namespace controller: deletes everything in a terminating
    /// namespace, then removes the `kubernetes` finalizer and the namespace.
    func finalizeNamespace(_ name: String) {
        // The names are collected before anything is deleted: iterating
        // `tables` holds a reference to every table, so a delete inside the
        // loop would copy the whole table (its objects and its event window)
        // on write, once per object.
        var doomed: [(ResourceType, [String])] = []
        for (key, table) in tables where key != "namespaces" {
            guard let rt = registry.storageType(forKey: key), rt.namespaced else { continue }
            let names = table.names(in: name)
            if !names.isEmpty { doomed.append((rt, names)) }
        }
        for (rt, names) in doomed {
            for n in names { _ = try? delete(rt, namespace: name, name: n) }
        }
        checkNamespaceFinished(name)
    }

    func checkNamespaceFinished(_ name: String) {
        guard let nsRT = registry.storageType(forKey: "namespaces"), let cur = tables["namespaces"]?.get("", name) else {
            terminatingNamespaces.remove(name)
            return
        }
        var remaining = 0
        var withFinalizers = 0
        for (key, table) in tables where key != "namespaces" {
            for n in table.names(in: name) {
                remaining += 1
                if let o = table.get(name, n), !Self.finalizers(o.object).isEmpty { withFinalizers += 1 }
            }
        }
        if remaining > 0 {
            var o = cur.object
            let now = Timestamp.format(clock())
            let conditions: [JSON] = [
                ["type": "NamespaceContentRemaining", "status": "True", "lastTransitionTime": .string(now),
                 "reason": "SomeResourcesRemain", "message": .string("Some resources are remaining: \(remaining) objects")],
                ["type": "NamespaceFinalizersRemaining", "status": withFinalizers > 0 ? "True" : "False", "lastTransitionTime": .string(now),
                 "reason": withFinalizers > 0 ? "SomeFinalizersRemain" : "ContentHasNoFinalizers",
                 "message": .string(withFinalizers > 0 ? "Some content in the namespace has finalizers remaining: \(withFinalizers) objects" : "All content-preserving finalizers finished")],
            ]
            if o[path: ["status", "conditions"]] != .array(conditions) {
                o[path: ["status", "conditions"]] = .array(conditions)
                commit(nsRT, .modified, o, previous: cur.object)
            }
            return
        }
        var o = cur.object
        let specF = o[path: ["spec", "finalizers"]]?.arrayValue?.filter { $0.stringValue != "kubernetes" } ?? []
        o[path: ["spec", "finalizers"]] = specF.isEmpty ? nil : .array(specF)
        terminatingNamespaces.remove(name)
        if specF.isEmpty && Self.finalizers(o).isEmpty {
            remove(nsRT, cur)
        } else if o != cur.object {
            commit(nsRT, .modified, o, previous: cur.object)
        }
    }

    /// Deletes every object in a collection that matches (DELETE on a collection).
    public func deleteCollection(_ rt: ResourceType, namespace: String?, filter: ObjectFilter, options: DeleteOptions) throws(APIError) -> [StoredObject] {
        let items = try list(rt, namespace: namespace, filter: filter).items
        var out: [StoredObject] = []
        for item in items {
            switch try delete(rt, namespace: item.namespace, name: item.name, options: options) {
            case .removed(let o), .pending(let o): out.append(o)
            }
        }
        return out
    }
}
