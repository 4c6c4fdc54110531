import Foundation
import Kube
import Logging
import ProcessFixtures
import Synchronization
import Testing
import VigilAPI
import VigilControllers
import VigilHTTP
import VigilJSON
import VigilPrometheus
import VigilRuntime

/// The HealthCheck reconciler against kube-sim on a manual clock: an HTTP
/// check against a local server that fails on demand (the remedy after two
/// failures, bounded at three, reset by a pass, one request per run), Job
/// checks that pass and fail (name, labels, log and metrics), a cron
/// schedule in a time zone with the catch-up rule, and a probe whose
/// replica died (recorded Unknown, never sent again).
@Suite(.serialized) struct HealthCheckReconcilerTests {
    typealias World = ActionEngineTests.World

    final class Fixture: Sendable {
        let world: World
        let clock = ManualClock()
        let prometheus = CounterMeasureReconcilerTests.ScriptedPrometheus()
        let poller: PrometheusPoller
        let wall: Double
        let store = ObjectStore<HealthCheckObject>(metadata: { $0.metadata })

        init() async throws {
            world = try await World.start()
            wall = Date().timeIntervalSince1970
            poller = PrometheusPoller(sources: [PrometheusSource(name: "default", url: "http://prometheus.test", interval: 5)], transports: ["default": prometheus], clock: clock)
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let crd = try String(contentsOf: root.appendingPathComponent("deploy/crds/vigil.dev_healthchecks.yaml"), encoding: .utf8)
            _ = try await world.client.send(.create(.customResourceDefinitions, namespace: nil, body: try World.yaml(crd).serialized()))
        }

        func reconciler(
            replica: String = "test", probes: HealthProbeRunner? = nil, poller: PrometheusPoller? = nil, budget: ActionBudget = ActionBudget(perMinute: 0)
        ) -> (HealthCheckReconciler, HealthProbeRunner) {
            let runner = probes ?? HealthProbeRunner(http: world.http, maxConcurrent: 8)
            let executor = ActionExecutor(client: world.client, http: world.http, replica: replica, clock: clock, pollInterval: 0.1)
            let r = HealthCheckReconciler(
                client: world.client, poller: poller ?? self.poller, executor: executor, probes: runner, budget: budget, replica: replica, sources: ["default"],
                pendingTimeout: 15, clock: clock, wallClockAtZero: wall, logger: Logger(label: "test"), enqueue: { _ in })
            return (r, runner)
        }

        func apply(_ name: String, _ spec: String) async throws {
            let doc = try World.yaml("apiVersion: vigil.dev/v1alpha1\nkind: HealthCheck\nmetadata: {name: \(name), namespace: shop}\nspec:\n" + spec)
            for attempt in 0..<50 {
                do {
                    let body = try await world.client.send(.patch(HealthCheckObject.descriptor, namespace: "shop", name: name, type: .apply(fieldManager: "test", force: true), body: doc.serialized())).body
                    // The manual clock starts at the fixture's wall time; catch up with the resource's creation (whole seconds).
                    if let created = try JSON.parse(body)[path: ["metadata", "creationTimestamp"]]?.stringValue.flatMap(RFC3339Time.init) {
                        let behind = created.secondsSinceEpoch - (wall + clock.now())
                        if behind > -0.5 { clock.advance(by: behind + 0.5) }
                    }
                    return
                } catch {
                    guard attempt < 49, (error as? KubeError)?.isNotFound == true else { throw error }
                    try await Task.sleep(for: .milliseconds(100))  // the CRD is not served yet
                }
            }
        }

        @discardableResult
        func refresh(_ name: String) async throws -> JSON {
            let json = try JSON.parse(try await world.client.send(.get(HealthCheckObject.descriptor, namespace: "shop", name: name)).body)
            _ = store.replace(with: [try HealthCheckObject(tree: json)])
            return json
        }

        /// Reconciles on the latest copy until no run is in flight (probes and Jobs run in real time); returns the status.
        @discardableResult
        func settle(_ name: String, _ r: HealthCheckReconciler, rounds: Int = 200) async throws -> JSON {
            for _ in 0..<rounds {
                try await refresh(name)
                _ = try await r.reconcile(ObjectKey(namespace: "shop", name: name), context: ReconcileContext(store: store))
                let status = try await refresh(name)["status"] ?? .null
                if status["currentRun"] == nil && status[path: ["remedy", "running"]] == nil { return status }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw TestFailure("\(name) did not settle: \(try await refresh(name)["status"] ?? .null)")
        }

        func events(_ name: String) async throws -> [String] {
            let list = try JSON.parse(try await world.client.send(.list(ResourceDescriptor(group: "", version: "v1", kind: "Event", plural: "events", namespaced: true), namespace: "shop")).body)
            return (list["items"]?.arrayValue ?? []).filter { $0[path: ["involvedObject", "name"]]?.stringValue == name }.compactMap { $0["reason"]?.stringValue }
        }

        /// One reconcile on the latest copy; returns the status it left.
        @discardableResult
        func reconcileOnce(_ name: String, _ r: HealthCheckReconciler) async throws -> JSON {
            try await refresh(name)
            _ = try await r.reconcile(ObjectKey(namespace: "shop", name: name), context: ReconcileContext(store: store))
            return try await refresh(name)["status"] ?? .null
        }

        func stop() { world.stop() }
    }

    @Test func anHTTPCheckRemediesAfterTwoFailuresAtMostThreeTimesAndResetsOnAPass() async throws {
        let f = try await Fixture()
        defer { f.stop() }
        // Runs 1-5 fail (503), run 6 passes, runs 7 and 8 fail again.
        let server = try await WebhookTestReceiver.start(
            [WebhookTestReceiver.Step(status: 503, body: "down")] + Array(repeating: .init(status: 503), count: 4) + [.init(status: 200, body: "ok"), .init(status: 503)])
        defer { server.stop() }
        _ = try await f.world.deployment("checkout")
        try await f.apply("web", """
              schedule: {every: 30s}
              check: {http: {url: "\(server.url)", method: POST, expectStatus: [200], timeout: 5s}}
              failureThreshold: 2
              remedy:
                actions: [{restart: {kind: Deployment, name: checkout}}]
                runsLimit: 3
                resetInterval: 1h
            """)
        let (r, _) = f.reconciler()
        var remedies: [Int64] = []
        var total: Int64 = 0
        for run in 1...8 {
            let status = try await f.settle("web", r)
            #expect(status["runs"] == .int(Int64(run)), "\(status)")
            #expect(status[path: ["lastRun", "number"]] == .int(Int64(run)))
            if let t = status[path: ["remedy", "total"]]?.intValue, t > total {
                remedies.append(Int64(run))
                total = t
            }
            if run == 1 {
                #expect(status["lastResult"] == "Failed")
                #expect(status[path: ["lastRun", "message"]]?.stringValue?.contains("answered 503") == true, "\(status)")
                #expect(status["nextRunAt"]?.stringValue.flatMap(RFC3339Time.init) != nil)
            }
            if run == 5 {
                #expect(status["consecutiveFailures"] == .int(5))
                let exhausted = status["conditions"]?.arrayValue?.first { $0["type"] == "RemedyExhausted" }
                #expect(exhausted?["status"] == "True", "\(status)")
            }
            if run == 6 {
                #expect(status["lastResult"] == "Succeeded" && status["consecutiveFailures"] == .int(0) && status[path: ["remedy", "runs"]] == .int(0))
            }
            f.clock.advance(by: 30)
        }
        // Remedies at runs 2, 3, 4 (threshold 2, limit 3), none at 5, the counters reset by run 6, again at 8.
        #expect(remedies == [2, 3, 4, 8], "\(remedies)")
        let requests = try await server.received()
        #expect(requests.count == 8, "one request per run")
        #expect(requests.map { $0.header("vigil-run") ?? "" } == (1...8).map(String.init))
        #expect(requests.allSatisfy { $0.header("vigil-healthcheck") == "shop/web" })
        let deployment = try await f.world.client.get(Deployment.self, namespace: "shop", name: "checkout")
        #expect(deployment.spec?.template?.metadata?.annotations?["kubectl.kubernetes.io/restartedAt"] != nil)
        let reasons = try await f.events("web")
        #expect(reasons.filter { $0 == "RemedyStarted" }.count == 4, "\(reasons)")
        #expect(reasons.contains("RemedyExhausted") && reasons.contains("CheckRecovered") && reasons.contains("ActionTaken"))
        let status = try await f.refresh("web")["status"] ?? .null
        #expect(status["successCount"] == .int(1) && status["failedCount"] == .int(7))
        #expect(status["history"]?.arrayValue?.count == 8)
        let pending = (status["effects"]?.arrayValue ?? []).filter { $0["phase"] == "Pending" }
        #expect(pending.isEmpty, "no probe left Pending: \(pending)")
    }

    @Test func aProbeWhoseReplicaDiedIsRecordedUnknownAndNeverSentAgain() async throws {
        let f = try await Fixture()
        defer { f.stop() }
        let server = try await WebhookTestReceiver.start([.init(status: 200, delaySeconds: 1.5)])
        defer { server.stop() }
        try await f.apply("slow", """
              schedule: {every: 1m}
              check: {http: {url: "\(server.url)", method: POST, timeout: 10s}}
            """)
        let (a, probesA) = f.reconciler(replica: "vigil-a")
        try await f.refresh("slow")
        _ = try await a.reconcile(ObjectKey(namespace: "shop", name: "slow"), context: ReconcileContext(store: f.store))
        var status = try await f.refresh("slow")["status"] ?? .null
        #expect(status[path: ["currentRun", "owner"]] == "vigil-a", "the run is recorded before the probe goes out: \(status)")
        #expect(status["effects"]?.arrayValue?.first?["phase"] == "Pending")
        // vigil-a dies: its runner is gone. vigil-b takes over the namespace.
        probesA.forget(prefix: "")
        let (b, _) = f.reconciler(replica: "vigil-b")
        _ = try await b.reconcile(ObjectKey(namespace: "shop", name: "slow"), context: ReconcileContext(store: f.store))
        status = try await f.refresh("slow")["status"] ?? .null
        #expect(status[path: ["currentRun", "owner"]] == "vigil-a", "within the pending timeout vigil-b waits")
        f.clock.advance(by: 16)
        status = try await f.settle("slow", b)
        #expect(status["lastResult"] == "Unknown", "\(status)")
        #expect(status[path: ["lastRun", "message"]]?.stringValue?.contains("not sent again") == true)
        #expect(status["unknownCount"] == .int(1) && status["failedCount"] == .int(0))
        try await Task.sleep(for: .seconds(2))
        #expect(try await server.received().count == 1, "the probe was sent once")
        let effects = status["effects"]?.arrayValue ?? []
        #expect(effects.isEmpty, "\(effects)")
    }

    @Test func jobChecksPassAndFailWithTheirLogAndMetrics() async throws {
        let f = try await Fixture()
        defer { f.stop() }
        let metricsLine = #"{\"vigilMetrics\": {\"lookup_seconds\": 0.25, \"records\": 3}}"#
        try await f.apply("dns", """
              schedule: {every: 1m}
              check:
                job:
                  timeout: 1m
                  template:
                    metadata: {annotations: {"sim.vigil.dev/run-seconds": "0.3", "sim.vigil.dev/logs": "resolving\\n\(metricsLine)\\n"}}
                    spec: {containers: [{name: dig, image: tutum/dnsutils}]}
            """)
        let (r, _) = f.reconciler()
        var status = try await f.settle("dns", r)
        #expect(status["lastResult"] == "Succeeded", "\(status)")
        #expect(status[path: ["lastRun", "job"]] == "dns-1")
        #expect(status[path: ["lastRun", "metrics", "lookup_seconds"]]?.doubleValue == 0.25, "\(status)")
        let job = try JSON.parse(try await f.world.client.send(.get(.jobs, namespace: "shop", name: "dns-1")).body)
        #expect(job[path: ["metadata", "labels", "vigil.dev/run"]] == "1")
        #expect(job[path: ["metadata", "ownerReferences"]]?.arrayValue?.first?["kind"] == "HealthCheck")
        #expect(job[path: ["spec", "activeDeadlineSeconds"]] == .int(60))
        #expect(job[path: ["spec", "backoffLimit"]] == .int(0))
        #expect(job[path: ["spec", "template", "metadata", "labels", "vigil.dev/healthcheck"]] == "dns")
        // The same Job template, now exiting 1.
        try await f.apply("dns", """
              schedule: {every: 1m}
              check:
                job:
                  template:
                    metadata: {annotations: {"sim.vigil.dev/run-seconds": "0.3", "sim.vigil.dev/exit-code": "1", "sim.vigil.dev/logs": "nslookup: can't resolve kubernetes.default\\n"}}
                    spec: {containers: [{name: dig, image: tutum/dnsutils}]}
            """)
        f.clock.advance(by: 60)
        status = try await f.settle("dns", r)
        #expect(status["lastResult"] == "Failed", "\(status)")
        #expect(status[path: ["lastRun", "job"]] == "dns-2")
        #expect(status[path: ["lastRun", "log"]]?.stringValue?.contains("can't resolve") == true, "\(status)")
        #expect(status[path: ["lastRun", "message"]]?.stringValue?.contains("last log line: nslookup: can't resolve") == true, "\(status)")
        #expect(status["successCount"] == .int(1) && status["failedCount"] == .int(1))
    }

    @Test func aCronScheduleInATimeZoneRunsOnceForMissedSlots() async throws {
        let f = try await Fixture()
        defer { f.stop() }
        try await f.apply("daily", """
              schedule: {cron: "0 9 * * *", timeZone: Europe/Berlin}
              check: {promql: {expr: 'up == 0', failWhen: nonEmpty}}
            """)
        let (r, _) = f.reconciler()
        f.prometheus.set(nil)
        var status = try await f.settle("daily", r)
        let next = try #require(status["nextRunAt"]?.stringValue.flatMap(RFC3339Time.init))
        // 09:00 in Berlin is 08:00 UTC in winter (CET) and 07:00 in summer (CEST).
        let hour = Int(next.secondsSinceEpoch.truncatingRemainder(dividingBy: 86400) / 3600)
        #expect(hour == 8 || hour == 7, "\(next.text)")
        #expect(next.secondsSinceEpoch > f.wall && next.secondsSinceEpoch <= f.wall + 86400)
        #expect(status["runs"] == .int(0) && status["schedule"] == "0 9 * * * (Europe/Berlin)")
        // The first slot comes: one run.
        await f.poller.pollOnce(source: "default")
        f.clock.advance(by: next.secondsSinceEpoch - f.wall + 1)
        status = try await f.settle("daily", r)
        #expect(status["runs"] == .int(1) && status["lastResult"] == "Succeeded", "\(status)")
        #expect(status[path: ["lastRun", "scheduledAt"]]?.stringValue == next.text)
        // Three days pass with nobody running it: one run, for the latest slot; two counted as missed.
        f.clock.advance(by: 3 * 86400)
        await f.poller.pollOnce(source: "default")
        status = try await f.settle("daily", r)
        #expect(status["runs"] == .int(2) && status["missedCount"] == .int(2), "\(status)")
        let latest = try #require(status[path: ["lastRun", "scheduledAt"]]?.stringValue.flatMap(RFC3339Time.init))
        #expect(abs(latest.secondsSinceEpoch - (next.secondsSinceEpoch + 3 * 86400)) <= 3600, "the latest slot (DST may shift it by an hour): \(latest.text)")
        #expect(try await f.events("daily").contains("RunsMissed"))
    }

    @Test func aFailingPromQLCheckHandsItsSeriesToTheRemedy() async throws {
        let f = try await Fixture()
        defer { f.stop() }
        try await f.apply("mem", """
              schedule: {every: 1m}
              check: {promql: {expr: 'mem > 100'}}
              remedy:
                actions: [{event: {reason: Remedied, message: "pod {{labels.pod}} at {{value}}"}}]
            """)
        let (r, _) = f.reconciler()
        f.prometheus.set(150)
        try await f.settle("mem", r)
        await f.poller.pollOnce(source: "default")
        f.clock.advance(by: 60)
        let status = try await f.settle("mem", r)
        #expect(status["lastResult"] == "Failed", "\(status)")
        #expect(status[path: ["remedy", "lastResult"]] == "Succeeded", "\(status)")
        let events = try JSON.parse(try await f.world.client.send(.list(ResourceDescriptor(group: "", version: "v1", kind: "Event", plural: "events", namespaced: true), namespace: "shop")).body)
        let remedied = (events["items"]?.arrayValue ?? []).first { $0["reason"] == "Remedied" }
        #expect(remedied?["message"]?.stringValue?.hasPrefix("pod api-1 at 150") == true, "\(remedied ?? .null)")
        // Prometheus goes away: the run is Unknown, not a failure, and no remedy runs.
        f.prometheus.setDown(true)
        await f.poller.pollOnce(source: "default")
        f.clock.advance(by: 60)
        let after = try await f.settle("mem", r)
        #expect(after["lastResult"] == "Unknown" && after[path: ["remedy", "total"]] == .int(1), "\(after)")
    }
}
