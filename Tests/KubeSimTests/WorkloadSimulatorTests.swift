import Testing
@testable import KubeSim

/// The simulator against a real `ClusterStore`: controllers, kubelet, logs
/// and metrics, with short annotation times.
@Suite(.serialized) struct WorkloadSimulatorTests {
    /// A store with graceful pod deletion, a `default` namespace and a running simulator.
    struct Cluster {
        let store: ClusterStore
        let sim: WorkloadSimulator
        let task: Task<Void, Never>
        let reg: ResourceRegistry

        init() async throws {
            store = ClusterStore(gracefulPodDeletion: true)
            reg = store.registry
            _ = try await store.create(reg.resolve(group: "", version: "v1", plural: "namespaces")!, namespace: nil,
                                       object: ["metadata": ["name": "default"]])
            sim = WorkloadSimulator(store: store)
            let s = sim
            task = Task { await s.run() }
        }

        func rt(_ group: String, _ plural: String) -> ResourceType { reg.resolve(group: group, version: "v1", plural: plural)! }
        var pods: ResourceType { rt("", "pods") }

        func podsOwned(by prefix: String, ns: String = "default") async -> [JSON] {
            await store.allObjects("pods", namespace: ns).map(\.object).filter {
                ($0[path: ["metadata", "name"]]?.stringValue ?? "").hasPrefix(prefix)
            }
        }

        func get(_ key: String, _ name: String, ns: String = "default") async -> JSON? {
            await store.lookup(key, namespace: ns, name: name)?.object
        }

        /// Polls until `check` holds (or fails the test after `timeout`).
        func eventually(_ what: String, timeout: Double = 8, _ check: () async -> Bool) async {
            let end = Timestamp.now() + timeout
            while Timestamp.now() < end {
                if await check() { return }
                try? await Task.sleep(for: .milliseconds(25))
            }
            Issue.record("timed out waiting for: \(what)")
        }

        func stop() { task.cancel() }
    }

    static func template(labels: JSON, annotations: JSON = [:], image: String = "nginx", resources: JSON? = nil, restartPolicy: String? = nil) -> JSON {
        var c: JSON = ["name": "app", "image": .string(image)]
        if let resources { c["resources"] = resources }
        var spec: JSON = ["containers": [c]]
        if let restartPolicy { spec["restartPolicy"] = .string(restartPolicy) }
        var ann = annotations
        if ann["sim.vigil.dev/start-seconds"] == nil { ann["sim.vigil.dev/start-seconds"] = "0.05" }
        return ["metadata": ["labels": labels, "annotations": ann], "spec": spec]
    }

    static func isRunningReady(_ p: JSON) -> Bool {
        p[path: ["status", "phase"]] == "Running" && SimEngine.isPodReady(p)
    }

    @Test func runEndsWhenCancelled() async throws {
        let c = try await Cluster()
        try await Task.sleep(for: .milliseconds(100))
        c.stop()
        let ended = Task { await c.task.value; return true }
        let deadline = Timestamp.now() + 3
        var done = false
        while Timestamp.now() < deadline {
            try await Task.sleep(for: .milliseconds(20))
            // `task.value` returns only once run() has returned.
            if await Self.finished(ended) { done = true; break }
        }
        #expect(done)
    }

    static func finished(_ t: Task<Bool, Never>) async -> Bool {
        await withTaskGroup(of: Bool.self) { g in
            g.addTask { await t.value }
            g.addTask { try? await Task.sleep(for: .milliseconds(10)); return false }
            let first = await g.next() ?? false
            g.cancelAll()
            return first
        }
    }

    @Test func nodeAndNamespaceDefaultsExist() async throws {
        let c = try await Cluster()
        defer { c.stop() }
        await c.eventually("node and namespace objects") {
            let node = await c.store.lookup("nodes", namespace: "", name: "sim-node-1")
            let sa = await c.get("serviceaccounts", "default")
            let cm = await c.get("configmaps", "kube-root-ca.crt")
            return node != nil && sa != nil && cm != nil
        }
        let node = try #require(await c.store.lookup("nodes", namespace: "", name: "sim-node-1")?.object)
        #expect(node[path: ["status", "nodeInfo", "kubeletVersion"]] == "v1.33.1")
        #expect(node[path: ["status", "capacity", "pods"]] == "110")
        #expect((node[path: ["status", "conditions"]]?.arrayValue ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" })
        _ = try await c.store.create(c.rt("", "namespaces"), namespace: nil, object: ["metadata": ["name": "team-a"]])
        await c.eventually("team-a defaults") { await c.get("serviceaccounts", "default", ns: "team-a") != nil }
    }

    @Test func deploymentRunsPodsAndRollsOnTemplateChange() async throws {
        let c = try await Cluster()
        defer { c.stop() }
        let deploy: JSON = ["metadata": ["name": "web"],
                            "spec": ["replicas": 3, "selector": ["matchLabels": ["app": "web"]], "template": Self.template(labels: ["app": "web"])]]
        _ = try await c.store.create(c.rt("apps", "deployments"), namespace: "default", object: deploy)
        await c.eventually("3 running pods and an Available deployment") {
            let pods = await c.podsOwned(by: "web-")
            let d = await c.get("apps/deployments", "web")
            return pods.count == 3 && pods.allSatisfy(Self.isRunningReady) && d?[path: ["status", "availableReplicas"]] == 3
        }
        let rsList = await c.store.allObjects("apps/replicasets", namespace: "default").map(\.object)
        #expect(rsList.count == 1)
        let rs = try #require(rsList.first)
        let hash = try #require(rs[path: ["metadata", "labels", "pod-template-hash"]]?.stringValue)
        #expect(rs[path: ["metadata", "name"]]?.stringValue == "web-\(hash)")
        #expect(rs[path: ["metadata", "ownerReferences"]]?[0]?["controller"] == true)
        #expect(rs[path: ["metadata", "annotations", "deployment.kubernetes.io/revision"]] == "1")
        let pod = try #require(await c.podsOwned(by: "web-").first)
        #expect(pod[path: ["spec", "nodeName"]] == "sim-node-1")
        #expect(pod[path: ["metadata", "labels", "pod-template-hash"]]?.stringValue == hash)
        #expect(pod[path: ["status", "podIP"]]?.stringValue?.hasPrefix("10.244.") == true)
        let cs = try #require(pod[path: ["status", "containerStatuses"]]?[0])
        #expect(cs["ready"] == true && cs["started"] == true && cs["restartCount"] == 0)
        #expect(cs["image"] == "docker.io/library/nginx:latest")
        #expect(cs[path: ["state", "running", "startedAt"]] != nil)
        let d = try #require(await c.get("apps/deployments", "web"))
        let conds = d[path: ["status", "conditions"]]?.arrayValue ?? []
        #expect(conds.contains { $0["type"] == "Available" && $0["status"] == "True" && $0["reason"] == "MinimumReplicasAvailable" })
        #expect(conds.contains { $0["type"] == "Progressing" && $0["reason"] == "NewReplicaSetAvailable" })
        #expect(d[path: ["status", "observedGeneration"]] == d[path: ["metadata", "generation"]])

        // `kubectl rollout restart`: a template annotation changes.
        _ = try await c.store.patch(c.rt("apps", "deployments"), namespace: "default", name: "web") { (cur: JSON?) throws(APIError) -> JSON in
            var o = cur!
            o[path: ["spec", "template", "metadata", "annotations", "kubectl.kubernetes.io/restartedAt"]] = "2025-01-01T00:00:00Z"
            return o
        }
        await c.eventually("rollout to a second ReplicaSet") {
            let rss = await c.store.allObjects("apps/replicasets", namespace: "default").map(\.object)
            let d = await c.get("apps/deployments", "web")
            let pods = await c.podsOwned(by: "web-")
            guard rss.count == 2, let d else { return false }
            let newRS = rss.first { $0[path: ["metadata", "annotations", "deployment.kubernetes.io/revision"]] == "2" }
            let oldRS = rss.first { $0[path: ["metadata", "annotations", "deployment.kubernetes.io/revision"]] == "1" }
            return newRS?[path: ["spec", "replicas"]] == 3 && oldRS?[path: ["spec", "replicas"]] == 0
                && d[path: ["status", "updatedReplicas"]] == 3 && d[path: ["status", "availableReplicas"]] == 3
                && d[path: ["status", "replicas"]] == 3 && pods.count == 3
                && d[path: ["metadata", "annotations", "deployment.kubernetes.io/revision"]] == "2"
        }
        let events = await c.store.allObjects("events", namespace: "default").map(\.object)
        #expect(events.contains { $0["reason"] == "ScalingReplicaSet" && $0[path: ["source", "component"]] == "deployment-controller" })
        #expect(events.contains { $0["reason"] == "Started" && $0[path: ["involvedObject", "kind"]] == "Pod" })
    }

    @Test func deletedPodsTerminateGracefullyAndAreReplaced() async throws {
        let c = try await Cluster()
        defer { c.stop() }
        let rs: JSON = ["metadata": ["name": "rs1"],
                        "spec": ["replicas": 1, "selector": ["matchLabels": ["app": "r"]], "template": Self.template(labels: ["app": "r"])]]
        _ = try await c.store.create(c.rt("apps", "replicasets"), namespace: "default", object: rs)
        await c.eventually("a running pod") { await c.podsOwned(by: "rs1-").contains(where: Self.isRunningReady) }
        let first = try #require(await c.podsOwned(by: "rs1-").first?[path: ["metadata", "name"]]?.stringValue)
        let outcome = try await c.store.delete(c.pods, namespace: "default", name: first)
        guard case .pending(let marked) = outcome else { Issue.record("expected graceful deletion"); return }
        #expect(marked.object[path: ["metadata", "deletionTimestamp"]] != nil)
        await c.eventually("old pod removed, a new one running") {
            let pods = await c.podsOwned(by: "rs1-")
            return !pods.contains { $0[path: ["metadata", "name"]]?.stringValue == first } && pods.count == 1 && pods.allSatisfy(Self.isRunningReady)
        }
        // The ReplicaSet's status follows its pods a moment later (its own controller loop).
        await c.eventually("the ReplicaSet to count the new pod ready") { await c.get("apps/replicasets", "rs1")?[path: ["status", "readyReplicas"]] == 1 }
        let rsNow = try #require(await c.get("apps/replicasets", "rs1"))
        #expect(rsNow[path: ["status", "readyReplicas"]] == 1)
    }

    @Test func jobsCompleteOrExhaustTheirBackoffLimit() async throws {
        let c = try await Cluster()
        defer { c.stop() }
        let jobs = c.rt("batch", "jobs")
        _ = try await c.store.create(jobs, namespace: "default", object: [
            "metadata": ["name": "ok"],
            "spec": ["completions": 2, "parallelism": 1,
                     "template": Self.template(labels: [:], annotations: ["sim.vigil.dev/run-seconds": "0.1"], image: "busybox", restartPolicy: "Never")],
        ])
        _ = try await c.store.create(jobs, namespace: "default", object: [
            "metadata": ["name": "bad"],
            "spec": ["backoffLimit": 1,
                     "template": Self.template(labels: [:], annotations: ["sim.vigil.dev/run-seconds": "0.05", "sim.vigil.dev/exit-code": "2"],
                                               image: "busybox", restartPolicy: "Never")],
        ])
        await c.eventually("job ok Complete") {
            ((await c.get("batch/jobs", "ok"))?[path: ["status", "conditions"]]?.arrayValue ?? []).contains { $0["type"] == "Complete" && $0["status"] == "True" }
        }
        let ok = try #require(await c.get("batch/jobs", "ok"))
        #expect(ok[path: ["status", "succeeded"]] == 2)
        #expect(ok[path: ["status", "completionTime"]] != nil && ok[path: ["status", "startTime"]] != nil)
        #expect((ok[path: ["status", "conditions"]]?.arrayValue ?? []).contains { $0["type"] == "SuccessCriteriaMet" })
        #expect(ok[path: ["status", "uncountedTerminatedPods"]] == [:])
        let okPod = try #require(await c.podsOwned(by: "ok-").first)
        #expect(okPod[path: ["metadata", "labels", "batch.kubernetes.io/job-name"]] == "ok")
        #expect(okPod[path: ["status", "phase"]] == "Succeeded")

        await c.eventually("job bad Failed") {
            ((await c.get("batch/jobs", "bad"))?[path: ["status", "conditions"]]?.arrayValue ?? []).contains { $0["type"] == "Failed" }
        }
        let bad = try #require(await c.get("batch/jobs", "bad"))
        #expect(bad[path: ["status", "failed"]] == 2)
        let conds = bad[path: ["status", "conditions"]]?.arrayValue ?? []
        #expect(conds.contains { $0["type"] == "FailureTarget" && $0["reason"] == "BackoffLimitExceeded" })
        #expect(conds.contains { $0["type"] == "Failed" && $0["reason"] == "BackoffLimitExceeded" })
    }

    @Test func memoryLimitsOOMKillAndMetricsReportUsage() async throws {
        let c = try await Cluster()
        defer { c.stop() }
        let limits: JSON = ["limits": ["memory": "100Mi"], "requests": ["memory": "50Mi"]]
        var oom = Self.template(labels: ["app": "oom"], annotations: ["sim.vigil.dev/memory-ramp": "60Mi->200Mi/0.3s"], resources: limits)
        oom[path: ["metadata", "name"]] = "oom"
        oom[path: ["metadata", "labels"]] = nil
        _ = try await c.store.create(c.pods, namespace: "default", object: oom)
        var never = Self.template(labels: [:], annotations: ["sim.vigil.dev/memory": "300Mi"], resources: limits, restartPolicy: "Never")
        never[path: ["metadata", "name"]] = "oom-never"
        _ = try await c.store.create(c.pods, namespace: "default", object: never)
        var steady = Self.template(labels: [:], annotations: ["sim.vigil.dev/memory": "200Mi", "sim.vigil.dev/cpu": "0.5"])
        steady[path: ["metadata", "name"]] = "steady"
        _ = try await c.store.create(c.pods, namespace: "default", object: steady)

        await c.eventually("OOM restart with lastState OOMKilled") {
            let p = await c.get("pods", "oom")
            let cs = p?[path: ["status", "containerStatuses"]]?[0]
            return (cs?["restartCount"]?.intValue ?? 0) >= 1 && cs?[path: ["lastState", "terminated", "reason"]] == "OOMKilled"
                && cs?[path: ["lastState", "terminated", "exitCode"]] == 137
        }
        await c.eventually("restartPolicy Never pod fails") { await c.get("pods", "oom-never")?[path: ["status", "phase"]] == "Failed" }
        let failed = try #require(await c.get("pods", "oom-never"))
        #expect(failed[path: ["status", "containerStatuses"]]?[0]?[path: ["state", "terminated", "reason"]] == "OOMKilled")
        await c.eventually("steady running") { Self.isRunningReady(await c.get("pods", "steady") ?? [:]) }
        let text = await c.sim.cadvisorMetrics()
        let line = text.split(separator: "\n").first { $0.hasPrefix("container_memory_working_set_bytes{") && $0.contains("pod=\"steady\"") }
        #expect(line?.contains(" 209715200 ") == true)
        let limitLine = text.split(separator: "\n").first { $0.hasPrefix("container_spec_memory_limit_bytes{") && $0.contains("pod=\"steady\"") }
        #expect(limitLine?.contains(" 0 ") == true)
        #expect(text.contains("# TYPE container_cpu_usage_seconds_total counter"))
        #expect(!text.contains("pod=\"oom-never\""))
    }

    @Test func logsPreviousEphemeralThreadDumpAndResize() async throws {
        let c = try await Cluster()
        defer { c.stop() }
        var p = Self.template(labels: [:], annotations: ["sim.vigil.dev/logs": "hello\nworld", "sim.vigil.dev/start-seconds": "0.3"],
                              image: "eclipse-temurin:17", resources: ["limits": ["memory": "256Mi", "cpu": "1"], "requests": ["memory": "128Mi", "cpu": "500m"]])
        p[path: ["metadata", "name"]] = "jvm"
        let created = try await c.store.create(c.pods, namespace: "default", object: p)
        // Not started yet: the kubelet's error.
        await c.eventually("pod admitted") { await c.get("pods", "jvm")?[path: ["status", "containerStatuses"]] != nil }
        await #expect(throws: APIError.self) { try await c.sim.logs(namespace: "default", pod: created.object, container: "app", previous: false) }
        do {
            _ = try await c.sim.logs(namespace: "default", pod: created.object, container: "app", previous: false)
        } catch {
            #expect(error.message == "container \"app\" in pod \"jvm\" is waiting to start: ContainerCreating")
            #expect(error.code == 400)
        }
        await c.eventually("jvm running") { Self.isRunningReady(await c.get("pods", "jvm") ?? [:]) }
        let pod = try #require(await c.get("pods", "jvm"))
        #expect(try await c.sim.logs(namespace: "default", pod: pod, container: "app", previous: false) == "hello\nworld\n")
        do {
            _ = try await c.sim.logs(namespace: "default", pod: pod, container: "app", previous: true)
            Issue.record("previous logs of a container that never restarted")
        } catch {
            #expect(error.message == "previous terminated container \"app\" in pod \"jvm\" not found")
        }

        // kubectl debug --target=app -- jcmd 1 Thread.print
        _ = try await c.store.patch(c.pods, namespace: "default", name: "jvm", subresource: "ephemeralcontainers") { (cur: JSON?) throws(APIError) -> JSON in
            var o = cur!
            o[path: ["spec", "ephemeralContainers"]] = [["name": "debugger-x1", "image": "busybox", "targetContainerName": "app",
                                                          "command": ["jcmd", "1", "Thread.print"]]]
            return o
        }
        await c.eventually("ephemeral container terminated") {
            await c.get("pods", "jvm")?[path: ["status", "ephemeralContainerStatuses"]]?[0]?[path: ["state", "terminated", "exitCode"]] == 0
        }
        let withDebug = try #require(await c.get("pods", "jvm"))
        let dump = try await c.sim.logs(namespace: "default", pod: withDebug, container: "debugger-x1", previous: false)
        #expect(dump.contains("Full thread dump OpenJDK 64-Bit Server VM (17.0.9+9 mixed mode, sharing):"))
        #expect(dump.contains("java.lang.Thread.State: "))
        #expect(dump.contains("com.example.app.AppApplication.main"))
        #expect(await c.sim.isTerminated(namespace: "default", pod: withDebug, container: "debugger-x1"))

        // In-place resize.
        _ = try await c.store.patch(c.pods, namespace: "default", name: "jvm", subresource: "resize") { (cur: JSON?) throws(APIError) -> JSON in
            var o = cur!
            o[path: ["spec", "containers"]] = [["name": "app", "resources": ["limits": ["memory": "512Mi", "cpu": "1"], "requests": ["memory": "256Mi", "cpu": "500m"]]]]
            return o
        }
        await c.eventually("resize applied") {
            let cs = await c.get("pods", "jvm")?[path: ["status", "containerStatuses"]]?[0]
            let conds = await c.get("pods", "jvm")?[path: ["status", "conditions"]]?.arrayValue ?? []
            return cs?[path: ["resources", "limits", "memory"]] == "512Mi" && cs?[path: ["allocatedResources", "memory"]] == "256Mi"
                && !conds.contains { $0["type"] == "PodResizeInProgress" }
        }
    }

    @Test func statefulSetsCreatePodsInOrderAndDaemonSetsOnePod() async throws {
        let c = try await Cluster()
        defer { c.stop() }
        _ = try await c.store.create(c.rt("apps", "statefulsets"), namespace: "default", object: [
            "metadata": ["name": "db"],
            "spec": ["replicas": 3, "serviceName": "db", "selector": ["matchLabels": ["app": "db"]], "template": Self.template(labels: ["app": "db"])],
        ])
        _ = try await c.store.create(c.rt("apps", "daemonsets"), namespace: "default", object: [
            "metadata": ["name": "agent"],
            "spec": ["selector": ["matchLabels": ["app": "agent"]], "template": Self.template(labels: ["app": "agent"])],
        ])
        // OrderedReady: db-1 never exists before db-0 is ready.
        var sawOutOfOrder = false
        await c.eventually("db-0..2 running") {
            let p0 = await c.get("pods", "db-0")
            let p1 = await c.get("pods", "db-1")
            if p1 != nil && !(p0.map(Self.isRunningReady) ?? false) { sawOutOfOrder = true }
            let names = ["db-0", "db-1", "db-2"]
            var ok = true
            for n in names {
                let p = await c.get("pods", n) ?? [:]
                ok = ok && Self.isRunningReady(p)
            }
            return ok
        }
        #expect(!sawOutOfOrder)
        let sts = try #require(await c.get("apps/statefulsets", "db"))
        await c.eventually("sts status") { await c.get("apps/statefulsets", "db")?[path: ["status", "readyReplicas"]] == 3 }
        #expect(sts[path: ["status", "updateRevision"]]?.stringValue?.hasPrefix("db-") == true)
        let db0 = try #require(await c.get("pods", "db-0"))
        #expect(db0[path: ["metadata", "labels", "statefulset.kubernetes.io/pod-name"]] == "db-0")
        await c.eventually("daemonset pod") {
            let pods = await c.podsOwned(by: "agent-")
            return pods.count == 1 && pods.allSatisfy(Self.isRunningReady)
        }
        await c.eventually("ds status") { await c.get("apps/daemonsets", "agent")?[path: ["status", "numberReady"]] == 1 }
    }
}
