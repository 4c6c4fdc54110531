import Testing
@testable import KubeSim

/// Pure parts of the workload simulator: queues, timers, parsing, rollout
/// arithmetic, the kubelet's container state machine, exposition format.
@Suite struct WorkloadCoreTests {
    @Test func timerHeapPopsInDueOrder() {
        var h = TimerHeap()
        h.schedule("c", at: 3)
        h.schedule("a", at: 1)
        h.schedule("b", at: 2)
        h.schedule("a2", at: 1)
        #expect(h.nextDue == 1)
        #expect(h.popDue(now: 1.5) == ["a", "a2"])
        #expect(h.popDue(now: 10) == ["b", "c"])
        #expect(h.isEmpty)
    }

    @Test func workQueueDeduplicatesAndKeepsKeysSerial() {
        var q = WorkQueue()
        q.add("x")
        q.add("x")
        q.add("y")
        #expect(q.count == 2)
        #expect(q.next() == "x")
        q.add("x")  // while processing: not handed out again yet
        #expect(q.next() == "y")
        #expect(q.next() == nil)
        q.done("x")
        #expect(q.next() == "x")
    }

    @Test func memoryRampParsesAndCrossesLimit() throws {
        let p = try #require(MemoryProfile.parseRamp("100Mi->900Mi/60s"))
        #expect(p == .ramp(from: 100 * 1_048_576, to: 900 * 1_048_576, seconds: 60))
        #expect(p.bytes(at: 30) == 500 * 1_048_576)
        #expect(p.bytes(at: 120) == 900 * 1_048_576)
        let t = try #require(p.secondsUntilExceeding(500 * 1_048_576))
        #expect(abs(t - 30) < 1e-9)
        #expect(p.secondsUntilExceeding(1000 * 1_048_576) == nil)
        #expect(MemoryProfile.parseRamp("100Mi") == nil)
    }

    @Test func annotationsPickPerContainerValues() {
        let a = SimAnnotations(["memory": "200Mi", "memory.side": "50Mi", "cpu": "250m", "start-seconds": "2s"])
        #expect(a.memoryProfile(container: "app") == .constant(200 * 1_048_576))
        #expect(a.memoryProfile(container: "side") == .constant(50 * 1_048_576))
        #expect(a.cpuCores(container: "app") == 0.25)
        #expect(a.startSeconds == 2)
        #expect(SimAnnotations([:]).terminationSeconds == 0.2)
    }

    @Test func rollingUpdateArithmetic() {
        let (surge, unavailable) = RolloutMath.surgeAndUnavailable(["rollingUpdate": ["maxSurge": "25%", "maxUnavailable": "25%"]], replicas: 3)
        #expect(surge == 1)
        #expect(unavailable == 0)
        #expect(RolloutMath.newReplicas(desired: 3, surge: 1, currentTotal: 3, newCurrent: 0) == 1)
        #expect(RolloutMath.newReplicas(desired: 3, surge: 1, currentTotal: 4, newCurrent: 1) == 1)
        // New RS has 1 available: one old replica may go, keeping 3 available.
        let counts = RolloutMath.scaleDownOld([.init(name: "old", replicas: 3, available: 3)], desired: 3, unavailable: 0, newReplicas: 1, newAvailable: 1)
        #expect(counts == [2])
        // New one not available yet: nothing may go.
        #expect(RolloutMath.scaleDownOld([.init(name: "old", replicas: 3, available: 3)], desired: 3, unavailable: 0, newReplicas: 1, newAvailable: 0) == [3])
        #expect(RolloutMath.surgeAndUnavailable(["rollingUpdate": ["maxSurge": 0, "maxUnavailable": 0]], replicas: 2).unavailable == 1)
    }

    func view(annotations: [String: String], restartPolicy: String = "Always", limit: String? = "100Mi") -> PodView {
        var ann = JSON.object(JSONObject())
        for (k, v) in annotations { ann["sim.vigil.dev/" + k] = .string(v) }
        var c: JSON = ["name": "app", "image": "nginx"]
        if let limit { c["resources"] = ["limits": ["memory": .string(limit)]] }
        return PodView(pod: [
            "metadata": ["name": "p", "namespace": "ns", "uid": "u1", "annotations": ann],
            "spec": ["restartPolicy": .string(restartPolicy), "nodeName": "sim-node-1", "containers": [c]],
        ])
    }

    @Test func oomKillRestartsWithAlwaysAndFailsWithNever() {
        let v = view(annotations: ["start-seconds": "0", "memory-ramp": "50Mi->150Mi/1s", "restart-backoff-seconds": "10"])
        var r = PodRuntime(view: v, podIP: "10.244.0.2", now: 0)
        _ = r.advance(to: 0, view: v)
        #expect(r.phase == "Running")
        let end = r.plannedEnd(0, view: v)
        #expect(end?.reason == "OOMKilled")
        #expect(abs((end?.at ?? 0) - 0.5) < 1e-9)
        let events = r.advance(to: 0.6, view: v)
        #expect(events.contains { $0.reason == "OOMKilling" })
        #expect(r.containers[0].restartCount == 1)
        #expect(r.containers[0].lastTermination?.reason == "OOMKilled")
        #expect(r.containers[0].lastTermination?.exitCode == 137)
        #expect(r.containers[0].runningSince == 0.5)  // the ramp restarts with the run
        // Second kill: CrashLoopBackOff for the back-off period.
        _ = r.advance(to: 1.05, view: v)
        if case .waiting(let reason, _, let until) = r.containers[0].state {
            #expect(reason == "CrashLoopBackOff")
            #expect(until == 11)
        } else {
            Issue.record("expected CrashLoopBackOff, got \(r.containers[0].state)")
        }

        let never = view(annotations: ["start-seconds": "0", "memory": "200Mi"], restartPolicy: "Never")
        var n = PodRuntime(view: never, podIP: "10.244.0.3", now: 0)
        _ = n.advance(to: 0, view: never)
        _ = n.advance(to: 1, view: never)
        #expect(n.phase == "Failed")
        var cur: JSON = ["phase": "Pending", "qosClass": "Burstable"]
        cur = n.status(view: never, current: cur, now: 1)
        #expect(cur[path: ["containerStatuses"]]?[0]?[path: ["state", "terminated", "reason"]] == "OOMKilled")
        #expect(cur["qosClass"] == "Burstable")
    }

    @Test func resizeRaisesTheLimitAndStopsTheOOM() {
        let v = view(annotations: ["start-seconds": "0", "memory": "150Mi"], limit: "100Mi")
        var r = PodRuntime(view: v, podIP: "10.244.0.2", now: 0)
        // Raise the limit before the first run starts.
        let bigger = view(annotations: ["start-seconds": "0", "memory": "150Mi"], limit: "200Mi")
        _ = r.advance(to: 0, view: bigger)
        #expect(r.resizeStartedAt == 0)
        var st = r.status(view: bigger, current: [:], now: 0)
        #expect((st["conditions"]?.arrayValue ?? []).contains { $0["type"] == "PodResizeInProgress" })
        _ = r.advance(to: 0.1, view: bigger)  // the OOM still happens under the old limit
        #expect(r.containers[0].restartCount == 1)
        _ = r.advance(to: 0.3, view: bigger)
        #expect(r.resizeStartedAt == nil)
        #expect(r.containers[0].memoryLimit.map { Int($0) } == 200 * 1_048_576)
        st = r.status(view: bigger, current: [:], now: 0.3)
        #expect(!(st["conditions"]?.arrayValue ?? []).contains { $0["type"] == "PodResizeInProgress" })
        #expect(st["containerStatuses"]?[0]?[path: ["resources", "limits", "memory"]] == "200Mi")
        _ = r.advance(to: 2, view: bigger)  // back-off over: runs again, now under the new limit
        #expect(r.containers[0].isRunning)
        #expect(r.plannedEnd(0, view: bigger) == nil)
    }

    @Test func jobPodsExitAfterRunSeconds() {
        let pod: JSON = [
            "metadata": ["name": "j-abcde", "namespace": "ns", "uid": "u2", "labels": ["batch.kubernetes.io/job-name": "j"],
                         "annotations": ["sim.vigil.dev/run-seconds": "2", "sim.vigil.dev/exit-code": "3", "sim.vigil.dev/start-seconds": "0"]],
            "spec": ["restartPolicy": "Never", "containers": [["name": "c", "image": "busybox"]]],
        ]
        let v = PodView(pod: pod)
        var r = PodRuntime(view: v, podIP: "10.244.0.9", now: 0)
        _ = r.advance(to: 0, view: v)
        #expect(r.nextDue(view: v) == 2)
        _ = r.advance(to: 2, view: v)
        #expect(r.phase == "Failed")
        if case .terminated(let t) = r.containers[0].state { #expect(t.exitCode == 3) } else { Issue.record("not terminated") }
    }

    @Test func cadvisorTextIsPrometheusExposition() {
        let text = CadvisorText(samples: [
            .init(namespace: "ns", pod: "p\"q", podUID: "u", container: "app", containerID: "containerd://abc", image: "docker.io/library/nginx:latest",
                  qosClass: "Burstable", workingSetBytes: 209_715_200, memoryLimitBytes: 0, cpuSeconds: 1.5),
        ], timestampMillis: 1000).render()
        let lines = text.split(separator: "\n")
        #expect(lines.contains("# TYPE container_memory_working_set_bytes gauge"))
        #expect(lines.contains("# TYPE container_cpu_usage_seconds_total counter"))
        #expect(text.contains("container_memory_working_set_bytes{container=\"app\",id=\"/kubepods/burstable/podu/abc\",image=\"docker.io/library/nginx:latest\",name=\"abc\",namespace=\"ns\",pod=\"p\\\"q\"} 209715200 1000"))
        #expect(text.contains("container_spec_memory_limit_bytes{") && text.contains("} 0 1000"))
        #expect(text.contains("} 1.5 1000"))
    }

    @Test func imagesAreNormalizedLikeContainerd() {
        #expect(SimIDs.normalizedImage("nginx") == "docker.io/library/nginx:latest")
        #expect(SimIDs.normalizedImage("bitnami/redis:7") == "docker.io/bitnami/redis:7")
        #expect(SimIDs.normalizedImage("ghcr.io/x/y") == "ghcr.io/x/y:latest")
        #expect(SimIDs.imageID("nginx:1.27").hasPrefix("docker.io/library/nginx@sha256:"))
        #expect(SimIDs.templateHash(["spec": ["a": 1]]) != SimIDs.templateHash(["spec": ["a": 2]]))
    }

    @Test func threadDumpLooksLikeHotSpot() {
        var d = ThreadDump(container: "checkout-api", pod: "p", now: 0, uptimeSeconds: 100)
        d.includeDeadlock = true
        let t = d.text()
        #expect(t.hasPrefix("1:\n"))
        #expect(t.contains("Full thread dump OpenJDK 64-Bit Server VM (17.0.9+9 mixed mode, sharing):"))
        #expect(t.contains("com.example.checkoutapi.CheckoutApiApplication.main"))
        #expect(t.split(separator: "\n").filter { $0.contains("java.lang.Thread.State:") }.count > 8)
        #expect(t.contains("Found one Java-level deadlock:"))
    }
}
