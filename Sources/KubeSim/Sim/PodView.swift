/// What the simulated kubelet needs to know about a pod, read once from its
/// JSON: identity, restart policy, containers and the `sim.vigil.dev/*`
/// annotations.
struct PodView: Sendable {
    struct Container: Sendable {
        var name: String
        var image: String
        var resources: JSON
        var command: [String]
        var target: String?
    }

    var uid: String
    var name: String
    var namespace: String
    var restartPolicy: String
    var isJobPod: Bool
    var annotations: SimAnnotations
    var containers: [Container]
    var ephemeral: [Container]
    var nodeName: String
    var deletionTimestamp: String?
    var deletionGraceSeconds: Double?
    var phase: String

    init(pod: JSON) {
        let meta = pod["metadata"] ?? [:]
        let spec = pod["spec"] ?? [:]
        uid = meta["uid"]?.stringValue ?? ""
        name = meta["name"]?.stringValue ?? ""
        namespace = meta["namespace"]?.stringValue ?? ""
        restartPolicy = spec["restartPolicy"]?.stringValue ?? "Always"
        isJobPod = (meta["ownerReferences"]?.arrayValue ?? []).contains {
            $0["kind"]?.stringValue == "Job" && $0["controller"]?.boolValue == true
        } || meta[path: ["labels", "batch.kubernetes.io/job-name"]] != nil
        annotations = SimAnnotations(pod: pod)
        func read(_ c: JSON) -> Container {
            let cmd = (c["command"]?.arrayValue ?? []) + (c["args"]?.arrayValue ?? [])
            return Container(
                name: c["name"]?.stringValue ?? "", image: c["image"]?.stringValue ?? "",
                resources: c["resources"] ?? [:], command: cmd.compactMap(\.stringValue),
                target: c["targetContainerName"]?.stringValue)
        }
        containers = (spec["containers"]?.arrayValue ?? []).map(read)
        ephemeral = (spec["ephemeralContainers"]?.arrayValue ?? []).map(read)
        nodeName = spec["nodeName"]?.stringValue ?? ""
        deletionTimestamp = meta["deletionTimestamp"]?.stringValue
        deletionGraceSeconds = meta["deletionGracePeriodSeconds"]?.doubleValue
        phase = pod[path: ["status", "phase"]]?.stringValue ?? "Pending"
    }

    var key: String { "\(namespace)/\(name)" }
    var isTerminal: Bool { phase == "Succeeded" || phase == "Failed" }

    /// When and how a container of this pod exits on its own, counted from
    /// the start of each run: `succeed-after-seconds`, `fail-after-seconds`,
    /// or for Job pods `run-seconds` (default 1) with `exit-code` (default 0).
    var plannedExit: (seconds: Double, exitCode: Int)? {
        let a = annotations
        if let s = a.seconds("succeed-after-seconds") { return (max(0, s), a.int("exit-code") ?? 0) }
        if let s = a.seconds("fail-after-seconds") { return (max(0, s), a.int("exit-code") ?? 1) }
        if isJobPod { return (max(0, a.seconds("run-seconds", default: 1)), a.int("exit-code") ?? 0) }
        return nil
    }
}
