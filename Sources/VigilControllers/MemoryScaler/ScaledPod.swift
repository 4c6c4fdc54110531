import Foundation
import Kube
import VigilAPI
import VigilJSON

/// A pod as the MemoryScaler controller keeps it in its informer: only what
/// a step needs (who owns it, each container's memory and resources, OOM
/// kills, the in-place resize conditions), so a replica watching every pod
/// of its namespaces keeps a few hundred bytes per pod, not the whole object.
public struct ScaledPod: KubeResource, JSONTreeInitializable, Sendable, Equatable {
    public static let descriptor = ResourceDescriptor.pods

    /// One container of the spec, with what its status says about it.
    public struct Container: Sendable, Equatable {
        public var name: String
        /// Memory limit and request in the spec (what the pod asks for;
        /// after a resize, the new values before the kubelet applies them).
        public var limit: Int64?
        public var limitText: String?
        public var request: Int64?
        public var requestText: String?
        /// CPU request and limit (texts), for the QoS class.
        public var cpuRequest: String?
        public var cpuLimit: String?
        /// The memory limit the kubelet applied (`status.containerStatuses[].resources`); nil when not reported.
        public var appliedLimit: Int64?
        /// `resizePolicy` for memory says `RestartContainer`.
        public var restartsOnMemoryResize: Bool
        /// When the container's last run ended OOMKilled (`lastState.terminated`,
        /// or `state.terminated` for a container that does not restart).
        public var oomKilledAt: RFC3339Time?
        public var restartCount: Int64
    }

    /// A resize condition (`PodResizePending` or `PodResizeInProgress`).
    public struct ResizeCondition: Sendable, Equatable {
        public var reason: String
        public var message: String
        public var since: RFC3339Time?
    }

    public let metadata: ObjectMeta
    public var phase: String
    public var qosClass: String
    public var containers: [Container]
    /// `PodResizePending` (reason `Infeasible` or `Deferred`), when true.
    public var resizePending: ResizeCondition?
    /// `PodResizeInProgress`, when true.
    public var resizeInProgress: ResizeCondition?

    public var name: String { metadata.name ?? "" }
    public var namespace: String { metadata.namespace ?? "" }
    public var uid: String { metadata.uid ?? "" }
    public var labels: [String: String] { metadata.labels ?? [:] }
    public var annotations: [String: String] { metadata.annotations ?? [:] }
    /// The controller owner reference (a ReplicaSet, a StatefulSet, …).
    public var controller: OwnerReference? { metadata.ownerReferences?.first { $0.controller == true } }
    /// Running, not being deleted: a pod a step can still help.
    public var isLive: Bool { phase == "Running" && metadata.deletionTimestamp == nil }

    /// Whether `other` says the same to a MemoryScaler (the resourceVersion
    /// aside): a pod's status changes often in ways no step depends on.
    public func sameFacts(as other: ScaledPod) -> Bool {
        var a = metadata
        var b = other.metadata
        a.resourceVersion = nil
        b.resourceVersion = nil
        return a == b && phase == other.phase && containers == other.containers && resizePending == other.resizePending
            && resizeInProgress == other.resizeInProgress
    }

    public init(metadata: ObjectMeta, phase: String, qosClass: String, containers: [Container], resizePending: ResizeCondition? = nil, resizeInProgress: ResizeCondition? = nil) {
        self.metadata = metadata
        self.phase = phase
        self.qosClass = qosClass
        self.containers = containers
        self.resizePending = resizePending
        self.resizeInProgress = resizeInProgress
    }

    public init(tree: JSON) throws(KubeError) {
        metadata = try ObjectMeta(tree: tree["metadata"] ?? .object(JSONObject()))
        phase = tree[path: ["status", "phase"]]?.stringValue ?? ""
        qosClass = tree[path: ["status", "qosClass"]]?.stringValue ?? ""
        let statuses = tree[path: ["status", "containerStatuses"]]?.arrayValue ?? []
        containers = (tree[path: ["spec", "containers"]]?.arrayValue ?? []).map { c in
            let name = c["name"]?.stringValue ?? ""
            let status = statuses.first { $0["name"]?.stringValue == name }
            let limitText = c[path: ["resources", "limits", "memory"]]?.stringValue
            let requestText = c[path: ["resources", "requests", "memory"]]?.stringValue
            let policy = c["resizePolicy"]?.arrayValue?.first { $0["resourceName"]?.stringValue == "memory" }
            var oom: RFC3339Time?
            for state in ["lastState", "state"] {
                if let t = status?[path: [state, "terminated"]], t["reason"]?.stringValue == "OOMKilled",
                    let at = (t["finishedAt"]?.stringValue).flatMap(RFC3339Time.init) {
                    if oom.map({ at.secondsSinceEpoch > $0.secondsSinceEpoch }) ?? true { oom = at }
                }
            }
            return Container(
                name: name, limit: limitText.flatMap { try? MemoryStep.bytes(parsing: $0) }, limitText: limitText,
                request: requestText.flatMap { try? MemoryStep.bytes(parsing: $0) }, requestText: requestText,
                cpuRequest: c[path: ["resources", "requests", "cpu"]]?.stringValue, cpuLimit: c[path: ["resources", "limits", "cpu"]]?.stringValue,
                appliedLimit: (status?[path: ["resources", "limits", "memory"]]?.stringValue).flatMap { try? MemoryStep.bytes(parsing: $0) },
                restartsOnMemoryResize: policy?["restartPolicy"]?.stringValue == "RestartContainer",
                oomKilledAt: oom, restartCount: status?["restartCount"]?.intValue ?? 0)
        }
        func condition(_ type: String) -> ResizeCondition? {
            guard let c = tree[path: ["status", "conditions"]]?.arrayValue?.first(where: { $0["type"]?.stringValue == type }),
                c["status"]?.stringValue == "True" else { return nil }
            return ResizeCondition(
                reason: c["reason"]?.stringValue ?? "", message: c["message"]?.stringValue ?? "",
                since: (c["lastTransitionTime"]?.stringValue).flatMap(RFC3339Time.init))
        }
        resizePending = condition("PodResizePending")
        resizeInProgress = condition("PodResizeInProgress")
    }

    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        let tree = try JSON.parse(Array(try JSONEncoder().encode(value)))
        try self.init(tree: tree)
    }

    public func encode(to encoder: any Encoder) throws {
        throw EncodingError.invalidValue(self, .init(codingPath: [], debugDescription: "ScaledPod is read-only"))
    }
}
