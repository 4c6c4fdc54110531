import Kube
import VigilJSON
import VigilRuntime

extension ActionExecutor {
    /// The name of the debug container or Job an effect creates: fixed by
    /// the key, so a repeated attempt finds the one already made.
    static func createdName(_ prefix: String, key: EffectKey, limit: Int = 63) -> String {
        let suffix = "-" + key.rawValue.prefix(10)
        var p = String(prefix.prefix(limit - suffix.count))
        while p.last == "-" || p.last == "." { p.removeLast() }
        return p + suffix
    }

    /// Adds an ephemeral container (as `kubectl debug --target` does); with
    /// `capture`, waits for it to exit and stores its log.
    func debug(
        pod: String, target: String?, image: String, command: [String], args: [String], capture: Bool, timeout: Double, _ c: Context
    ) async throws -> Result {
        let ns = c.namespace
        let name = Self.createdName("vigil-debug", key: c.key)
        var current = try await getPod(ns, pod, verb: "debug")
        if current.spec?.ephemeralContainers?.contains(where: { $0.name == name }) != true {
            var container = JSONObject()
            container["name"] = .string(name)
            container["image"] = .string(image)
            if !command.isEmpty { container["command"] = .array(command.map { .string($0) }) }
            if !args.isEmpty { container["args"] = .array(args.map { .string($0) }) }
            if let target { container["targetContainerName"] = .string(target) }
            container["terminationMessagePolicy"] = "File"
            container["imagePullPolicy"] = "IfNotPresent"
            let body: JSON = ["spec": ["ephemeralContainers": [.object(container)]]]
            do {
                _ = try await client.patch(.pods, namespace: ns, name: pod, subresource: "ephemeralcontainers", type: .strategic, body: body.serialized(), options: WriteOptions(dryRun: c.dryRun))
            } catch {
                if error.isNotFound { throw PermanentEffectFailure("cannot debug pod \(ns)/\(pod): it does not exist") }
                throw Self.classify(error, verb: "patch", resource: "pods/ephemeralcontainers", namespace: ns, name: pod)
            }
        }
        let what = "debug container \(name) (\(image)) in pod \(ns)/\(pod)" + (target.map { " targeting \($0)" } ?? "")
        if c.dryRun { return Result(summary: "would add \(what) (dry run: sent with dryRun=All)") }
        guard capture else { return Result(summary: "added \(what)") }
        let deadline = clock.now() + timeout
        while true {
            let status = current.status?.ephemeralContainerStatuses?.first { $0.name == name }
            if let done = status?.state?.terminated {
                let log: String
                do { log = try await client.logs(namespace: ns, pod: pod, container: name) } catch {
                    throw Self.classify(error, verb: "get", resource: "pods/log", namespace: ns, name: pod)
                }
                let output = try await outputs.save(log, action: "debug", source: "pod \(pod) container \(name)", owner: c.subject, key: c.key, dryRun: false)
                let exit = done.exitCode.map { " (exit code \($0))" } ?? ""
                return Result(summary: "added \(what); it finished\(exit), \(output.bytes) bytes of output in ConfigMap \(output.configMap)", output: output)
            }
            if clock.now() >= deadline {
                throw ActionFailure("\(what) did not finish within \(Int(timeout)) s; its output was not captured")
            }
            try await clock.sleep(for: pollInterval)
            current = try await getPod(ns, pod, verb: "debug")
        }
    }

    func getPod(_ ns: String, _ name: String, verb: String) async throws -> Pod {
        do {
            return try await client.get(Pod.self, namespace: ns, name: name)
        } catch {
            if error.isNotFound { throw PermanentEffectFailure("cannot \(verb) pod \(ns)/\(name): it does not exist") }
            throw Self.classify(error, verb: "get", resource: "pods", namespace: ns, name: name)
        }
    }

    /// Creates a Job from `template` (a Job spec); with `wait`, waits for
    /// Complete or Failed; with `capture`, stores its pod's log.
    func job(template: JSON, wait: Bool, timeout: Double, capture: Bool, _ c: Context) async throws -> Result {
        let ns = c.namespace
        let name = Self.createdName(c.subject.name, key: c.key)
        try await createJob(
            name: name, namespace: ns, owner: c.subject, labels: ["vigil.dev/effect-key": c.key.rawValue], spec: template, dryRun: c.dryRun)
        if c.dryRun { return Result(summary: "would create Job \(ns)/\(name) (dry run: sent with dryRun=All)") }
        guard wait else { return Result(summary: "created Job \(ns)/\(name)") }
        let deadline = clock.now() + timeout
        while true {
            let current = try await getJSON(.jobs, kind: "Job", verb: "wait for", namespace: ns, name: name)
            let state = JobState(current)
            if state != .running {
                var output: CapturedOutput?
                if capture, let (podName, log) = try await jobLog(namespace: ns, job: name) {
                    output = try await outputs.save(log, action: "job", source: "Job \(name) pod \(podName)", owner: c.subject, key: c.key, dryRun: false)
                }
                if case .failed(let why) = state {
                    throw PermanentEffectFailure("Job \(ns)/\(name) failed\(why.isEmpty ? "" : " (\(why))")" + (output.map { "; its log is in ConfigMap \($0.configMap)" } ?? ""))
                }
                let captured = output.map { ", \($0.bytes) bytes of output in ConfigMap \($0.configMap)" } ?? ""
                return Result(summary: "created Job \(ns)/\(name); it completed\(captured)", output: output)
            }
            if clock.now() >= deadline { throw ActionFailure("Job \(ns)/\(name) did not finish within \(Int(timeout)) s") }
            try await clock.sleep(for: pollInterval)
        }
    }

    /// How a Job stands, from its conditions.
    public enum JobState: Sendable, Equatable {
        case running
        case complete
        /// With the Failed condition's reason and message.
        case failed(String)

        public init(_ job: JSON) {
            let conditions = job[path: ["status", "conditions"]]?.arrayValue ?? []
            func holds(_ type: String) -> JSON? { conditions.first { $0["type"]?.stringValue == type && $0["status"]?.stringValue == "True" } }
            if let failed = holds("Failed") {
                self = .failed([failed["reason"]?.stringValue, failed["message"]?.stringValue].compactMap { $0 }.joined(separator: ": "))
            } else if holds("Complete") != nil {
                self = .complete
            } else {
                self = .running
            }
        }
    }

    /// Creates Job `namespace/name` owned by `owner` (not its controller);
    /// one that already exists (an earlier attempt made it) is taken as is.
    public func createJob(name: String, namespace ns: String, owner: EventRecorder.Subject, labels: [String: String], spec: JSON, dryRun: Bool) async throws {
        var all: [String: String] = ["app.kubernetes.io/managed-by": "vigil"]
        all.merge(labels) { _, new in new }
        let job: JSON = [
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": [
                "name": .string(name), "namespace": .string(ns),
                "labels": .strings(all),
                "ownerReferences": [[
                    "apiVersion": .string(owner.apiVersion), "kind": .string(owner.kind), "name": .string(owner.name),
                    "uid": .string(owner.uid), "blockOwnerDeletion": false, "controller": false,
                ]],
            ],
            "spec": spec,
        ]
        do {
            _ = try await client.send(.create(.jobs, namespace: ns, body: job.serialized(), options: WriteOptions(dryRun: dryRun)))
        } catch {
            guard error.isAlreadyExists else { throw Self.classify(error, verb: "create", resource: "jobs", group: "batch", namespace: ns, name: name) }
            // Created before a crash by this same run (the name carries the run): adopt it. Anyone else's Job is not ours to read or delete.
            let existing: JSON
            do {
                existing = try JSON.parse(try await client.send(.get(.jobs, namespace: ns, name: name)).body)
            } catch let error as KubeError {
                throw Self.classify(error, verb: "get", resource: "jobs", group: "batch", namespace: ns, name: name)
            }
            let owners = existing[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []
            guard owners.contains(where: { $0["uid"]?.stringValue == owner.uid }) else {
                throw PermanentEffectFailure("a Job named \(name) already exists in namespace \(ns) and is not owned by \(owner.kind) \(owner.name): rename one of them, or delete that Job")
            }
        }
    }

    /// The log of a Job's newest pod (every container's, headed by its name
    /// when there are several), and the pod's name; nil when it has no pod.
    public func jobLog(namespace ns: String, job name: String, tailLines: Int? = nil) async throws -> (pod: String, log: String)? {
        let pods = try await client.listAll(Pod.self, namespace: ns, options: ListOptions(labelSelector: "job-name=\(name)")).items
        guard let pod = pods.sorted(by: { ($0.metadata.creationTimestamp ?? "") > ($1.metadata.creationTimestamp ?? "") }).first, let podName = pod.metadata.name else {
            return nil
        }
        let containers = pod.spec?.containers.map(\.name) ?? []
        var log = ""
        for container in containers.isEmpty ? [nil] : containers.map(Optional.some) {
            let text = try await client.logs(namespace: ns, pod: podName, container: container, tailLines: tailLines)
            log += containers.count > 1 ? "==> container \(container ?? "") <==\n\(text)\n" : text
        }
        return (podName, log)
    }
}
