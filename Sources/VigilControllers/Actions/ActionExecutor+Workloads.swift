import Foundation
import Kube
import VigilAPI
import VigilJSON
import VigilRuntime

extension ActionExecutor {
    static func descriptor(_ kind: ActionSpec.WorkloadKind) -> ResourceDescriptor {
        switch kind {
        case .deployment: .deployments
        case .statefulSet: .statefulSets
        case .daemonSet: .daemonSets
        }
    }

    /// The annotation a restart stamps (besides kubectl's `restartedAt`) so a
    /// repeat under the same key is recognised and does not roll again.
    static let restartEffectAnnotation = "vigil.dev/restart-effect"

    /// A rollout restart as `kubectl rollout restart` does it: a new
    /// `kubectl.kubernetes.io/restartedAt` on the pod template.
    func restart(kind: ActionSpec.WorkloadKind, name: String, _ c: Context) async throws -> Result {
        let d = Self.descriptor(kind)
        let ns = c.namespace
        let current = try await getJSON(d, kind: kind.rawValue, verb: "restart", namespace: ns, name: name)
        let stamped = current[path: ["spec", "template", "metadata", "annotations", Self.restartEffectAnnotation]]?.stringValue
        if stamped == c.key.rawValue { return Result(summary: "\(kind.rawValue) \(ns)/\(name) was already restarted under this key") }
        let now = RFC3339Time(secondsSinceEpoch: wallClockAtZero + clock.now()).text
        let body: JSON = ["spec": ["template": ["metadata": ["annotations": [
            "kubectl.kubernetes.io/restartedAt": .string(now), "vigil.dev/restart-effect": .string(c.key.rawValue),
        ]]]]]
        do {
            _ = try await client.patch(d, namespace: ns, name: name, type: .strategic, body: body.serialized(), options: WriteOptions(dryRun: c.dryRun))
        } catch {
            throw Self.classify(error, verb: "patch", resource: d.plural, group: d.group, namespace: ns, name: name)
        }
        return Result(summary: "\(c.dryRun ? "would restart" : "restarted") \(kind.rawValue) \(ns)/\(name)\(c.dryRun ? " (dry run: sent with dryRun=All)" : "")")
    }

    /// The object as JSON; a missing one is a permanent failure of `verb`.
    func getJSON(_ d: ResourceDescriptor, kind: String, verb: String, namespace ns: String, name: String) async throws -> JSON {
        let body: [UInt8]
        do {
            body = try await client.send(.get(d, namespace: ns, name: name)).body
        } catch {
            if error.isNotFound { throw PermanentEffectFailure("cannot \(verb) \(kind) \(ns)/\(name): it does not exist") }
            throw Self.classify(error, verb: "get", resource: d.plural, group: d.group, namespace: ns, name: name)
        }
        return try JSON.parse(body)
    }

    /// Sets replicas, saving the count from before (for `vigil restore`) unless one is saved.
    func scale(kind: ActionSpec.WorkloadKind, name: String, replicas: Int64, _ c: Context) async throws -> Result {
        let d = Self.descriptor(kind)
        let ns = c.namespace
        let json = try await getJSON(d, kind: kind.rawValue, verb: "scale", namespace: ns, name: name)
        guard let workload = ScaleWorkload(json: json) else { throw PermanentEffectFailure("cannot scale \(kind.rawValue) \(ns)/\(name): it has no replicas to set") }
        guard let patch = ScaleDownPlanner.scale(workload, to: Int(replicas)) else {
            return Result(summary: "\(workload.subject) already has \(replicas) replicas")
        }
        try await Self.apply([patch], client, options: WriteOptions(dryRun: c.dryRun))
        return Result(summary: (c.dryRun ? "would " : "") + patch.description + (c.dryRun ? " (dry run: sent with dryRun=All)" : ""))
    }

    /// New resources for one container, in place (`pods/resize`): the limit
    /// is set; the request is left alone unless it is above the new limit,
    /// when it is lowered to it.
    func resize(pod: String, container: String, memory: String?, cpu: String?, _ c: Context) async throws -> Result {
        let ns = c.namespace
        let current: Pod
        do {
            current = try await client.get(Pod.self, namespace: ns, name: pod)
        } catch {
            if error.isNotFound { throw PermanentEffectFailure("cannot resize pod \(ns)/\(pod): it does not exist") }
            throw Self.classify(error, verb: "get", resource: "pods", namespace: ns, name: pod)
        }
        guard let spec = current.spec?.containers.first(where: { $0.name == container }) else {
            let names = current.spec?.containers.map(\.name).joined(separator: ", ") ?? ""
            throw PermanentEffectFailure("cannot resize pod \(ns)/\(pod): it has no container \(quoted(container)) (containers: \(names))")
        }
        var limits = JSONObject()
        var requests = JSONObject()
        for (resource, value) in [("memory", memory), ("cpu", cpu)] {
            guard let value else { continue }
            limits[resource] = .string(value)
            if let req = spec.resources?.requests?[resource], let r = Quantity.parse(req), let l = Quantity.parse(value), r > l {
                requests[resource] = .string(value)
            }
        }
        var resources = JSONObject()
        resources["limits"] = .object(limits)
        if !requests.isEmpty { resources["requests"] = .object(requests) }
        let body: JSON = ["spec": ["containers": [["name": .string(container), "resources": .object(resources)]]]]
        do {
            _ = try await client.patch(.pods, namespace: ns, name: pod, subresource: "resize", type: .strategic, body: body.serialized(), options: WriteOptions(dryRun: c.dryRun))
        } catch {
            throw Self.classify(error, verb: "patch", resource: "pods/resize", namespace: ns, name: pod)
        }
        let what = [memory.map { "memory \($0)" }, cpu.map { "cpu \($0)" }].compactMap { $0 }.joined(separator: " and ")
        return Result(summary: "\(c.dryRun ? "would resize" : "resized") container \(container) of pod \(ns)/\(pod) to \(what)\(c.dryRun ? " (dry run: sent with dryRun=All)" : "")")
    }

    /// The Deployments and StatefulSets of `namespace`.
    public static func workloads(_ client: KubeClient, namespace: String) async throws -> [ScaleWorkload] {
        var workloads: [ScaleWorkload] = []
        for descriptor in [ResourceDescriptor.deployments, .statefulSets] {
            for item in try await client.listAll(descriptor, namespace: namespace).items {
                if let w = ScaleWorkload(json: try JSON.parse(try KubeJSON.encode(item))) { workloads.append(w) }
            }
        }
        return workloads
    }

    /// Applies scale patches (each carries the resourceVersion it was planned
    /// from: a conflict throws, and the caller re-reads and plans again).
    public static func apply(_ patches: [WorkloadPatch], _ client: KubeClient, options: WriteOptions = WriteOptions()) async throws {
        for patch in patches {
            let descriptor: ResourceDescriptor = patch.kind == .deployment ? .deployments : .statefulSets
            do {
                _ = try await client.patch(descriptor, namespace: patch.namespace, name: patch.name, type: .merge, body: patch.body.serialized(), options: options)
            } catch {
                if error.isNotFound { continue }  // deleted meanwhile: nothing to scale
                throw classify(error, verb: "patch", resource: descriptor.plural, group: descriptor.group, namespace: patch.namespace, name: patch.name)
            }
        }
    }
}
