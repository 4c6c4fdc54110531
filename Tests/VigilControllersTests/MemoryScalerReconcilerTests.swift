import Foundation
import Kube
import Logging
import Synchronization
import Testing
import VigilAPI
import VigilControllers
import VigilJSON
import VigilPrometheus
import VigilRuntime

/// The MemoryScaler reconciler against kube-sim's simulated kubelet (which
/// applies `pods/resize`, OOM-kills containers over their limit and rolls
/// Deployments), fed by the shared poller over a scripted Prometheus: a step
/// in place, once; the OOM path with Prometheus down; a step through the
/// Deployment's template that keeps every other field; Auto going through
/// the owner when the kubelet finds the resize infeasible; and a step whose
/// status write was lost, recorded from the ledger and not repeated.
@Suite(.serialized) struct MemoryScalerReconcilerTests {
    static let mi: Int64 = 1 << 20

    /// Answers the one expression with a working set and a limit per pod (container `app`), or fails.
    final class ScriptedPrometheus: PrometheusTransport {
        let state = Mutex<(rows: [String: (ws: Int64, limit: Int64)], down: Bool)>(([:], false))
        func query(_ expr: String) async throws(PrometheusError) -> PrometheusQueryResult {
            let (rows, down) = state.withLock { ($0.rows, $0.down) }
            if down { throw .unreachable(url: "http://prometheus.test/api/v1/query", kind: .connect, message: "Connection refused") }
            var samples: [PrometheusSample] = []
            for (pod, r) in rows {
                let labels = ["namespace": "shop", "pod": pod, "container": "app"]
                samples.append(PrometheusSample(labels: labels.merging(["vigil_series": "working_set"]) { $1 }, value: .init(timestamp: 0, value: Double(r.ws))))
                samples.append(PrometheusSample(labels: labels.merging(["vigil_series": "limit"]) { $1 }, value: .init(timestamp: 0, value: Double(r.limit))))
            }
            return PrometheusQueryResult(value: .vector(samples))
        }
        func alerts() async throws(PrometheusError) -> [PrometheusAlert] { [] }
        func set(_ pod: String, ws: Int64, limit: Int64) { state.withLock { $0.rows[pod] = (ws, limit) } }
        func setDown(_ down: Bool) { state.withLock { $0.down = down } }
    }

    struct Fixture {
        let world: ActionEngineTests.World
        let prometheus = ScriptedPrometheus()
        let clock = ManualClock()
        let poller: PrometheusPoller
        let reconciler: MemoryScalerReconciler
        let store = ObjectStore<MemoryScalerObject>(metadata: { $0.metadata })
        let pods = ObjectStore<ScaledPod>(metadata: { $0.metadata })

        init() async throws {
            world = try await ActionEngineTests.World.start()
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let crd = try String(contentsOf: root.appendingPathComponent("deploy/crds/vigil.dev_memoryscalers.yaml"), encoding: .utf8)
            _ = try await world.client.send(.create(.customResourceDefinitions, namespace: nil, body: try ActionEngineTests.World.yaml(crd).serialized()))
            poller = PrometheusPoller(
                sources: [PrometheusSource(name: "default", url: "http://prometheus.test", interval: 5)], transports: ["default": prometheus], clock: clock)
            let executor = ActionExecutor(client: world.client, http: world.http, replica: "test", clock: clock)
            reconciler = MemoryScalerReconciler(
                client: world.client, poller: poller, pods: pods, executor: executor, replica: "test", sources: ["default"], pendingTimeout: 15,
                clock: clock, logger: Logger(label: "test"))
        }

        func apply(_ name: String, _ spec: String) async throws {
            let doc = try ActionEngineTests.World.yaml("apiVersion: vigil.dev/v1alpha1\nkind: MemoryScaler\nmetadata: {name: \(name), namespace: shop}\nspec:\n" + spec)
            for _ in 0..<50 {
                if (try? await world.client.send(.patch(
                    MemoryScalerObject.descriptor, namespace: "shop", name: name, type: .apply(fieldManager: "test", force: true), body: doc.serialized()))) != nil { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw TestFailure("the MemoryScaler CRD was not served within 5 s")
        }

        /// A Deployment of one pod with container `app` (memory limit and request), waited for until Running.
        func deployment(_ name: String, limit: String, request: String, annotations: String = "", extra: String = "") async throws -> String {
            let d = try ActionEngineTests.World.yaml("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: \(name), namespace: shop}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: \(name)}}
                  template:
                    metadata: {labels: {app: \(name)}, annotations: {\(annotations)}}
                    spec:
                      containers:
                      - name: app
                        image: redis:7
                        resources: {limits: {memory: \(limit), cpu: 500m}, requests: {memory: \(request), cpu: 100m}}
                        \(extra)
                """)
            _ = try await world.client.send(.create(.deployments, namespace: "shop", body: d.serialized()))
            return try await runningPod(name)
        }

        func runningPod(_ app: String, not old: String? = nil) async throws -> String {
            for _ in 0..<100 {
                let list = try await world.client.list(Pod.self, namespace: "shop", options: ListOptions(labelSelector: "app=\(app)")).items
                if let p = list.first(where: { $0.status?.phase == "Running" && $0.metadata.name != old && $0.metadata.deletionTimestamp == nil }), let n = p.metadata.name {
                    return n
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw TestFailure("no Running pod of \(app) within 10 s")
        }

        /// One round as the replica does it: a reconcile (which subscribes), a poll, and a reconcile on the latest copies.
        @discardableResult
        func round(_ name: String) async throws -> JSON {
            let key = ObjectKey(namespace: "shop", name: name)
            try await refresh(name)
            _ = try await reconciler.reconcile(key, context: ReconcileContext(store: store))
            await poller.pollOnce(source: "default")
            try await refresh(name)
            _ = try await reconciler.reconcile(key, context: ReconcileContext(store: store))
            return try await refresh(name)["status"] ?? .null
        }

        @discardableResult
        func refresh(_ name: String) async throws -> JSON {
            let body = try await world.client.send(.get(MemoryScalerObject.descriptor, namespace: "shop", name: name)).body
            let json = try JSON.parse(body)
            _ = store.replace(with: [try MemoryScalerObject(tree: json)])
            _ = pods.replace(with: try await world.client.list(ScaledPod.self, namespace: "shop").items)
            return json
        }

        func pod(_ name: String) async throws -> ScaledPod {
            try ScaledPod(tree: try JSON.parse(try await world.client.send(.get(.pods, namespace: "shop", name: name)).body))
        }

        func template(_ deployment: String) async throws -> JSON {
            let d = try JSON.parse(try await world.client.send(.get(.deployments, namespace: "shop", name: deployment)).body)
            return d[path: ["spec", "template"]] ?? .null
        }

        /// The raiseMemory entries of the ledger.
        func steps(_ status: JSON) -> [String] {
            (status["effects"]?.arrayValue ?? []).compactMap { $0["action"]?.stringValue }.filter { $0.hasPrefix("raiseMemory:") }
        }

        /// Waits until `check` holds for the pod (the kubelet applies resizes and kills asynchronously).
        func waitForPod(_ name: String, _ what: String, _ check: (ScaledPod) -> Bool) async throws -> ScaledPod {
            for _ in 0..<100 {
                let p = try await pod(name)
                if check(p) { return p }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw TestFailure("pod \(name): \(what) did not happen within 10 s")
        }
    }

    static let spec = """
          selector: {matchLabels: {app: cache}}
          thresholdPercent: 75
          multiplier: 1.5
          maxMemory: 2Gi
          cooldown: 5m
          mode: Auto
        """

    @Test func aContainerOverTheThresholdIsResizedInPlaceOnce() async throws {
        let f = try await Fixture()
        defer { f.world.stop() }
        let name = try await f.deployment("cache", limit: "100Mi", request: "64Mi")
        try await f.apply("cache", Self.spec)
        f.prometheus.set(name, ws: 80 * Self.mi, limit: 100 * Self.mi)
        var status = try await f.round("cache")
        let resized = try await f.waitForPod(name, "the resize to 150Mi") { $0.containers.first?.appliedLimit == 150 * Self.mi }
        #expect(resized.containers.first?.limit == 150 * Self.mi && resized.containers.first?.request == 96 * Self.mi)
        #expect(status["resizes"] == .int(1), "\(status)")
        #expect(status["selector"] == .string("app=cache") && status["pods"] == .int(1))
        let entry = try #require(status["workloads"]?.arrayValue?.first)
        #expect(entry["kind"] == .string("Pod") && entry["mode"] == .string("InPlace") && entry["memory"] == .string("150Mi") && entry["phase"] == .string("Resized"), "\(entry)")
        #expect(f.steps(status).count == 1)
        // Prometheus still reports the old limit: no second step from 150Mi.
        status = try await f.round("cache")
        #expect(status["resizes"] == .int(1) && f.steps(status).count == 1, "\(status)")
        #expect(try await f.pod(name).containers.first?.limit == 150 * Self.mi)
        // Measured at the new limit: 80Mi is 53 %: nothing. 120Mi is 80 %, but the cooldown holds it.
        f.prometheus.set(name, ws: 80 * Self.mi, limit: 150 * Self.mi)
        status = try await f.round("cache")
        #expect(status["resizes"] == .int(1))
        f.prometheus.set(name, ws: 120 * Self.mi, limit: 150 * Self.mi)
        status = try await f.round("cache")
        #expect(status["resizes"] == .int(1))
        let waiting = status["workloads"]?.arrayValue?.first?["message"]?.stringValue ?? ""
        #expect(waiting.contains("cooling down"), "\(status)")
        // After the cooldown: the second step, 150Mi → 225Mi.
        f.clock.advance(by: 301)
        status = try await f.round("cache")
        #expect(status["resizes"] == .int(2), "\(status)")
        _ = try await f.waitForPod(name, "the resize to 225Mi") { $0.containers.first?.appliedLimit == 225 * Self.mi }
        let conditions = status["conditions"]?.arrayValue ?? []
        #expect(conditions.contains { $0["type"] == "Ready" && $0["status"] == "True" && $0["reason"] == "Watching" })
        #expect(conditions.contains { $0["type"] == "SourceReachable" && $0["status"] == "True" })
    }

    @Test func anOOMKilledContainerIsRaisedOnceWithPrometheusDown() async throws {
        let f = try await Fixture()
        defer { f.world.stop() }
        f.prometheus.setDown(true)
        // The working set climbs to 90Mi in 1 s: over the 64Mi limit it is OOM-killed, again and again.
        let name = try await f.deployment(
            "cache", limit: "64Mi", request: "64Mi",
            annotations: #""sim.vigil.dev/memory-ramp": "10Mi->90Mi/1s", "sim.vigil.dev/restart-backoff-seconds": "0.2""#)
        _ = try await f.waitForPod(name, "an OOM kill") { $0.containers.first?.oomKilledAt != nil }
        try await f.apply("cache", Self.spec)
        var status = try await f.round("cache")
        #expect(status["resizes"] == .int(1), "\(status)")
        let trigger = status["workloads"]?.arrayValue?.first?["lastTrigger"]?.stringValue ?? ""
        #expect(trigger.hasPrefix("OOMKilled at"), "\(status)")
        let conditions = status["conditions"]?.arrayValue ?? []
        #expect(conditions.contains { $0["type"] == "SourceReachable" && $0["status"] == "False" && $0["reason"] == "Unreachable" }, "\(conditions)")
        let raised = try await f.waitForPod(name, "the resize to 96Mi") { $0.containers.first?.appliedLimit == 96 * Self.mi }
        // The restart count stops growing: 90Mi fits in 96Mi.
        try await Task.sleep(for: .seconds(2.5))
        let later = try await f.pod(name)
        #expect(later.containers.first?.restartCount ?? 0 <= (raised.containers.first?.restartCount ?? 0) + 1, "restarts went on: \(later.containers)")
        // The same kill is not acted on twice.
        status = try await f.round("cache")
        #expect(status["resizes"] == .int(1) && f.steps(status).count == 1, "\(status)")
    }

    @Test func ownerModeRaisesTheTemplateKeepingEveryOtherField() async throws {
        let f = try await Fixture()
        defer { f.world.stop() }
        let name = try await f.deployment(
            "cache", limit: "100Mi", request: "100Mi", annotations: #""team": "storage""#,
            extra: "env: [{name: MODE, value: lru}]\n        ports: [{containerPort: 6379}]")
        let before = try await f.template("cache")
        try await f.apply("cache", Self.spec.replacingOccurrences(of: "mode: Auto", with: "mode: Owner"))
        f.prometheus.set(name, ws: 90 * Self.mi, limit: 100 * Self.mi)
        var status = try await f.round("cache")
        let after = try await f.template("cache")
        let container = after[path: ["spec", "containers"]]?.arrayValue?.first
        #expect(container?[path: ["resources", "limits", "memory"]] == .string("150Mi") && container?[path: ["resources", "requests", "memory"]] == .string("150Mi"), "\(after)")
        func withoutMemory(_ t: JSON) -> JSON {
            var t = t
            t[path: ["spec", "containers"]] = .array((t[path: ["spec", "containers"]]?.arrayValue ?? []).map { c in
                var c = c
                c[path: ["resources", "limits", "memory"]] = nil
                c[path: ["resources", "requests", "memory"]] = nil
                return c
            })
            return t
        }
        #expect(withoutMemory(before) == withoutMemory(after), "other fields of the template changed:\n\(before)\n\(after)")
        #expect(try await f.pod(name).containers.first?.limit == 100 * Self.mi, "a pod was resized in place in Owner mode")
        #expect(status["workloads"]?.arrayValue?.contains { $0["kind"] == "Deployment" && $0["mode"] == "Owner" && $0["memory"] == "150Mi" } == true, "\(status)")
        // The old pod still measures 90 % of 100Mi: it waits for the rollout, the template is not stepped again.
        status = try await f.round("cache")
        #expect(status["resizes"] == .int(1) && f.steps(status).count == 1, "\(status)")
        #expect(try await f.template("cache")[path: ["spec", "containers"]]?.arrayValue?.first?[path: ["resources", "limits", "memory"]] == .string("150Mi"))
        // The rollout brings a pod with 150Mi.
        let fresh = try await f.runningPod("cache", not: name)
        #expect(try await f.pod(fresh).containers.first?.limit == 150 * Self.mi)
    }

    @Test func autoGoesThroughTheOwnerWhenTheKubeletFindsTheResizeInfeasible() async throws {
        let f = try await Fixture()
        defer { f.world.stop() }
        let name = try await f.deployment("cache", limit: "100Mi", request: "64Mi", annotations: #""sim.vigil.dev/resize": "Infeasible""#)
        try await f.apply("cache", Self.spec)
        f.prometheus.set(name, ws: 80 * Self.mi, limit: 100 * Self.mi)
        var status = try await f.round("cache")
        #expect(status["resizes"] == .int(1))
        _ = try await f.waitForPod(name, "PodResizePending Infeasible") { $0.resizePending?.reason == "Infeasible" }
        status = try await f.round("cache")
        let memory = try await f.template("cache")[path: ["spec", "containers"]]?.arrayValue?.first?[path: ["resources", "limits", "memory"]]
        #expect(memory == .string("150Mi"), "\(status)")
        #expect(status["resizes"] == .int(2))
        let owner = status["workloads"]?.arrayValue?.first { $0["kind"] == "Deployment" }
        let why = owner?["lastTrigger"]?.stringValue ?? ""
        #expect(owner?["mode"] == .string("Owner") && why.contains("infeasible"), "\(status)")
    }

    @Test func aStepWhoseStatusWriteWasLostIsRecordedFromTheLedgerNotRepeated() async throws {
        let f = try await Fixture()
        defer { f.world.stop() }
        let name = try await f.deployment("cache", limit: "100Mi", request: "64Mi")
        try await f.apply("cache", Self.spec)
        f.prometheus.set(name, ws: 80 * Self.mi, limit: 100 * Self.mi)
        var status = try await f.round("cache")
        #expect(status["resizes"] == .int(1))
        _ = try await f.waitForPod(name, "the resize") { $0.containers.first?.appliedLimit == 150 * Self.mi }
        // As if the replica died after its step: the ledger has it, the rest of status does not.
        let lost: JSON = ["status": ["resizes": nil, "lastResizeAt": nil, "workloads": nil]]
        _ = try await f.world.client.patch(MemoryScalerObject.descriptor, namespace: "shop", name: "cache", subresource: "status", type: .merge, body: lost.serialized())
        f.prometheus.set(name, ws: 80 * Self.mi, limit: 150 * Self.mi)
        status = try await f.round("cache")
        #expect(status["resizes"] == .int(1), "\(status)")
        #expect(status["workloads"]?.arrayValue?.first?["memory"] == .string("150Mi"))
        #expect(f.steps(status).count == 1)
        #expect(try await f.pod(name).containers.first?.limit == 150 * Self.mi)
    }

    @Test func aGonePodsStepIsNotBroughtBackFromTheLedger() async throws {
        let f = try await Fixture()
        defer { f.world.stop() }
        let name = try await f.deployment("cache", limit: "100Mi", request: "64Mi")
        try await f.apply("cache", Self.spec)
        f.prometheus.set(name, ws: 80 * Self.mi, limit: 100 * Self.mi)
        var status = try await f.round("cache")
        #expect(status["resizes"] == .int(1))
        // The pod goes; its ReplicaSet makes a new one (100Mi again, 60 % used).
        _ = try await f.world.client.delete(.pods, namespace: "shop", name: name)
        let fresh = try await f.runningPod("cache", not: name)
        f.prometheus.set(fresh, ws: 60 * Self.mi, limit: 100 * Self.mi)
        for _ in 0..<3 { status = try await f.round("cache") }
        #expect(status["resizes"] == .int(1), "\(status)")
        #expect(!(status["workloads"]?.arrayValue ?? []).contains { $0["name"] == .string(name) }, "\(status)")
        #expect(f.steps(status).count == 1)
    }

    @Test func pausedDoesNothingAndADryRunSendsOnlyDryRunWrites() async throws {
        let f = try await Fixture()
        defer { f.world.stop() }
        let name = try await f.deployment("cache", limit: "100Mi", request: "64Mi")
        try await f.apply("cache", Self.spec + "\n  paused: true")
        f.prometheus.set(name, ws: 80 * Self.mi, limit: 100 * Self.mi)
        var mark = try await f.world.mark()
        var status = try await f.round("cache")
        #expect(status["resizes"] == .int(0) && f.steps(status).isEmpty, "\(status)")
        #expect((status["conditions"]?.arrayValue ?? []).contains { $0["type"] == "Ready" && $0["reason"] == "Paused" })
        #expect(try await f.world.writes(since: mark).filter { $0.path.contains("/pods/") }.isEmpty)
        // Dry run: the step is sent with dryRun=All, recorded as DryRun, not counted, and not repeated.
        try await f.apply("cache", Self.spec + "\n  dryRun: true")
        mark = try await f.world.mark()
        status = try await f.round("cache")
        status = try await f.round("cache")
        let resizes = try await f.world.writes(since: mark).filter { $0.path.hasSuffix("/resize") }
        #expect(resizes.count == 1 && resizes.allSatisfy(\.dryRun), "\(resizes)")
        #expect(status["resizes"] == .int(0), "\(status)")
        #expect(status["workloads"]?.arrayValue?.first?["phase"] == .string("DryRun"), "\(status)")
        #expect(try await f.pod(name).containers.first?.limit == 100 * Self.mi)
        // Off: the same step runs for real at once.
        try await f.apply("cache", Self.spec)
        status = try await f.round("cache")
        #expect(status["resizes"] == .int(1), "\(status)")
        #expect(try await f.pod(name).containers.first?.limit == 150 * Self.mi)
    }

    @Test func aClusterRefusingResizesIsReportedInPlaceAndGoneAroundInAuto() async throws {
        let f = try await Fixture()
        defer { f.world.stop() }
        let name = try await f.deployment("cache", limit: "100Mi", request: "64Mi")
        // As a cluster before 1.33 answers: no pods/resize.
        try await f.world.sim.setFaults(#"{"rules": [{"status": 404, "verbs": ["patch"], "resources": ["pods/resize"], "message": "the server could not find the requested resource"}]}"#)
        try await f.apply("cache", Self.spec.replacingOccurrences(of: "mode: Auto", with: "mode: InPlace"))
        f.prometheus.set(name, ws: 80 * Self.mi, limit: 100 * Self.mi)
        var status = try await f.round("cache")
        var entry = status["workloads"]?.arrayValue?.first
        let refusal = entry?["message"]?.stringValue ?? ""
        #expect(entry?["phase"] == .string("Refused") && refusal.contains("does not resize pods in place"), "\(status)")
        #expect(status["resizes"] == .int(0))
        #expect(try await f.template("cache")[path: ["spec", "containers"]]?.arrayValue?.first?[path: ["resources", "limits", "memory"]] == .string("100Mi"))
        // Auto goes through the Deployment instead.
        try await f.apply("cache", Self.spec)
        status = try await f.round("cache")
        entry = status["workloads"]?.arrayValue?.first { $0["kind"] == "Deployment" }
        let why = entry?["lastTrigger"]?.stringValue ?? ""
        #expect(entry?["memory"] == .string("150Mi") && why.contains("refused"), "\(status)")
        #expect(try await f.template("cache")[path: ["spec", "containers"]]?.arrayValue?.first?[path: ["resources", "limits", "memory"]] == .string("150Mi"))
    }

    @Test func aRevertedStepIsReportedNotRepeated() async throws {
        let f = try await Fixture()
        defer { f.world.stop() }
        let name = try await f.deployment("cache", limit: "100Mi", request: "64Mi")
        try await f.apply("cache", Self.spec.replacingOccurrences(of: "cooldown: 5m", with: "cooldown: 0s"))
        f.prometheus.set(name, ws: 80 * Self.mi, limit: 100 * Self.mi)
        var status = try await f.round("cache")
        _ = try await f.waitForPod(name, "the resize") { $0.containers.first?.appliedLimit == 150 * Self.mi }
        // Someone puts it back to 100Mi.
        let back: JSON = ["spec": ["containers": [["name": "app", "resources": ["limits": ["memory": "100Mi"], "requests": ["memory": "64Mi"]]]]]]
        _ = try await f.world.client.patch(.pods, namespace: "shop", name: name, subresource: "resize", type: .strategic, body: back.serialized())
        _ = try await f.waitForPod(name, "the revert") { $0.containers.first?.appliedLimit == 100 * Self.mi }
        let mark = try await f.world.mark()
        status = try await f.round("cache")
        #expect(try await f.world.writes(since: mark).filter { $0.path.hasSuffix("/resize") }.isEmpty, "the step was repeated")
        let entry = status["workloads"]?.arrayValue?.first
        #expect(entry?["phase"] == .string("Reverted") && status["resizes"] == .int(1), "\(status)")
    }
}
