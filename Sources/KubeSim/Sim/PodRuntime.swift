/// The simulated kubelet's view of one pod it runs: when it was admitted,
/// its containers and ephemeral containers, an in-place resize in flight,
/// and a termination in progress. `advance(to:view:)` is a pure state
/// machine: it moves every container through its timed transitions and
/// returns what happened, so the kubelet can write status and events.
struct PodRuntime: Sendable {
    /// Something the kubelet reports as an Event on the pod.
    struct Happening: Sendable, Equatable {
        var reason: String
        var message: String
        var warning = false
        var fieldPath: String?
    }

    /// How long an in-place resize stays in progress.
    static let resizeSeconds = 0.2
    /// How long an ephemeral container takes to start.
    static let ephemeralStartSeconds = 0.2
    /// Shortest run before an OOM kill (a container over its limit from the start).
    static let minimumRunSeconds = 0.05
    /// Cap of the CrashLoopBackOff delay.
    static let maxBackoffSeconds = 30.0

    var uid: String
    var podIP: String
    var admittedAt: Double
    var startedAt: Double?
    var containers: [ContainerRuntime]
    var ephemeral: [EphemeralRuntime] = []
    var resizeStartedAt: Double?
    /// A resize the kubelet will not apply now: `PodResizePending` with reason `Infeasible` or `Deferred`.
    var resizeBlocked: (reason: String, message: String)?
    var killAt: Double?
    var killed = false
    /// Per condition type: (status, lastTransitionTime).
    var conditionTimes: [String: (Bool, Double)] = [:]

    init(view: PodView, podIP: String, now: Double) {
        uid = view.uid
        self.podIP = podIP
        admittedAt = now
        containers = view.containers.map { ContainerRuntime(name: $0.name, image: $0.image, resources: $0.resources, podUID: view.uid) }
    }

    /// Whether every container is terminated for good (no restart pending).
    var allTerminated: Bool {
        startedAt != nil && containers.allSatisfy {
            if case .terminated = $0.state { return true }
            return false
        }
    }

    /// Pending until the containers start; Succeeded/Failed when all have
    /// terminated for good; otherwise Running.
    var phase: String {
        guard startedAt != nil else { return "Pending" }
        if allTerminated {
            let ok = containers.allSatisfy {
                if case .terminated(let t) = $0.state { return t.exitCode == 0 }
                return false
            }
            return ok ? "Succeeded" : "Failed"
        }
        return "Running"
    }

    /// The node's memory, which no pod's requests may pass (`sim-node-1`'s 32Gi).
    static let nodeMemoryBytes = 32.0 * 1024 * 1024 * 1024

    /// Why the kubelet would not apply a pending resize now, as
    /// `PodResizePending` says it: `Infeasible` when the pod's memory
    /// requests pass the node's memory (or `sim.vigil.dev/resize:
    /// Infeasible`), `Deferred` with `sim.vigil.dev/resize: Deferred`; nil
    /// when it is applied.
    static func resizeVerdict(_ view: PodView) -> (reason: String, message: String)? {
        switch view.annotations.string("resize") {
        case "Infeasible"?: return ("Infeasible", "Node didn't have enough capacity: memory (sim.vigil.dev/resize: Infeasible)")
        case "Deferred"?: return ("Deferred", "Node didn't have enough resource: memory (sim.vigil.dev/resize: Deferred)")
        default: break
        }
        var requested = 0.0
        for c in view.containers {
            if let q = c.resources[path: ["requests", "memory"]]?.stringValue.flatMap(Quantity.parse) { requested += q }
        }
        if requested > nodeMemoryBytes {
            return ("Infeasible", "Node didn't have enough capacity: memory, requested: \(Int64(requested)), capacity: \(Int64(nodeMemoryBytes))")
        }
        return nil
    }

    /// Whether a spec change of resources is waiting to be applied.
    func resizePending(_ view: PodView) -> Bool {
        for c in view.containers {
            if let r = containers.first(where: { $0.name == c.name }), r.allocated != c.resources { return true }
        }
        return false
    }

    // MARK: - Transitions

    /// When and why the current run of container `i` ends, if it does.
    func plannedEnd(_ i: Int, view: PodView) -> (at: Double, exitCode: Int, reason: String)? {
        let c = containers[i]
        guard let since = c.runningSince else { return nil }
        var best: (Double, Int, String)? = nil
        if let plan = view.plannedExit {
            best = (since + plan.seconds, plan.exitCode, plan.exitCode == 0 ? "Completed" : "Error")
        }
        if let limit = c.memoryLimit, limit > 0,
            let dt = view.annotations.memoryProfile(container: c.name).secondsUntilExceeding(limit)
        {
            let t = since + max(Self.minimumRunSeconds, dt)
            if best == nil || t < best!.0 { best = (t, 137, "OOMKilled") }
        }
        return best
    }

    /// CrashLoopBackOff delay before restart number `restartCount + 1`.
    func backoff(restartCount: Int, base: Double) -> Double {
        guard restartCount > 0 else { return 0 }
        var d = base
        for _ in 1..<restartCount { d *= 2 }
        return min(Self.maxBackoffSeconds, d)
    }

    func restarts(after exitCode: Int, policy: String) -> Bool {
        switch policy {
        case "Always": return true
        case "OnFailure": return exitCode != 0
        default: return false
        }
    }

    /// Moves the pod forward to `now`. Returns the notable happenings.
    mutating func advance(to now: Double, view: PodView) -> [Happening] {
        var out: [Happening] = []
        if killAt != nil { return out }
        if startedAt == nil {
            guard now >= admittedAt + view.annotations.startSeconds else { return out }
            startedAt = now
            for i in containers.indices {
                containers[i].start(at: now, restart: false)
                out += startHappenings(containers[i], fieldPath: "spec.containers{\(containers[i].name)}")
            }
        }
        for i in containers.indices {
            var guardCount = 0
            while guardCount < 64 {
                guardCount += 1
                let c = containers[i]
                switch c.state {
                case .running:
                    guard let end = plannedEnd(i, view: view), end.at <= now else { break }
                    let cores = view.annotations.cpuCores(container: c.name)
                    containers[i].finish(at: end.at, exitCode: end.exitCode, reason: end.reason, cpuCores: cores)
                    if end.reason == "OOMKilled" {
                        let mib = Int((c.memoryLimit ?? 0) / 1_048_576)
                        out.append(Happening(reason: "OOMKilling", message: "Memory cgroup out of memory: Killed process \(1000 + c.restartCount) (\(c.name)) total-vm:\(mib * 1024)kB, container \(c.name) exceeded its memory limit of \(Quantity.formatBytes(c.memoryLimit ?? 0))", warning: true, fieldPath: "spec.containers{\(c.name)}"))
                    }
                    if restarts(after: end.exitCode, policy: view.restartPolicy) {
                        guard case .terminated(let t) = containers[i].state else { break }
                        containers[i].lastTermination = t
                        let delay = backoff(restartCount: containers[i].restartCount, base: view.annotations.restartBackoffSeconds)
                        if delay <= 0 {
                            containers[i].start(at: end.at, restart: true)
                            out += startHappenings(containers[i], fieldPath: "spec.containers{\(c.name)}")
                        } else {
                            let name = c.name
                            containers[i].state = .waiting(
                                reason: "CrashLoopBackOff",
                                message: "back-off \(Self.formatSeconds(delay)) restarting failed container=\(name) pod=\(view.name)_\(view.namespace)(\(view.uid))",
                                until: end.at + delay)
                            out.append(Happening(reason: "BackOff", message: "Back-off restarting failed container \(name) in pod \(view.name)_\(view.namespace)(\(view.uid))", warning: true, fieldPath: "spec.containers{\(name)}"))
                        }
                        continue
                    }
                case .waiting(_, _, let until):
                    if let until, until <= now {
                        containers[i].start(at: until, restart: true)
                        out += startHappenings(containers[i], fieldPath: "spec.containers{\(c.name)}")
                        continue
                    }
                case .terminated:
                    break
                }
                break
            }
        }
        // In-place resize.
        resizeBlocked = resizePending(view) ? Self.resizeVerdict(view) : nil
        if resizeBlocked != nil {
            resizeStartedAt = nil
        } else if resizePending(view) {
            if let s = resizeStartedAt {
                if now >= s + Self.resizeSeconds {
                    for c in view.containers {
                        if let i = containers.firstIndex(where: { $0.name == c.name }) { containers[i].allocated = c.resources }
                    }
                    resizeStartedAt = nil
                }
            } else {
                resizeStartedAt = now
            }
        } else {
            resizeStartedAt = nil
        }
        // Ephemeral containers.
        for e in view.ephemeral where !ephemeral.contains(where: { $0.name == e.name }) {
            ephemeral.append(EphemeralRuntime(name: e.name, image: e.image, target: e.target, command: e.command, createdAt: now, podUID: uid))
        }
        for i in ephemeral.indices {
            if ephemeral[i].startedAt == nil, now >= ephemeral[i].createdAt + Self.ephemeralStartSeconds {
                ephemeral[i].startedAt = now
                out += [
                    Happening(reason: "Pulled", message: "Container image \"\(ephemeral[i].image)\" already present on machine", fieldPath: "spec.ephemeralContainers{\(ephemeral[i].name)}"),
                    Happening(reason: "Created", message: "Created container: \(ephemeral[i].name)", fieldPath: "spec.ephemeralContainers{\(ephemeral[i].name)}"),
                    Happening(reason: "Started", message: "Started container \(ephemeral[i].name)", fieldPath: "spec.ephemeralContainers{\(ephemeral[i].name)}"),
                ]
            }
            if let s = ephemeral[i].startedAt, ephemeral[i].finishedAt == nil, now >= s + view.annotations.debugSeconds {
                ephemeral[i].finishedAt = now
            }
        }
        return out
    }

    func startHappenings(_ c: ContainerRuntime, fieldPath: String) -> [Happening] {
        [
            Happening(reason: "Pulled", message: "Container image \"\(c.image)\" already present on machine", fieldPath: fieldPath),
            Happening(reason: "Created", message: "Created container: \(c.name)", fieldPath: fieldPath),
            Happening(reason: "Started", message: "Started container \(c.name)", fieldPath: fieldPath),
        ]
    }

    /// The next time something changes on its own, if any.
    func nextDue(view: PodView) -> Double? {
        var best: Double? = nil
        func consider(_ t: Double?) {
            guard let t else { return }
            if best == nil || t < best! { best = t }
        }
        if let k = killAt, !killed { return k }
        if startedAt == nil { consider(admittedAt + view.annotations.startSeconds) }
        for i in containers.indices {
            switch containers[i].state {
            case .running: consider(plannedEnd(i, view: view)?.at)
            case .waiting(_, _, let until): consider(until)
            case .terminated: break
            }
        }
        if let s = resizeStartedAt { consider(s + Self.resizeSeconds) } else if resizePending(view) && Self.resizeVerdict(view) == nil { consider(0) }
        for e in ephemeral {
            if e.startedAt == nil { consider(e.createdAt + Self.ephemeralStartSeconds) }
            else if e.finishedAt == nil, let s = e.startedAt { consider(s + view.annotations.debugSeconds) }
        }
        return best
    }

    /// Stops every container at `time` (graceful deletion).
    mutating func stopAll(at time: Double, view: PodView) {
        for i in containers.indices {
            switch containers[i].state {
            case .running:
                containers[i].finish(at: time, exitCode: 0, reason: "Completed", cpuCores: view.annotations.cpuCores(container: containers[i].name))
            case .waiting:
                if let last = containers[i].lastTermination { containers[i].state = .terminated(last) }
                else { containers[i].state = .terminated(.init(exitCode: 0, reason: "Completed", startedAt: time, finishedAt: time, containerID: "")) }
            case .terminated:
                break
            }
        }
        if startedAt == nil { startedAt = time }
        for i in ephemeral.indices where ephemeral[i].finishedAt == nil {
            if ephemeral[i].startedAt == nil { ephemeral[i].startedAt = time }
            ephemeral[i].finishedAt = time
        }
        killed = true
    }

    static func formatSeconds(_ s: Double) -> String {
        if s >= 60 { return "\(Int(s) / 60)m\(Int(s) % 60)s" }
        if s == s.rounded() { return "\(Int(s))s" }
        return "\((s * 10).rounded() / 10)s"
    }
}
