import Kube
import VigilAPI
import VigilJSON
import VigilRuntime

extension ActionExecutor {
    /// One MemoryScaler step (`raiseMemory`): raises the container's memory
    /// limit from `fromLimit` to `toLimit` (the request in proportion) with a
    /// JSON patch whose `test` operations make it a compare-and-set: a limit
    /// someone else changed since the step was decided is not touched. A pod
    /// is resized in place (`pods/resize`); a Deployment or StatefulSet gets
    /// a new pod template, which its rollout carries to the pods (every other
    /// field of the template is kept).
    ///
    /// A pod step the controller's cache saw (`seen`) is sent without reading
    /// the pod first; when a test fails (or the pod is not found) the pod is
    /// read and the step decided again, as every other step is.
    ///
    /// Idempotent under its key: a limit that is already `toLimit` (a replica
    /// that died after the write) is a success without a write.
    func raiseMemory(_ r: ActionSpec.RaiseMemory, _ c: Context) async throws -> Result {
        if r.target == .pod, let seen = r.seen {
            do {
                return try await sendMemoryPatch(r, seen, base: ["spec"], testUID: true, c)
            } catch let error as KubeError where error.statusCode == 422 || error.statusCode == 404 {
                // A test failed, or no such pod or subresource: read it and decide again.
            } catch let error as KubeError {
                throw Self.classify(error, verb: "patch", resource: "pods/resize", namespace: c.namespace, name: r.name)
            }
        }
        let ns = c.namespace
        let (descriptor, base, what) = Self.memoryTarget(r, namespace: ns)
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
        let from = MemoryStep.quantity(bytes: r.fromLimit)
        guard let limitText = resources[path: ["limits", "memory"]]?.stringValue, let limit = try? MemoryStep.bytes(parsing: limitText) else {
            throw PermanentEffectFailure("cannot raise the memory of container \(r.container) of \(what): it has no memory limit now (the step was decided for \(from))")
        }
        if limit == r.toLimit { return Result(summary: "the memory limit of container \(r.container) of \(what) is already \(MemoryStep.quantity(bytes: r.toLimit))") }
        guard limit == r.fromLimit else {
            throw PermanentEffectFailure(
                "not raising the memory of container \(r.container) of \(what): its limit is \(limitText) now, not the \(from) the step was decided on (something else changed it)")
        }
        let seen = ActionSpec.RaiseMemory.Seen(index: index, limitText: limitText, requestText: resources[path: ["requests", "memory"]]?.stringValue)
        do {
            return try await sendMemoryPatch(r, seen, base: base, testUID: false, c)
        } catch let error as KubeError {
            if r.target == .pod, error.statusCode == 404 {
                throw PermanentEffectFailure(
                    "the cluster does not resize pods in place: PATCH pods/resize of \(what) answered 404 (Kubernetes before 1.33 without the InPlacePodVerticalScaling feature gate)")
            }
            throw Self.classify(error, verb: "patch", resource: r.target == .pod ? "pods/resize" : descriptor.plural, group: descriptor.group, namespace: ns, name: r.name)
        }
    }

    /// The resource, the path of its containers and a name for messages.
    static func memoryTarget(_ r: ActionSpec.RaiseMemory, namespace ns: String) -> (ResourceDescriptor, [String], String) {
        switch r.target {
        case .pod: (.pods, ["spec"], "pod \(ns)/\(r.name)")
        case .deployment: (.deployments, ["spec", "template", "spec"], "Deployment \(ns)/\(r.name)")
        case .statefulSet: (.statefulSets, ["spec", "template", "spec"], "StatefulSet \(ns)/\(r.name)")
        }
    }

    /// Sends the step's compare-and-set JSON patch for the container as
    /// `seen`: tests (the UID with `testUID`), the container's name at its
    /// index and its limit and request as seen, then replaces them. Throws
    /// the API's error as it came.
    func sendMemoryPatch(_ r: ActionSpec.RaiseMemory, _ seen: ActionSpec.RaiseMemory.Seen, base: [String], testUID: Bool, _ c: Context) async throws -> Result {
        let (descriptor, _, what) = Self.memoryTarget(r, namespace: c.namespace)
        let container = "/" + (base + ["containers", "\(seen.index)"]).joined(separator: "/")
        let to = MemoryStep.quantity(bytes: r.toLimit)
        var ops: [JSON] = testUID ? [["op": "test", "path": "/metadata/uid", "value": .string(r.uid)]] : []
        ops += [
            ["op": "test", "path": .string(container + "/name"), "value": .string(r.container)],
            ["op": "test", "path": .string(container + "/resources/limits/memory"), "value": .string(seen.limitText)],
            ["op": "replace", "path": .string(container + "/resources/limits/memory"), "value": .string(to)],
        ]
        var requestNote = ""
        if let text = seen.requestText, let request = try? MemoryStep.bytes(parsing: text) {
            let next = MemoryStep.request(current: request, fromLimit: r.fromLimit, toLimit: r.toLimit)
            if next != request {
                ops.append(["op": "test", "path": .string(container + "/resources/requests/memory"), "value": .string(text)])
                ops.append(["op": "replace", "path": .string(container + "/resources/requests/memory"), "value": .string(MemoryStep.quantity(bytes: next))])
                requestNote = ", request \(text) → \(MemoryStep.quantity(bytes: next))"
            }
        }
        _ = try await client.patch(
            descriptor, namespace: c.namespace, name: r.name, subresource: r.target == .pod ? "resize" : nil, type: .json, body: JSON.array(ops).serialized(),
            options: WriteOptions(dryRun: c.dryRun))
        let how = r.target == .pod ? "in place" : "in its pod template"
        let dry = c.dryRun ? " (dry run: sent with dryRun=All)" : ""
        return Result(
            summary: "\(c.dryRun ? "would raise" : "raised") the memory limit of container \(r.container) of \(what) from \(MemoryStep.quantity(bytes: r.fromLimit)) to \(to) \(how)\(requestNote)\(dry)")
    }
}
