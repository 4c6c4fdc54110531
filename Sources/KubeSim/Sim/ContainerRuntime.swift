/// One regular container as the simulated kubelet runs it: its current
/// state, restart count, last termination, and the resources applied to it
/// (which follow `pods/resize`).
struct ContainerRuntime: Sendable {
    /// How one run of a container ended.
    struct Termination: Sendable, Equatable {
        var exitCode: Int
        var reason: String
        var startedAt: Double
        var finishedAt: Double
        var containerID: String
    }

    enum State: Sendable, Equatable {
        case waiting(reason: String, message: String?, until: Double?)
        case running(since: Double)
        case terminated(Termination)
    }

    var name: String
    var image: String
    var restartCount = 0
    var state: State = .waiting(reason: "ContainerCreating", message: nil, until: nil)
    var lastTermination: Termination?
    /// CPU seconds used by finished runs.
    var cpuSecondsBefore: Double = 0
    /// The resources the runtime applied (spec resources once resized).
    var allocated: JSON
    var containerID = ""
    var podUID: String

    init(name: String, image: String, resources: JSON, podUID: String) {
        self.name = name
        self.image = image
        self.allocated = resources
        self.podUID = podUID
    }

    var isRunning: Bool {
        if case .running = state { return true }
        return false
    }

    var runningSince: Double? {
        if case .running(let s) = state { return s }
        return nil
    }

    /// The memory limit in bytes, or nil without one.
    var memoryLimit: Double? {
        allocated[path: ["limits", "memory"]].flatMap { q in Quantity.parse(q.stringValue ?? q.intValue.map { String($0) } ?? "") }
    }

    /// Starts a new run at `time` (the first run keeps restartCount 0).
    mutating func start(at time: Double, restart: Bool) {
        if restart { restartCount += 1 }
        containerID = SimIDs.containerID(podUID: podUID, container: name, run: restartCount)
        state = .running(since: time)
    }

    /// Ends the current run.
    mutating func finish(at time: Double, exitCode: Int, reason: String, cpuCores: Double) {
        guard case .running(let since) = state else { return }
        let t = Termination(exitCode: exitCode, reason: reason, startedAt: since, finishedAt: time, containerID: containerID)
        cpuSecondsBefore += max(0, time - since) * cpuCores
        state = .terminated(t)
    }

    /// CPU seconds used up to `now`.
    func cpuSeconds(now: Double, cores: Double) -> Double {
        cpuSecondsBefore + (runningSince.map { max(0, now - $0) * cores } ?? 0)
    }
}
