/// `printPod`: READY, STATUS (the aggregate reason), RESTARTS with the time
/// of the last restart, AGE, and the wide IP, NODE, NOMINATED NODE and
/// READINESS GATES columns.
enum PodPrinter {
    static let printer = TablePrinter.Printer(
        columns: [
            TablePrinter.nameColumn,
            TablePrinter.col("Ready", "string", PrinterDescriptions.podReady),
            TablePrinter.col("Status", "string", PrinterDescriptions.podStatus),
            TablePrinter.col("Restarts", "string", PrinterDescriptions.podRestarts),
            TablePrinter.ageColumn,
            TablePrinter.col("IP", "string", PrinterDescriptions.podIP, priority: 1),
            TablePrinter.col("Node", "string", PrinterDescriptions.nodeName, priority: 1),
            TablePrinter.col("Nominated Node", "string", PrinterDescriptions.nominatedNodeName, priority: 1),
            TablePrinter.col("Readiness Gates", "string", PrinterDescriptions.readinessGates, priority: 1),
        ],
        row: { pod, now in row(pod, now: now) }
    )

    static let succeeded: JSON = .obj([
        "type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully.",
    ])
    static let failed: JSON = .obj([
        "type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed.",
    ])

    /// Finish time of a container's last termination, if it has one.
    private static func lastFinish(_ status: JSON) -> Double? {
        guard let t = status.pAt("lastState", "terminated") else { return nil }
        return t.pAt("finishedAt")?.stringValue.flatMap(Timestamp.parse)
    }

    static func row(_ pod: JSON, now: Double) -> TableRow {
        let spec = pod.pAt("spec") ?? .obj([:])
        let status = pod.pAt("status") ?? .obj([:])
        let initSpecs = spec.pArray("initContainers")
        let conditions = status.pArray("conditions")

        var restarts: Int64 = 0
        var sidecarRestarts: Int64 = 0
        var totalContainers = spec.pArray("containers").count
        var readyContainers = 0
        var lastRestart: Double? = nil
        var lastSidecarRestart: Double? = nil

        let phase = status.pString("phase")
        var reason = phase
        if !status.pString("reason").isEmpty { reason = status.pString("reason") }
        for c in conditions where c.pString("type") == "PodScheduled" && c.pString("reason") == "SchedulingGated" {
            reason = "SchedulingGated"
        }

        var rowConditions: [JSON] = []
        if phase == "Succeeded" { rowConditions = [succeeded] }
        if phase == "Failed" { rowConditions = [failed] }

        // Restartable ("sidecar") init containers count as containers.
        var sidecars = Set<String>()
        for c in initSpecs where c.pString("restartPolicy") == "Always" {
            sidecars.insert(c.pString("name"))
            totalContainers += 1
        }
        func later(_ a: Double?, _ b: Double?) -> Double? {
            guard let b else { return a }
            guard let a else { return b }
            return b > a ? b : a
        }

        var initializing = false
        for (i, c) in status.pArray("initContainerStatuses").enumerated() {
            restarts += c.pInt("restartCount")
            lastRestart = later(lastRestart, lastFinish(c))
            let isSidecar = sidecars.contains(c.pString("name"))
            if isSidecar {
                sidecarRestarts += c.pInt("restartCount")
                lastSidecarRestart = later(lastSidecarRestart, lastFinish(c))
            }
            let terminated = c.pAt("state", "terminated")
            let waitingReason = c.pString("state", "waiting", "reason")
            if let terminated, terminated.pInt("exitCode") == 0 {
                continue
            } else if isSidecar && c.pAt("started")?.boolValue == true {
                if c.pAt("ready")?.boolValue == true { readyContainers += 1 }
                continue
            } else if let terminated {
                let r = terminated.pString("reason")
                if r.isEmpty {
                    let signal = terminated.pInt("signal")
                    reason = signal != 0 ? "Init:Signal:\(signal)" : "Init:ExitCode:\(terminated.pInt("exitCode"))"
                } else {
                    reason = "Init:" + r
                }
            } else if !waitingReason.isEmpty && waitingReason != "PodInitializing" {
                reason = "Init:" + waitingReason
            } else {
                reason = "Init:\(i)/\(initSpecs.count)"
            }
            initializing = true
            break
        }

        let initialized = conditions.contains { $0.pString("type") == "Initialized" && $0.pString("status") == "True" }
        if !initializing || initialized {
            restarts = sidecarRestarts
            lastRestart = lastSidecarRestart
            var hasRunning = false
            for c in status.pArray("containerStatuses").reversed() {
                restarts += c.pInt("restartCount")
                lastRestart = later(lastRestart, lastFinish(c))
                let waitingReason = c.pString("state", "waiting", "reason")
                let terminated = c.pAt("state", "terminated")
                if !waitingReason.isEmpty {
                    reason = waitingReason
                } else if let terminated, !terminated.pString("reason").isEmpty {
                    reason = terminated.pString("reason")
                } else if let terminated {
                    let signal = terminated.pInt("signal")
                    reason = signal != 0 ? "Signal:\(signal)" : "ExitCode:\(terminated.pInt("exitCode"))"
                } else if c.pAt("ready")?.boolValue == true && c.pHas("state", "running") {
                    hasRunning = true
                    readyContainers += 1
                }
            }
            if reason == "Completed" && hasRunning {
                let ready = conditions.contains { $0.pString("type") == "Ready" && $0.pString("status") == "True" }
                reason = ready ? "Running" : "NotReady"
            }
        }

        if pod.pHas("metadata", "deletionTimestamp") {
            if status.pString("reason") == "NodeLost" {
                reason = "Unknown"
            } else if phase != "Succeeded" && phase != "Failed" {
                reason = "Terminating"
            }
        }

        var restartsText = String(restarts)
        if restarts != 0, let lastRestart, lastRestart != HumanDuration.zeroTime {
            restartsText = "\(restarts) (\(HumanDuration.format(seconds: now - lastRestart)) ago)"
        }

        var podIP = status.pString("podIP")
        if podIP.isEmpty { podIP = status.pArray("podIPs").first?.pString("ip") ?? "" }
        let nodeName = spec.pString("nodeName")
        let nominated = status.pString("nominatedNodeName")

        var readinessGates = "<none>"
        let gates = spec.pArray("readinessGates")
        if !gates.isEmpty {
            var trueConditions = 0
            for gate in gates {
                let type = gate.pString("conditionType")
                if let c = conditions.first(where: { $0.pString("type") == type }), c.pString("status") == "True" {
                    trueConditions += 1
                }
            }
            readinessGates = "\(trueConditions)/\(gates.count)"
        }

        return TableRow(
            cells: [
                TablePrinter.name(pod), .string("\(readyContainers)/\(totalContainers)"), .string(reason),
                .string(restartsText), TablePrinter.age(pod, now),
                .string(podIP.isEmpty ? "<none>" : podIP), .string(nodeName.isEmpty ? "<none>" : nodeName),
                .string(nominated.isEmpty ? "<none>" : nominated), .string(readinessGates),
            ],
            conditions: rowConditions
        )
    }
}
