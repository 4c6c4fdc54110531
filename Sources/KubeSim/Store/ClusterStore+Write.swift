extension ClusterStore {
    /// Creates an object (POST). `dryRun` runs every check and returns what
    /// would be stored, without storing it.
    public func create(_ rt: ResourceType, namespace: String?, object input: JSON, dryRun: Bool = false) throws(APIError) -> StoredObject {
        guard case .object = input else { throw .badRequest("the body of the request was not a JSON object") }
        var obj = input
        let ns = self.ns(rt, namespace)
        if rt.namespaced {
            if let bodyNS = obj[path: ["metadata", "namespace"]]?.stringValue, !bodyNS.isEmpty, bodyNS != ns {
                throw .badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            obj[path: ["metadata", "namespace"]] = .string(ns)
        } else {
            obj[path: ["metadata", "namespace"]] = nil
        }
        var name = obj[path: ["metadata", "name"]]?.stringValue ?? ""
        if name.isEmpty, let gen = obj[path: ["metadata", "generateName"]]?.stringValue, !gen.isEmpty {
            repeat { name = gen + Identifiers.suffix() } while tables[rt.storageKey]?.get(ns, name) != nil
            obj[path: ["metadata", "name"]] = .string(name)
        }
        if name.isEmpty {
            throw APIError.invalid(kind: rt.kind, group: rt.group, name: "", causes: [
                ("metadata.name", "FieldValueRequired", "metadata.name: Required value: name or generateName is required")
            ])
        }
        if let rvText = obj[path: ["metadata", "resourceVersion"]]?.stringValue, !rvText.isEmpty {
            throw .internalError("resourceVersion should not be set on objects to be created")
        }
        if rt.namespaced {
            try checkNamespaceWritable(rt, ns: ns, name: name)
        }
        if tables[rt.storageKey]?.get(ns, name) != nil { throw .alreadyExists(rt, name) }

        let now = clock()
        var meta = obj["metadata"] ?? [:]
        meta["uid"] = .string(Identifiers.uuid())
        meta["creationTimestamp"] = .string(Timestamp.format(now))
        meta["deletionTimestamp"] = nil
        meta["deletionGracePeriodSeconds"] = nil
        meta["generation"] = rt.tracksGeneration ? 1 : nil
        obj["metadata"] = meta
        obj["apiVersion"] = .string(rt.apiVersion)
        obj["kind"] = .string(rt.kind)
        try ResourceStrategy.prepareForCreate(rt, &obj, registry: registry, now: now)
        try ResourceStrategy.validate(rt, obj, old: nil, registry: registry)
        if dryRun { return StoredObject(object: obj, rv: 0) }
        let stored = commit(rt, .added, obj, previous: nil)
        afterWrite(rt, stored, previous: nil)
        return stored
    }

    func checkNamespaceWritable(_ rt: ResourceType, ns: String, name: String) throws(APIError) {
        guard let nsObj = tables["namespaces"]?.get("", ns) else {
            throw APIError(code: 404, reason: "NotFound", message: "namespaces \"\(ns)\" not found",
                details: ["name": .string(ns), "kind": "namespaces"])
        }
        if nsObj.object[path: ["metadata", "deletionTimestamp"]] != nil {
            throw APIError.forbidden(
                rt, name, "unable to create new content in namespace \(ns) because it is being terminated",
                cause: ["reason": "NamespaceTerminating", "message": .string("namespace \(ns) is being terminated"), "field": "metadata.namespace"])
        }
    }

    /// Replaces an object (PUT), on the main resource or a subresource
    /// (`status`, `scale` is handled by the caller as a patch).
    public func update(
        _ rt: ResourceType, namespace: String?, name: String, object input: JSON, subresource: String? = nil,
        dryRun: Bool = false
    ) throws(APIError) -> StoredObject {
        guard case .object = input else { throw .badRequest("the body of the request was not a JSON object") }
        if let bodyName = input[path: ["metadata", "name"]]?.stringValue, !bodyName.isEmpty, bodyName != name {
            throw .badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        if rt.namespaced, let bodyNS = input[path: ["metadata", "namespace"]]?.stringValue, !bodyNS.isEmpty,
            bodyNS != ns(rt, namespace)
        {
            throw .badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
        guard let old = tables[rt.storageKey]?.get(ns(rt, namespace), name) else {
            if rt.allowCreateOnUpdate && subresource == nil {
                var o = input
                o[path: ["metadata", "resourceVersion"]] = nil
                o[path: ["metadata", "name"]] = .string(name)
                return try create(rt, namespace: namespace, object: o, dryRun: dryRun)
            }
            throw .notFound(rt, name)
        }
        return try replace(rt, old: old, with: input, subresource: subresource, dryRun: dryRun)
    }

    /// Read-modify-write of one object under the store's lock: `transform`
    /// gets the current object (nil when absent and `createIfMissing`) and
    /// returns the desired one. Used by every PATCH flavour.
    public func patch(
        _ rt: ResourceType, namespace: String?, name: String, subresource: String? = nil, dryRun: Bool = false,
        createIfMissing: Bool = false, transform: @Sendable (JSON?) throws(APIError) -> JSON
    ) throws(APIError) -> (StoredObject, created: Bool) {
        guard let old = tables[rt.storageKey]?.get(ns(rt, namespace), name) else {
            guard createIfMissing else { throw .notFound(rt, name) }
            var o = try transform(nil)
            o[path: ["metadata", "name"]] = .string(name)
            return (try create(rt, namespace: namespace, object: o, dryRun: dryRun), true)
        }
        let desired = try transform(old.object)
        return (try replace(rt, old: old, with: desired, subresource: subresource, dryRun: dryRun), false)
    }

    /// The common update path: preconditions, strategy, validation, no-op
    /// detection, commit, and finalization of objects whose last finalizer
    /// went away.
    func replace(_ rt: ResourceType, old: StoredObject, with input: JSON, subresource: String?, dryRun: Bool) throws(APIError) -> StoredObject {
        var obj = input
        let name = old.name
        if let rvText = input[path: ["metadata", "resourceVersion"]]?.stringValue, !rvText.isEmpty {
            guard let _ = Int64(rvText) else {
                throw APIError.invalid(kind: rt.kind, group: rt.group, name: name, causes: [
                    ("metadata.resourceVersion", "FieldValueInvalid", "metadata.resourceVersion: Invalid value: \"\(rvText)\": must be a valid resourceVersion")
                ])
            }
            if rvText != String(old.rv) { throw .conflict(rt, name, APIError.modifiedMessage) }
        }
        if let uid = input[path: ["metadata", "uid"]]?.stringValue, !uid.isEmpty,
            let oldUID = old.object[path: ["metadata", "uid"]]?.stringValue, uid != oldUID
        {
            throw .conflict(rt, name, "Precondition failed: UID in precondition: \(uid), UID in object meta: \(oldUID)")
        }
        // System-owned metadata always comes from the stored object.
        var meta = obj["metadata"] ?? [:]
        let oldMeta = old.object["metadata"] ?? [:]
        for k in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace", "name"] {
            meta[k] = oldMeta[k]
        }
        meta["resourceVersion"] = nil
        obj["metadata"] = meta
        obj["apiVersion"] = .string(rt.apiVersion)
        obj["kind"] = .string(rt.kind)
        try ResourceStrategy.prepareForUpdate(rt, &obj, old: old.object, subresource: subresource, registry: registry, now: clock())
        if oldMeta["deletionTimestamp"] != nil {
            let oldF = Set(oldMeta["finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let newF = obj[path: ["metadata", "finalizers"]]?.arrayValue?.compactMap(\.stringValue) ?? []
            if let added = newF.first(where: { !oldF.contains($0) }) {
                throw APIError.invalid(kind: rt.kind, group: rt.group, name: name, causes: [
                    ("metadata.finalizers", "FieldValueForbidden", "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"\(added)\"}")
                ])
            }
        }
        try ResourceStrategy.validate(rt, obj, old: old.object, registry: registry)
        var comparable = old.object
        comparable[path: ["metadata", "resourceVersion"]] = nil
        if comparable == obj { return old }  // no-op: no new resourceVersion, no event
        if dryRun {
            var o = obj
            o[path: ["metadata", "resourceVersion"]] = .string(String(old.rv))
            return StoredObject(object: o, rv: old.rv)
        }
        let stored = commit(rt, .modified, obj, previous: old.object)
        afterWrite(rt, stored, previous: old.object)
        if stored.object[path: ["metadata", "deletionTimestamp"]] != nil, Self.finalizers(stored.object).isEmpty,
            !(rt.storageKey == "pods" && gracefulPodDeletion && Self.isBoundPod(stored.object))
        {
            let removed = remove(rt, stored)
            return removed
        }
        return stored
    }

    static func finalizers(_ o: JSON) -> [String] {
        o[path: ["metadata", "finalizers"]]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    static func isBoundPod(_ o: JSON) -> Bool {
        let node = o[path: ["spec", "nodeName"]]?.stringValue ?? ""
        let phase = o[path: ["status", "phase"]]?.stringValue ?? ""
        return !node.isEmpty && phase != "Succeeded" && phase != "Failed"
    }

    /// Hooks that keep other state in step with a write (CRDs register their
    /// resources).
    func afterWrite(_ rt: ResourceType, _ stored: StoredObject, previous: JSON?) {
        if rt.storageKey == "apiextensions.k8s.io/customresourcedefinitions" {
            if stored.object[path: ["metadata", "deletionTimestamp"]] == nil {
                registry.register(crd: stored.object)
            }
        }
    }
}
