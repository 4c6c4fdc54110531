import VigilJSON

extension Pod: JSONTreeInitializable {
    public init(tree: JSON) throws(KubeError) {
        let o = try Tree.object(tree, "Pod")
        apiVersion = try Tree.string(o, "apiVersion", "Pod")
        kind = try Tree.string(o, "kind", "Pod")
        guard let m = o["metadata"] else { throw .decoding("Pod: metadata is required") }
        metadata = try ObjectMeta(tree: m)
        spec = try Tree.nested(o, "spec") { (v: JSON) throws(KubeError) in try Spec(tree: v) }
        status = try Tree.nested(o, "status") { (v: JSON) throws(KubeError) in try Status(tree: v) }
    }
}

extension Pod.Resources {
    init(tree: JSON) throws(KubeError) {
        let o = try Tree.object(tree, "resources")
        self.init(requests: try Self.quantities(o, "requests"), limits: try Self.quantities(o, "limits"))
    }

    /// Quantities are strings on the wire, but a client may have sent a number.
    static func quantities(_ o: JSONObject, _ key: String) throws(KubeError) -> [String: String]? {
        guard case .object(let m)? = o[key] else { return try Tree.stringMap(o, key, "resources") }
        var out: [String: String] = [:]
        for (k, v) in m {
            switch v {
            case .string(let s): out[k] = s
            case .int(let i): out[k] = String(i)
            default: throw .decoding("resources.\(key).\(k): expected a quantity, found \(v.typeName)")
            }
        }
        return out
    }
}

extension Pod.Container {
    init(tree: JSON) throws(KubeError) {
        let o = try Tree.object(tree, "container")
        guard let name = try Tree.string(o, "name", "container") else { throw .decoding("container: name is required") }
        self.init(name: name, image: try Tree.string(o, "image", "container"), command: try Tree.strings(o, "command", "container"),
            args: try Tree.strings(o, "args", "container"))
        resources = try Tree.nested(o, "resources") { (v: JSON) throws(KubeError) in try Pod.Resources(tree: v) }
        targetContainerName = try Tree.string(o, "targetContainerName", "container")
    }
}

extension Pod.Spec {
    init(tree: JSON) throws(KubeError) {
        let o = try Tree.object(tree, "spec")
        let make = { (v: JSON) throws(KubeError) in try Pod.Container(tree: v) }
        containers = try Tree.objects(o, "containers", "spec", make) ?? []
        initContainers = try Tree.objects(o, "initContainers", "spec", make)
        ephemeralContainers = try Tree.objects(o, "ephemeralContainers", "spec", make)
        nodeName = try Tree.string(o, "nodeName", "spec")
        restartPolicy = try Tree.string(o, "restartPolicy", "spec")
        serviceAccountName = try Tree.string(o, "serviceAccountName", "spec")
    }
}

extension Pod.ContainerState.Detail {
    init(tree: JSON) throws(KubeError) {
        let o = try Tree.object(tree, "state")
        startedAt = try Tree.string(o, "startedAt", "state")
        finishedAt = try Tree.string(o, "finishedAt", "state")
        reason = try Tree.string(o, "reason", "state")
        message = try Tree.string(o, "message", "state")
        exitCode = try Tree.int(o, "exitCode", "state").map { Int($0) }
    }
}

extension Pod.ContainerState {
    init(tree: JSON) throws(KubeError) {
        let o = try Tree.object(tree, "state")
        let make = { (v: JSON) throws(KubeError) in try Detail(tree: v) }
        running = try Tree.nested(o, "running", make)
        waiting = try Tree.nested(o, "waiting", make)
        terminated = try Tree.nested(o, "terminated", make)
    }
}

extension Pod.ContainerStatus {
    init(tree: JSON) throws(KubeError) {
        let o = try Tree.object(tree, "containerStatus")
        guard let name = try Tree.string(o, "name", "containerStatus") else { throw .decoding("containerStatus: name is required") }
        self.name = name
        ready = try Tree.bool(o, "ready", "containerStatus")
        restartCount = try Tree.int(o, "restartCount", "containerStatus").map { Int($0) }
        let make = { (v: JSON) throws(KubeError) in try Pod.ContainerState(tree: v) }
        state = try Tree.nested(o, "state", make)
        lastState = try Tree.nested(o, "lastState", make)
        resources = try Tree.nested(o, "resources") { (v: JSON) throws(KubeError) in try Pod.Resources(tree: v) }
        containerID = try Tree.string(o, "containerID", "containerStatus")
    }
}

extension Pod.Condition {
    init(tree: JSON) throws(KubeError) {
        let o = try Tree.object(tree, "condition")
        guard let type = try Tree.string(o, "type", "condition"), let status = try Tree.string(o, "status", "condition") else {
            throw .decoding("condition: type and status are required")
        }
        self.type = type
        self.status = status
        reason = try Tree.string(o, "reason", "condition")
        message = try Tree.string(o, "message", "condition")
        lastTransitionTime = try Tree.string(o, "lastTransitionTime", "condition")
    }
}

extension Pod.Status {
    init(tree: JSON) throws(KubeError) {
        let o = try Tree.object(tree, "status")
        phase = try Tree.string(o, "phase", "status")
        reason = try Tree.string(o, "reason", "status")
        podIP = try Tree.string(o, "podIP", "status")
        qosClass = try Tree.string(o, "qosClass", "status")
        startTime = try Tree.string(o, "startTime", "status")
        conditions = try Tree.objects(o, "conditions", "status") { (v: JSON) throws(KubeError) in try Pod.Condition(tree: v) }
        let make = { (v: JSON) throws(KubeError) in try Pod.ContainerStatus(tree: v) }
        containerStatuses = try Tree.objects(o, "containerStatuses", "status", make)
        ephemeralContainerStatuses = try Tree.objects(o, "ephemeralContainerStatuses", "status", make)
    }
}
