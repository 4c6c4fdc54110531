extension APIServer {
    // MARK: scale

    struct ScalePaths {
        var spec: [String]
        var status: [String]
        var selector: [String]?
    }

    func scalePaths(_ rt: ResourceType) -> ScalePaths {
        if rt.isCustom, let s = registry.customInfo(storageKey: rt.storageKey)?.version(rt.version)?.scale {
            func p(_ k: String) -> [String]? {
                s[k]?.stringValue.map { $0.split(separator: ".").map(String.init) }
            }
            return ScalePaths(spec: p("specReplicasPath") ?? ["spec", "replicas"], status: p("statusReplicasPath") ?? ["status", "replicas"],
                selector: p("labelSelectorPath"))
        }
        return ScalePaths(spec: ["spec", "replicas"], status: ["status", "replicas"], selector: nil)
    }

    /// The `autoscaling/v1` Scale view of a workload.
    func scale(of rt: ResourceType, _ o: JSON) throws -> JSON {
        let paths = scalePaths(rt)
        var selector = ""
        if let sp = paths.selector {
            selector = o[path: sp]?.stringValue ?? ""
        } else if let sel = o[path: ["spec", "selector"]], let ls = try? LabelSelector(json: sel) {
            selector = ls.description
        }
        let meta = o["metadata"] ?? [:]
        var m: JSON = [:]
        for k in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] { m[k] = meta[k] }
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": m,
            "spec": ["replicas": o[path: paths.spec] ?? 0],
            "status": ["replicas": o[path: paths.status] ?? 0, "selector": .string(selector)],
        ]
    }

    func updateScale(_ t: Target, _ req: APIRequest, patchType: String?) async throws -> APIResponse {
        let rt = t.rt
        let registry = self.registry
        let kind: PatchKind? = try patchType.map {
            try PatchKind(contentType: $0.split(separator: ";").first.map(String.init) ?? "", rt: rt, scale: true)
        }
        let body: JSON
        if patchType != nil {
            guard let j = try? JSON.parse(req.body) else { throw APIError.badRequest("error decoding patch") }
            body = j
        } else {
            body = try decodeBody(req, rt)
        }
        let paths = scalePaths(rt)
        let fieldManager = req.param("fieldManager") ?? ""
        let force = req.boolParam("force")
        let (o, _) = try await store.patch(rt, namespace: t.namespace, name: t.name!, dryRun: req.query["dryRun"] != nil) {
            (current: JSON?) throws(APIError) -> JSON in
            guard var cur = current else { throw APIError.notFound(rt, t.name!) }
            let before: JSON
            do { before = try self.scale(of: rt, cur) } catch { throw APIError.internalError("\(error)") }
            var after: JSON
            if let kind {
                after = try PatchEngine.apply(kind, patch: body, to: before, rt: rt, registry: registry, fieldManager: fieldManager, force: force, scale: true)
            } else {
                after = body
                if let rv = after[path: ["metadata", "resourceVersion"]]?.stringValue, !rv.isEmpty,
                    rv != before[path: ["metadata", "resourceVersion"]]?.stringValue
                {
                    throw APIError.conflict(rt, t.name!, APIError.modifiedMessage)
                }
            }
            guard let replicas = after[path: ["spec", "replicas"]]?.intValue else {
                throw APIError.invalid(kind: "Scale", group: "autoscaling", name: t.name!, causes: [
                    ("spec.replicas", "FieldValueRequired", "spec.replicas: Required value")
                ])
            }
            if replicas < 0 {
                throw APIError.invalid(kind: "Scale", group: "autoscaling", name: t.name!, causes: [
                    ("spec.replicas", "FieldValueInvalid", "spec.replicas: Invalid value: \(replicas): must be greater than or equal to 0")
                ])
            }
            cur[path: paths.spec] = .int(replicas)
            return cur
        }
        return .json(try scale(of: rt, o.object))
    }

    // MARK: eviction and binding

    func evict(_ t: Target, _ req: APIRequest) async throws -> APIResponse {
        let body = try decodeBody(req, t.rt)
        let pod = try await store.get(t.rt, namespace: t.namespace, name: t.name!)
        if let bodyName = body[path: ["metadata", "name"]]?.stringValue, bodyName != t.name! {
            throw APIError.badRequest("name in URL does not match name in Eviction object")
        }
        if let pdbRT = registry.resolve(group: "policy", version: "v1", plural: "poddisruptionbudgets"),
            let blocking = try await blockingPDB(pod.object, namespace: t.namespace ?? "", pdbRT: pdbRT)
        {
            var e = APIError(code: 429, reason: "TooManyRequests",
                message: "Cannot evict pod as it would violate the pod's disruption budget.",
                details: ["causes": [["reason": "DisruptionBudget", "message": .string("The disruption budget \(blocking) needs more healthy pods and has 0 disruptions allowed.")]]])
            e.headers = [("Retry-After", "10")]
            throw e
        }
        var opts = DeleteOptions()
        opts.gracePeriodSeconds = body[path: ["deleteOptions", "gracePeriodSeconds"]]?.intValue
        opts.preconditionUID = body[path: ["deleteOptions", "preconditions", "uid"]]?.stringValue
        opts.preconditionResourceVersion = body[path: ["deleteOptions", "preconditions", "resourceVersion"]]?.stringValue
        opts.dryRun = req.query["dryRun"] != nil
        _ = try await store.delete(t.rt, namespace: t.namespace, name: t.name!, options: opts)
        return .json(["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201], status: 201)
    }

    /// The name of a PodDisruptionBudget that forbids evicting this pod now.
    func blockingPDB(_ pod: JSON, namespace: String, pdbRT: ResourceType) async throws -> String? {
        let labels = pod[path: ["metadata", "labels"]]?.objectValue.map { o in
            Dictionary(o.entries.compactMap { e in e.value.stringValue.map { (e.key, $0) } }, uniquingKeysWith: { a, _ in a })
        } ?? [:]
        let pdbs = try await store.list(pdbRT, namespace: namespace).items
        guard !pdbs.isEmpty else { return nil }
        let podRT = registry.resolve(group: "", version: "v1", plural: "pods")!
        let pods = try await store.list(podRT, namespace: namespace).items
        for pdb in pdbs {
            guard let sel = try? LabelSelector(json: pdb.object[path: ["spec", "selector"]]), sel.matches(labels) else { continue }
            let matching = pods.filter { p in
                let l = p.object[path: ["metadata", "labels"]]?.objectValue.map { o in
                    Dictionary(o.entries.compactMap { e in e.value.stringValue.map { (e.key, $0) } }, uniquingKeysWith: { a, _ in a })
                } ?? [:]
                return sel.matches(l)
            }
            let healthy = matching.filter { p in
                (p.object[path: ["status", "conditions"]]?.arrayValue ?? []).contains {
                    $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
                } && p.object[path: ["metadata", "deletionTimestamp"]] == nil
            }.count
            let expected = matching.count
            func resolve(_ v: JSON?) -> Int? {
                if let i = v?.intValue { return Int(i) }
                if let s = v?.stringValue, s.hasSuffix("%"), let p = Double(s.dropLast()) {
                    return Int((Double(expected) * p / 100).rounded(.up))
                }
                return nil
            }
            var allowed = Int.max
            if let minAvail = resolve(pdb.object[path: ["spec", "minAvailable"]]) { allowed = healthy - minAvail }
            if let maxUnavail = resolve(pdb.object[path: ["spec", "maxUnavailable"]]) {
                allowed = min(allowed, maxUnavail - (expected - healthy))
            }
            if allowed <= 0 { return pdb.name }
        }
        return nil
    }

    func bind(_ t: Target, _ req: APIRequest) async throws -> APIResponse {
        let body = try decodeBody(req, t.rt)
        guard let node = body[path: ["target", "name"]]?.stringValue, !node.isEmpty else {
            throw APIError.invalid(kind: "Binding", group: "", name: t.name!, causes: [("target.name", "FieldValueRequired", "target.name: Required value")])
        }
        let rt = t.rt
        _ = try await store.patch(rt, namespace: t.namespace, name: t.name!, subresource: "binding") { (cur: JSON?) throws(APIError) -> JSON in
            var o = cur!
            if let existing = o[path: ["spec", "nodeName"]]?.stringValue, !existing.isEmpty {
                throw APIError.conflict(rt, t.name!, "pod \(t.name!) is already assigned to node \"\(existing)\"")
            }
            o[path: ["spec", "nodeName"]] = .string(node)
            return o
        }
        return .json(["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201], status: 201)
    }

    // MARK: logs

    func podLogs(_ t: Target, _ pod: StoredObject, _ req: APIRequest) async throws -> APIResponse {
        let spec = pod.object["spec"] ?? [:]
        let names = (spec["containers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        let all = names + (spec["initContainers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            + (spec["ephemeralContainers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        var container = req.param("container") ?? ""
        if container.isEmpty {
            if names.count == 1 {
                container = names[0]
            } else if let d = pod.object[path: ["metadata", "annotations", "kubectl.kubernetes.io/default-container"]]?.stringValue {
                container = d
            } else {
                throw APIError.badRequest("a container name must be specified for pod \(pod.name), choose one of: [\(names.joined(separator: " "))]")
            }
        }
        guard all.contains(container) else {
            throw APIError.badRequest("container \(container) is not valid for pod \(pod.name)")
        }
        guard let source = logSource.withLock({ $0 }) else {
            throw APIError.badRequest("container \"\(container)\" in pod \"\(pod.name)\" is waiting to start: ContainerCreating")
        }
        let ns = pod.namespace
        var text = try await source.logs(namespace: ns, pod: pod.object, container: container, previous: req.boolParam("previous"))
        if let tl = req.param("tailLines"), let n = Int(tl), n >= 0 {
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if lines.last == "" { lines.removeLast() }
            text = lines.suffix(n).map { $0 + "\n" }.joined()
        }
        if let lb = req.param("limitBytes"), let n = Int(lb), n > 0, text.utf8.count > n {
            text = String(decoding: Array(text.utf8.prefix(n)), as: UTF8.self)
        }
        if !req.boolParam("follow") { return .text(text) }
        let podJSON = pod.object
        let first = text
        let containerName = container
        let store = self.store
        let podRT = t.rt
        let stream = AsyncStream<[UInt8]> { cont in
            let task = Task {
                cont.yield(Array(first.utf8))
                var sent = first.utf8.count
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(200))
                    let current = (try? await store.get(podRT, namespace: ns, name: podJSON[path: ["metadata", "name"]]?.stringValue ?? ""))?.object ?? podJSON
                    if let more = try? await source.logs(namespace: ns, pod: current, container: containerName, previous: false) {
                        let b = Array(more.utf8)
                        if b.count > sent {
                            cont.yield(Array(b[sent...]))
                            sent = b.count
                        }
                    }
                    if await source.isTerminated(namespace: ns, pod: current, container: containerName) { break }
                }
                cont.finish()
            }
            cont.onTermination = { _ in task.cancel() }
        }
        return APIResponse(status: 200, headers: [("Content-Type", "text/plain")], body: .stream(stream))
    }
}
