import Kube
import VigilAPI
import VigilJSON
import VigilRuntime

extension ActionExecutor {
    /// One MemoryScaler step (`raiseMemory`): reads the pod or workload, and
    /// raises the container's memory limit from `fromLimit` to `toLimit`
    /// (the request in proportion) with a JSON patch whose `test` operations
    /// make it a compare-and-set: a limit someone else changed since the step
    /// was decided is not touched. A pod is resized in place (`pods/resize`);
    /// a Deployment or StatefulSet gets a new pod template, which its rollout
    /// carries to the pods (every other field of the template is kept).
    ///
    /// Idempotent under its key: a limit that is already `toLimit` (a replica
    /// that died after the write) is a success without a write.
    func raiseMemory(_ r: ActionSpec.RaiseMemory, _ c: Context) async throws -> Result {
        if r.target == .pod, let seen = r.seen, let result = try await raiseMemoryAsSeen(r, seen, c) { return result }
        let ns = c.namespace
        let (descriptor, base, what): (ResourceDescriptor, [String], String) = switch r.target {
        case .pod: (.pods, ["spec"], "pod \(ns)/\(r.name)")
        case .deployment: (.deployments, ["spec", "template", "spec"], "Deployment \(ns)/\(r.name)")
        case .statefulSet: (.statefulSets, ["spec", "template", "spec"], "StatefulSet \(ns)/\(r.name)")
        }
        let object = try await getJSON(descriptor, kind: r.target == .pod ? "pod" : r.target.rawValue, verb: "resize", namespace: ns, name: r.name)
        if let uid = object[path: ["metadata", "uid"]]?.stringValue, uid != r.uid {
            throw PermanentEffectFailure("cannot raise the memory of \(what): it was replaced (uid \(uid), the step was decided for \(r.uid))")
        }
        if r.target == .pod, ["Succeeded", "Failed"].contains(object[path: ["status", "phase"]]?.stringValue ?? "") {
            throw PermanentEffectFailure("cannot raise the memory of \(what): it has terminated")
        }
        let containers = object[path: base + ["containers"]]?.arrayValue ?? []
        guard let index = containers.firstIndex(where: { $0["name"]?.stringValue == r.container }) else {
            let names = containers.compactMap { $0["name"]?.stringValue }.joined(separator: ", ")
            throw PermanentEffectFailure("cannot raise the memory of \(what): it has no container \(quoted(r.container)) (containers: \(names))")
        }
        let resources = containers[index]["resources"] ?? .null
        let to = MemoryStep.quantity(bytes: r.toLimit)
        let from = MemoryStep.quantity(bytes: r.fromLimit)
        guard let limitText = resources[path: ["limits", "memory"]]?.stringValue, let limit = try? MemoryStep.bytes(parsing: limitText) else {
            throw PermanentEffectFailure("cannot raise the memory of container \(r.container) of \(what): it has no memory limit now (the step was decided for \(from))")
        }
        let dry = c.dryRun ? " (dry run: sent with dryRun=All)" : ""
        let how = r.target == .pod ? "in place" : "in its pod template"
        if limit == r.toLimit { return Result(summary: "the memory limit of container \(r.container) of \(what) is already \(to)") }
        guard limit == r.fromLimit else {
            throw PermanentEffectFailure(
                "not raising the memory of container \(r.container) of \(what): its limit is \(limitText) now, not the \(from) the step was decided on (something else changed it)")
        }
        let path = "/" + (base + ["containers", "\(index)", "resources"]).joined(separator: "/")
        var ops: [JSON] = [
            ["op": "test", "path": .string("/" + (base + ["containers", "\(index)", "name"]).joined(separator: "/")), "value": .string(r.container)],
            ["op": "test", "path": .string(path + "/limits/memory"), "value": .string(limitText)],
            ["op": "replace", "path": .string(path + "/limits/memory"), "value": .string(to)],
        ]
        var requestNote = ""
        if let requestText = resources[path: ["requests", "memory"]]?.stringValue, let request = try? MemoryStep.bytes(parsing: requestText) {
            let next = MemoryStep.request(current: request, fromLimit: r.fromLimit, toLimit: r.toLimit)
            if next != request {
                ops.append(["op": "test", "path": .string(path + "/requests/memory"), "value": .string(requestText)])
                ops.append(["op": "replace", "path": .string(path + "/requests/memory"), "value": .string(MemoryStep.quantity(bytes: next))])
                requestNote = ", request \(requestText) → \(MemoryStep.quantity(bytes: next))"
            }
        }
        do {
            _ = try await client.patch(
                descriptor, namespace: ns, name: r.name, subresource: r.target == .pod ? "resize" : nil, type: .json, body: JSON.array(ops).serialized(),
                options: WriteOptions(dryRun: c.dryRun))
        } catch {
            if r.target == .pod, error.statusCode == 404 {
                throw PermanentEffectFailure(
                    "the cluster does not resize pods in place: PATCH pods/resize of \(what) answered 404 (Kubernetes before 1.33 without the InPlacePodVerticalScaling feature gate)")
            }
            throw Self.classify(error, verb: "patch", resource: r.target == .pod ? "pods/resize" : descriptor.plural, group: descriptor.group, namespace: ns, name: r.name)
        }
        return Result(summary: "\(c.dryRun ? "would raise" : "raised") the memory limit of container \(r.container) of \(what) from \(from) to \(to) \(how)\(requestNote)\(dry)")
    }

    /// The in-place step without reading the pod first, from what the
    /// controller's cache saw: the JSON patch tests the pod's UID, the
    /// container's name at its index and its limit (and request) as seen.
    /// Nil when a test failed or the pod was not found: the caller reads
    /// the pod and decides again (done already, changed, gone).
    func raiseMemoryAsSeen(_ r: ActionSpec.RaiseMemory, _ seen: ActionSpec.RaiseMemory.Seen, _ c: Context) async throws -> Result? {
        let path = "/spec/containers/\(seen.index)"
        let to = MemoryStep.quantity(bytes: r.toLimit)
        var ops: [JSON] = [
            ["op": "test", "path": "/metadata/uid", "value": .string(r.uid)],
            ["op": "test", "path": .string(path + "/name"), "value": .string(r.container)],
            ["op": "test", "path": .string(path + "/resources/limits/memory"), "value": .string(seen.limitText)],
            ["op": "replace", "path": .string(path + "/resources/limits/memory"), "value": .string(to)],
        ]
        var requestNote = ""
        if let text = seen.requestText, let request = try? MemoryStep.bytes(parsing: text) {
            let next = MemoryStep.request(current: request, fromLimit: r.fromLimit, toLimit: r.toLimit)
            if next != request {
                ops.append(["op": "test", "path": .string(path + "/resources/requests/memory"), "value": .string(text)])
                ops.append(["op": "replace", "path": .string(path + "/resources/requests/memory"), "value": .string(MemoryStep.quantity(bytes: next))])
                requestNote = ", request \(text) → \(MemoryStep.quantity(bytes: next))"
            }
        }
        do {
            _ = try await client.patch(.pods, namespace: c.namespace, name: r.name, subresource: "resize", type: .json, body: JSON.array(ops).serialized(), options: WriteOptions(dryRun: c.dryRun))
        } catch {
            // A test that failed (422), or no such pod or subresource (404): read the pod and decide again.
            if error.statusCode == 422 || error.statusCode == 404 { return nil }
            throw Self.classify(error, verb: "patch", resource: "pods/resize", namespace: c.namespace, name: r.name)
        }
        let dry = c.dryRun ? " (dry run: sent with dryRun=All)" : ""
        return Result(
            summary: "\(c.dryRun ? "would raise" : "raised") the memory limit of container \(r.container) of pod \(c.namespace)/\(r.name) from \(MemoryStep.quantity(bytes: r.fromLimit)) to \(to) in place\(requestNote)\(dry)")
    }
}
