import Kube
import Testing
import VigilAPI
import VigilControllers
import VigilJSON
import VigilPrometheus

/// What a MemoryScaler finds in the containers it watches (pure): the
/// threshold against the limit in the pod's spec, stale measurements
/// skipped, OOM kills once per kill, resizes in flight left alone, the cap;
/// and which way each step goes (`MemoryScalerPlanner`).
@Suite struct MemoryScalerEvaluatorTests {
    static let mi: Int64 = 1 << 20

    static func scaler(_ extra: String = "", name: String = "cache") throws -> MemoryScaler {
        try MemoryScaler(json: try ActionEngineTests.World.yaml("""
            apiVersion: vigil.dev/v1alpha1
            kind: MemoryScaler
            metadata: {name: \(name), namespace: shop}
            spec:
              selector: {matchLabels: {app: cache}}
              thresholdPercent: 75
              multiplier: 1.5
              maxMemory: 2Gi
              \(extra)
            """))
    }

    /// A running pod of app=cache with one container `app`.
    static func pod(
        _ name: String = "cache-1", uid: String = "u1", limit: String? = "100Mi", request: String? = "64Mi", applied: String? = nil, oomAt: String? = nil,
        labels: [String: String] = ["app": "cache"], annotations: [String: String] = [:], phase: String = "Running", resizePolicy: String? = nil,
        pending: (String, String)? = nil, owner: (String, String)? = ("ReplicaSet", "cache-7d9f")
    ) throws -> ScaledPod {
        var resources = JSONObject()
        if let limit { resources["limits"] = ["memory": .string(limit), "cpu": "500m"] }
        if let request { resources["requests"] = ["memory": .string(request), "cpu": "100m"] }
        var container: JSON = ["name": "app", "image": "redis", "resources": .object(resources)]
        if let resizePolicy { container["resizePolicy"] = [["resourceName": "memory", "restartPolicy": .string(resizePolicy)]] }
        var status: JSON = ["name": "app", "restartCount": 0]
        if let applied { status["resources"] = ["limits": ["memory": .string(applied)]] }
        if let oomAt { status["lastState"] = ["terminated": ["reason": "OOMKilled", "exitCode": 137, "finishedAt": .string(oomAt)]] }
        var conditions: [JSON] = []
        if let pending { conditions.append(["type": "PodResizePending", "status": "True", "reason": .string(pending.0), "message": .string(pending.1), "lastTransitionTime": "2026-12-07T10:00:00Z"]) }
        var meta: JSON = ["name": .string(name), "namespace": "shop", "uid": .string(uid), "labels": .strings(labels), "annotations": .strings(annotations)]
        if let owner { meta["ownerReferences"] = [["apiVersion": "apps/v1", "kind": .string(owner.0), "name": .string(owner.1), "uid": "owner-uid", "controller": true]] }
        return try ScaledPod(tree: ["metadata": meta, "spec": ["containers": [container]], "status": ["phase": .string(phase), "containerStatuses": [status], "conditions": .array(conditions)]])
    }

    static func samples(_ rows: [(pod: String, ws: Int64, limit: Int64?)]) -> MemoryScalerEvaluator.Measurements {
        var out: [PrometheusSample] = []
        for r in rows {
            let labels = ["namespace": "shop", "pod": r.pod, "container": "app"]
            out.append(PrometheusSample(labels: labels.merging(["vigil_series": "working_set"]) { $1 }, value: PrometheusSampleValue(timestamp: 0, value: Double(r.ws))))
            if let l = r.limit {
                out.append(PrometheusSample(labels: labels.merging(["vigil_series": "limit"]) { $1 }, value: PrometheusSampleValue(timestamp: 0, value: Double(l))))
            }
        }
        return MemoryScalerEvaluator.Measurements(samples: out)
    }

    func evaluate(_ pods: [ScaledPod], _ m: MemoryScalerEvaluator.Measurements?, lastStep: [String: RFC3339Time] = [:], extra: String = "") throws -> MemoryScalerEvaluator.Result {
        MemoryScalerEvaluator.evaluate(try Self.scaler(extra), pods: pods, measurements: m, lastStep: lastStep)
    }

    @Test func theThresholdTriggersAStepFromTheSpecsLimit() throws {
        let mi = Self.mi
        let below = try evaluate([try Self.pod()], Self.samples([("cache-1", 74 * mi, 100 * mi)]))
        #expect(below.findings.isEmpty && below.selected == 1 && below.measured == 1)
        let at = try evaluate([try Self.pod()], Self.samples([("cache-1", 75 * mi, 100 * mi)]))
        guard case .step(_, "app", let from, let to, .threshold(75 * mi, 100 * mi, 75))? = at.findings.first else {
            Issue.record("\(at.findings)")
            return
        }
        #expect(from == 100 * mi && to == 150 * mi)
    }

    @Test func aMeasurementOfAnOlderLimitIsSkippedNotActedOn() throws {
        // The pod was just raised to 150Mi; Prometheus still reports the 100Mi limit: no second step from 150Mi.
        let r = try evaluate([try Self.pod(limit: "150Mi", request: "96Mi")], Self.samples([("cache-1", 90 * Self.mi, 100 * Self.mi)]))
        #expect(r.findings.isEmpty)
        #expect(r.stale == ["cache-1/app"])
    }

    @Test func aResizeInFlightIsLeftAlone() throws {
        let r = try evaluate([try Self.pod(limit: "150Mi", applied: "100Mi")], Self.samples([("cache-1", 99 * Self.mi, 100 * Self.mi)]))
        guard case .resizing(_, "app", 150 * Self.mi, 100 * Self.mi, _)? = r.findings.first else {
            Issue.record("\(r.findings)")
            return
        }
    }

    @Test func anOOMKillTriggersOnceWithoutPrometheus() throws {
        let pod = try Self.pod(oomAt: "2026-12-07T10:00:00Z")
        let first = try evaluate([pod], nil)
        guard case .step(_, _, _, _, .oomKilled)? = first.findings.first else {
            Issue.record("\(first.findings)")
            return
        }
        // A step started after the kill handles it.
        let handled = try evaluate([pod], nil, lastStep: ["u1/app": RFC3339Time("2026-12-07T10:00:01Z")!])
        #expect(handled.findings.isEmpty)
        // A step before the kill does not.
        let again = try evaluate([pod], nil, lastStep: ["u1/app": RFC3339Time("2026-12-07T09:00:00Z")!])
        #expect(again.findings.count == 1)
        // onOOMKilled: false ignores it.
        #expect(try evaluate([pod], nil, extra: "onOOMKilled: false").findings.isEmpty)
    }

    @Test func theCapHoldsAndContainersWithoutALimitAreReportedOnly() throws {
        let full = try evaluate([try Self.pod(limit: "2Gi", request: "1Gi")], Self.samples([("cache-1", 1900 * Self.mi, 2048 * Self.mi)]))
        guard case .atMaximum? = full.findings.first else {
            Issue.record("\(full.findings)")
            return
        }
        // The last step stops at maxMemory.
        let near = try evaluate([try Self.pod(limit: "1800Mi", request: "1800Mi")], Self.samples([("cache-1", 1700 * Self.mi, 1800 * Self.mi)]))
        guard case .step(_, _, _, 2048 * Self.mi, _)? = near.findings.first else {
            Issue.record("\(near.findings)")
            return
        }
        let none = try evaluate([try Self.pod(limit: nil, request: nil)], Self.samples([("cache-1", 500 * Self.mi, 0)]))
        guard case .noLimit? = none.findings.first else {
            Issue.record("\(none.findings)")
            return
        }
    }

    @Test func onlySelectedAndAnnotatedRunningPodsCount() throws {
        let other = try Self.pod("web-1", uid: "u2", labels: ["app": "web"])
        let annotated = try Self.pod("web-2", uid: "u3", labels: ["app": "web"], annotations: [MemoryScaler.optInAnnotation: "cache"])
        let pending = try Self.pod("cache-2", uid: "u4", phase: "Pending")
        let m = Self.samples([("web-1", 99 * Self.mi, 100 * Self.mi), ("web-2", 99 * Self.mi, 100 * Self.mi), ("cache-2", 99 * Self.mi, 100 * Self.mi)])
        let r = try evaluate([other, annotated, pending], m)
        #expect(r.selected == 2)
        #expect(r.findings.map(\.pod.name) == ["web-2"])
    }

    // MARK: Planner

    func context(_ mode: MemoryScalerSpec.Mode, lastStep: [String: RFC3339Time] = [:], refused: String? = nil) -> MemoryScalerPlanner.Context {
        MemoryScalerPlanner.Context(mode: mode, cooldown: 300, now: RFC3339Time("2026-12-07T10:10:00Z")!, lastStep: lastStep, inPlaceRefused: refused)
    }

    func step(_ pod: ScaledPod) -> MemoryScalerEvaluator.Finding {
        .step(pod: pod, container: "app", from: 100 * Self.mi, to: 150 * Self.mi, trigger: .threshold(workingSet: 80 * Self.mi, limit: 100 * Self.mi, percent: 75))
    }

    @Test func autoGoesInPlaceUnlessThatRestartsChangesQoSOrWasRefused() throws {
        let plain = step(try Self.pod())
        #expect(!MemoryScalerPlanner.needsOwner(plain, context(.auto)))
        guard case .raise(let r, _) = MemoryScalerPlanner.plan(plain, context(.auto), owner: nil) else {
            Issue.record("no raise")
            return
        }
        #expect(r.target == .pod && r.fromLimit == 100 * Self.mi && r.toLimit == 150 * Self.mi)
        let owner = MemoryScalerPlanner.Owner.workload(target: .deployment, name: "cache", uid: "d1", limit: 100 * Self.mi)
        for finding in [step(try Self.pod(resizePolicy: "RestartContainer")), plain] {
            let c = finding == plain ? context(.auto, refused: "404") : context(.auto)
            #expect(MemoryScalerPlanner.needsOwner(finding, c))
            guard case .raise(let o, let why) = MemoryScalerPlanner.plan(finding, c, owner: owner) else {
                Issue.record("no owner raise")
                return
            }
            #expect(o.target == .deployment && o.uid == "d1" && o.fromLimit == 100 * Self.mi && o.toLimit == 150 * Self.mi)
            #expect(why.contains("in place is not used"))
        }
        // InPlace mode never goes through the owner: a refusal is reported.
        guard case .report("Refused", _, true) = MemoryScalerPlanner.plan(plain, context(.inPlace, refused: "404"), owner: owner) else {
            Issue.record("InPlace fell back")
            return
        }
    }

    @Test func theQoSClassIsKeptInPlace() throws {
        // Memory request == limit (cpu request 100m < limit 500m, so Burstable): both grow together, the class stays.
        let equal = try Self.pod(limit: "100Mi", request: "100Mi")
        #expect(MemoryScalerPlanner.qosClass(equal.containers) == "Burstable")
        #expect(MemoryScalerPlanner.qosChange(equal, container: "app", from: 100 * Self.mi, to: 150 * Self.mi) == nil)
        // A request that rounds up to the new limit: still Burstable (cpu keeps it so).
        let burstable = try Self.pod(limit: "100Mi", request: "99Mi")
        #expect(MemoryScalerPlanner.qosChange(burstable, container: "app", from: 100 * Self.mi, to: 101 * Self.mi) == nil)
        // cpu request == limit and a memory request half a Mi below the limit: the step rounds the request up to the
        // new limit, which would make the pod Guaranteed. In place that is refused; Auto goes through the owner.
        var almost = burstable
        almost.containers[0].cpuRequest = "500m"
        almost.containers[0].request = 100 * Self.mi - Self.mi / 2
        #expect(MemoryScalerPlanner.qosChange(almost, container: "app", from: 100 * Self.mi, to: 101 * Self.mi) == "Burstable → Guaranteed")
        let finding = MemoryScalerEvaluator.Finding.step(
            pod: almost, container: "app", from: 100 * Self.mi, to: 101 * Self.mi, trigger: .threshold(workingSet: 80 * Self.mi, limit: 100 * Self.mi, percent: 75))
        guard case .report("Refused", _, true) = MemoryScalerPlanner.plan(finding, context(.inPlace), owner: nil) else {
            Issue.record("a QoS change was not refused in place")
            return
        }
        #expect(MemoryScalerPlanner.needsOwner(finding, context(.auto)))
    }

    @Test func throughTheOwnerOldPodsWaitForTheRolloutAndCooldownsHold() throws {
        let pod = try Self.pod()
        let raised = MemoryScalerPlanner.Owner.workload(target: .deployment, name: "cache", uid: "d1", limit: 150 * Self.mi)
        guard case .wait(let m, nil) = MemoryScalerPlanner.plan(step(pod), context(.owner), owner: raised) else {
            Issue.record("an old pod stepped the template again")
            return
        }
        #expect(m.contains("waiting for the rollout"))
        let owner = MemoryScalerPlanner.Owner.workload(target: .deployment, name: "cache", uid: "d1", limit: 100 * Self.mi)
        let recent = context(.owner, lastStep: ["d1/app": RFC3339Time("2026-12-07T10:08:00Z")!])
        guard case .wait(_, let after?) = MemoryScalerPlanner.plan(step(pod), recent, owner: owner) else {
            Issue.record("cooldown ignored")
            return
        }
        #expect(after == 180)
        guard case .report("NoOwner", _, true) = MemoryScalerPlanner.plan(step(pod), context(.owner), owner: .none("a bare pod")) else {
            Issue.record("a bare pod was not reported")
            return
        }
    }

    @Test func anInfeasibleResizeGoesThroughTheOwnerInAutoAndIsReportedInPlace() throws {
        let pod = try Self.pod(limit: "150Mi", request: "96Mi", applied: "100Mi", pending: ("Infeasible", "Node didn't have enough capacity"))
        let finding = MemoryScalerEvaluator.Finding.resizing(pod: pod, container: "app", requested: 150 * Self.mi, applied: 100 * Self.mi, trigger: nil)
        let owner = MemoryScalerPlanner.Owner.workload(target: .deployment, name: "cache", uid: "d1", limit: 100 * Self.mi)
        guard case .raise(let r, _) = MemoryScalerPlanner.plan(finding, context(.auto), owner: owner) else {
            Issue.record("Auto did not fall back")
            return
        }
        #expect(r.target == .deployment && r.toLimit == 150 * Self.mi)
        guard case .report("Infeasible", _, true) = MemoryScalerPlanner.plan(finding, context(.inPlace), owner: nil) else {
            Issue.record("InPlace did not report")
            return
        }
        // Deferred: waited for (VPA's 5 minutes in Auto), then through the owner.
        let deferred = try Self.pod(limit: "150Mi", applied: "100Mi", pending: ("Deferred", "not now"))
        let d = MemoryScalerEvaluator.Finding.resizing(pod: deferred, container: "app", requested: 150 * Self.mi, applied: 100 * Self.mi, trigger: nil)
        var early = context(.auto)
        early.now = RFC3339Time("2026-12-07T10:04:00Z")!
        guard case .wait = MemoryScalerPlanner.plan(d, early, owner: nil) else {
            Issue.record("deferred not waited for")
            return
        }
        #expect(MemoryScalerPlanner.needsOwner(d, context(.auto)))
    }
}
