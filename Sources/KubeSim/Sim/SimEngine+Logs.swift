extension SimEngine {
    /// `kubectl logs`: the output of the current (or, with `previous`, the
    /// last terminated) run of a container, or the kubelet's error.
    func logs(namespace: String, pod: JSON, container: String, previous: Bool) throws(APIError) -> String {
        let view = PodView(pod: pod)
        let podName = view.name
        let waiting = APIError.badRequest("container \"\(container)\" in pod \"\(podName)\" is waiting to start: ContainerCreating")
        let noPrevious = APIError.badRequest("previous terminated container \"\(container)\" in pod \"\(podName)\" not found")
        guard let run = runtimes["\(namespace)/\(podName)"], run.uid == view.uid else {
            throw previous ? noPrevious : waiting
        }
        let now = clock()
        if let e = run.ephemeral.first(where: { $0.name == container }) {
            if previous { throw noPrevious }
            guard let started = e.startedAt else { throw waiting }
            let target = run.containers.first { $0.name == (e.target ?? "") } ?? run.containers.first
            return ContainerLogs.ephemeral(view: view, command: e.command, target: e.target ?? target?.name, now: now, startedAt: started,
                                           targetStartedAt: target?.runningSince ?? run.startedAt)
        }
        guard let c = run.containers.first(where: { $0.name == container }) else { throw waiting }
        if previous {
            guard c.restartCount > 0 || isWaitingAfterRun(c), let last = c.lastTermination else { throw noPrevious }
            let runIndex = c.isRunning ? c.restartCount - 1 : c.restartCount
            return ContainerLogs.regular(view: view, container: c.name, image: c.image, run: max(0, runIndex), startedAt: last.startedAt,
                                         finishedAt: last.finishedAt, exit: (last.exitCode, last.reason))
        }
        switch c.state {
        case .running(let since):
            return ContainerLogs.regular(view: view, container: c.name, image: c.image, run: c.restartCount, startedAt: since, finishedAt: nil, exit: nil)
        case .terminated(let t):
            return ContainerLogs.regular(view: view, container: c.name, image: c.image, run: c.restartCount, startedAt: t.startedAt,
                                         finishedAt: t.finishedAt, exit: (t.exitCode, t.reason))
        case .waiting:
            // Back-off between runs: the last run's output is what there is.
            guard let last = c.lastTermination else { throw waiting }
            return ContainerLogs.regular(view: view, container: c.name, image: c.image, run: c.restartCount, startedAt: last.startedAt,
                                         finishedAt: last.finishedAt, exit: (last.exitCode, last.reason))
        }
    }

    func isWaitingAfterRun(_ c: ContainerRuntime) -> Bool {
        if case .waiting = c.state, c.lastTermination != nil { return true }
        return false
    }

    /// Whether a container is done for good (ends `logs -f`).
    func isTerminated(namespace: String, pod: JSON, container: String) -> Bool {
        let view = PodView(pod: pod)
        guard let run = runtimes["\(namespace)/\(view.name)"], run.uid == view.uid else { return view.isTerminal }
        if let e = run.ephemeral.first(where: { $0.name == container }) { return e.finishedAt != nil }
        guard let c = run.containers.first(where: { $0.name == container }) else { return true }
        if case .terminated = c.state { return true }
        return false
    }

    /// cAdvisor-style samples of every running container.
    func metrics() -> String {
        let now = clock()
        var samples: [CadvisorText.Sample] = []
        for (k, run) in runtimes.sorted(by: { $0.key < $1.key }) {
            guard let pod = cache["pods"]?[k]?.object else { continue }
            let view = PodView(pod: pod)
            let qos = pod[path: ["status", "qosClass"]]?.stringValue ?? "BestEffort"
            for c in run.containers {
                guard let since = c.runningSince else { continue }
                let mem = view.annotations.memoryProfile(container: c.name).bytes(at: now - since)
                let limit = c.memoryLimit ?? 0
                samples.append(.init(
                    namespace: view.namespace, pod: view.name, podUID: view.uid, container: c.name, containerID: c.containerID,
                    image: SimIDs.normalizedImage(c.image), qosClass: qos, workingSetBytes: limit > 0 ? min(mem, limit) : mem,
                    memoryLimitBytes: limit, cpuSeconds: c.cpuSeconds(now: now, cores: view.annotations.cpuCores(container: c.name))))
            }
        }
        return CadvisorText(samples: samples, timestampMillis: Int64(now * 1000)).render()
    }
}
