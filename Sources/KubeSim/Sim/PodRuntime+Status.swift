extension PodRuntime {
    /// The node's internal IP, reported as every pod's hostIP.
    static let hostIP = "192.168.49.2"

    /// The pod status the kubelet reports now. Keeps fields it does not own
    /// (qosClass, nominatedNodeName, …) from `current`.
    mutating func status(view: PodView, current: JSON, now: Double) -> JSON {
        var st = current
        let phase = self.phase
        st["phase"] = .string(phase)
        let started = startedAt != nil
        let names = containers.map(\.name)
        let unready = containers.filter { !$0.isRunning }.map(\.name)
        let containersReady = started && unready.isEmpty && phase == "Running"
        let terminal = phase == "Succeeded" || phase == "Failed"

        var conds: [JSON] = []
        func cond(_ type: String, _ ok: Bool, reason: String? = nil, message: String? = nil) {
            let t: Double
            if let ct = conditionTimes[type], ct.0 == ok { t = ct.1 } else {
                t = now
                conditionTimes[type] = (ok, now)
            }
            var c: JSON = ["type": .string(type), "status": ok ? "True" : "False", "lastProbeTime": nil,
                           "lastTransitionTime": .string(Timestamp.format(t))]
            if let reason { c["reason"] = .string(reason) }
            if let message { c["message"] = .string(message) }
            conds.append(c)
        }
        if let blocked = resizeBlocked {
            cond("PodResizePending", true, reason: blocked.reason, message: blocked.message)
        } else {
            conditionTimes["PodResizePending"] = nil
        }
        if resizeStartedAt != nil { cond("PodResizeInProgress", true) } else { conditionTimes["PodResizeInProgress"] = nil }
        cond("PodReadyToStartContainers", started && !terminal)
        cond("Initialized", true)
        if containersReady {
            cond("Ready", true)
            cond("ContainersReady", true)
        } else if terminal {
            cond("Ready", false, reason: "PodCompleted")
            cond("ContainersReady", false, reason: "PodCompleted")
        } else {
            let msg = "containers with unready status: [\((unready.isEmpty ? names : unready).joined(separator: " "))]"
            cond("Ready", false, reason: "ContainersNotReady", message: msg)
            cond("ContainersReady", false, reason: "ContainersNotReady", message: msg)
        }
        cond("PodScheduled", true)
        st["conditions"] = .array(conds)
        st["hostIP"] = .string(Self.hostIP)
        st["hostIPs"] = [["ip": .string(Self.hostIP)]]
        if started {
            st["podIP"] = .string(podIP)
            st["podIPs"] = [["ip": .string(podIP)]]
        }
        st["startTime"] = .string(Timestamp.format(admittedAt))
        st["containerStatuses"] = .array(containers.map { containerStatus($0, view: view) })
        if !ephemeral.isEmpty {
            st["ephemeralContainerStatuses"] = .array(ephemeral.map(ephemeralStatus))
        }
        return st
    }

    func containerStatus(_ c: ContainerRuntime, view: PodView) -> JSON {
        var s: JSON = ["name": .string(c.name)]
        s["state"] = stateJSON(c.state)
        if let last = c.lastTermination, c.restartCount > 0 || !(c.state == .terminated(last)) {
            s["lastState"] = ["terminated": terminatedJSON(last)]
        } else {
            s["lastState"] = [:]
        }
        s["ready"] = .bool(c.isRunning && phase == "Running")
        s["restartCount"] = .int(Int64(c.restartCount))
        s["image"] = .string(SimIDs.normalizedImage(c.image))
        s["imageID"] = startedAt == nil ? "" : .string(SimIDs.imageID(c.image))
        if !c.containerID.isEmpty { s["containerID"] = .string(c.containerID) }
        s["started"] = .bool(c.isRunning)
        if let req = c.allocated["requests"], req.objectValue?.isEmpty == false { s["allocatedResources"] = req }
        if c.allocated.objectValue?.isEmpty == false { s["resources"] = c.allocated }
        return s
    }

    func stateJSON(_ st: ContainerRuntime.State) -> JSON {
        switch st {
        case .waiting(let reason, let message, _):
            var w: JSON = ["reason": .string(reason)]
            if let message { w["message"] = .string(message) }
            return ["waiting": w]
        case .running(let since):
            return ["running": ["startedAt": .string(Timestamp.format(since))]]
        case .terminated(let t):
            return ["terminated": terminatedJSON(t)]
        }
    }

    func terminatedJSON(_ t: ContainerRuntime.Termination) -> JSON {
        var j: JSON = ["exitCode": .int(Int64(t.exitCode)), "reason": .string(t.reason),
                       "startedAt": .string(Timestamp.format(t.startedAt)), "finishedAt": .string(Timestamp.format(t.finishedAt))]
        if !t.containerID.isEmpty { j["containerID"] = .string(t.containerID) }
        return j
    }

    func ephemeralStatus(_ e: EphemeralRuntime) -> JSON {
        var s: JSON = ["name": .string(e.name)]
        let running = e.startedAt != nil && e.finishedAt == nil
        if let f = e.finishedAt, let st = e.startedAt {
            s["state"] = ["terminated": ["exitCode": 0, "reason": "Completed", "startedAt": .string(Timestamp.format(st)),
                                         "finishedAt": .string(Timestamp.format(f)), "containerID": .string(e.containerID)]]
        } else if let st = e.startedAt {
            s["state"] = ["running": ["startedAt": .string(Timestamp.format(st))]]
        } else {
            s["state"] = ["waiting": ["reason": "ContainerCreating"]]
        }
        s["lastState"] = [:]
        s["ready"] = false
        s["restartCount"] = 0
        s["image"] = .string(SimIDs.normalizedImage(e.image))
        s["imageID"] = e.startedAt == nil ? "" : .string(SimIDs.imageID(e.image))
        if e.startedAt != nil { s["containerID"] = .string(e.containerID) }
        s["started"] = .bool(running)
        return s
    }
}
