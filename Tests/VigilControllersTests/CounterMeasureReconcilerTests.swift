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

/// The CounterMeasure reconciler against kube-sim, fed by the shared poller
/// over a scripted Prometheus and a manual clock: what it writes into the
/// stored status (maps that shrink, resets that persist), and that a dry run
/// writes nothing but dry-run requests and never holds back a real run.
@Suite(.serialized) struct CounterMeasureReconcilerTests {
    /// Answers one expression with a vector, or fails every request.
    final class ScriptedPrometheus: PrometheusTransport {
        let state = Mutex<(samples: [PrometheusSample], down: Bool)>(([], false))
        func query(_ expr: String) async throws(PrometheusError) -> PrometheusQueryResult {
            let (samples, down) = state.withLock { ($0.samples, $0.down) }
            if down { throw .unreachable(url: "http://prometheus.test/api/v1/query", kind: .connect, message: "Connection refused") }
            return PrometheusQueryResult(value: .vector(samples))
        }
        func alerts() async throws(PrometheusError) -> [PrometheusAlert] { [] }
        func set(_ value: Double?) {
            state.withLock {
                $0.samples = value.map { [PrometheusSample(labels: ["namespace": "shop", "pod": "api-1"], value: PrometheusSampleValue(timestamp: 0, value: $0))] } ?? []
            }
        }
        func setDown(_ down: Bool) { state.withLock { $0.down = down } }
    }

    struct Fixture {
        let world: ActionEngineTests.World
        let prometheus = ScriptedPrometheus()
        let clock = ManualClock()
        let poller: PrometheusPoller
        let reconciler: CounterMeasureReconciler
        let store = ObjectStore<CounterMeasureObject>(metadata: { $0.metadata })
        let key = ObjectKey(namespace: "shop", name: "mem")

        init() async throws {
            world = try await ActionEngineTests.World.start()
            poller = PrometheusPoller(sources: [PrometheusSource(name: "default", url: "http://prometheus.test", interval: 5)], transports: ["default": prometheus], clock: clock)
            let executor = ActionExecutor(client: world.client, http: world.http, replica: "test", clock: clock)
            reconciler = CounterMeasureReconciler(
                client: world.client, poller: poller, executor: executor, budget: ActionBudget(perMinute: 0), replica: "test", sources: ["default"],
                pendingTimeout: 15, clock: clock, logger: Logger(label: "test"))
        }

        func apply(_ spec: String) async throws {
            let doc = try ActionEngineTests.World.yaml("apiVersion: vigil.dev/v1alpha1\nkind: CounterMeasure\nmetadata: {name: mem, namespace: shop}\nspec:\n" + spec)
            _ = try await world.client.send(.patch(CounterMeasureObject.descriptor, namespace: "shop", name: "mem", type: .apply(fieldManager: "test", force: true), body: doc.serialized()))
        }

        /// One round as the replica does it: a reconcile (which subscribes the
        /// resource), a poll, and the reconcile the poll's news starts, each
        /// on the informer's latest copy.
        func round() async throws -> JSON {
            try await refresh()
            _ = try await reconciler.reconcile(key, context: ReconcileContext(store: store))
            await poller.pollOnce(source: "default")
            try await refresh()
            _ = try await reconciler.reconcile(key, context: ReconcileContext(store: store))
            return try await refresh()["status"] ?? .null
        }

        @discardableResult
        func refresh() async throws -> JSON {
            let body = try await world.client.send(.get(CounterMeasureObject.descriptor, namespace: "shop", name: "mem")).body
            let json = try JSON.parse(body)
            _ = store.replace(with: [try CounterMeasureObject(tree: json)])
            return json
        }
    }

    static let spec = """
          trigger: {promql: {expr: 'max by (namespace, pod) (mem)', above: 100, for: 30s}}
          actions: [{event: {reason: MemoryHigh, message: "{{labels.pod}} uses {{value}}"}}]
          cooldown: 10m
        """

    @Test func pendingSeriesAndResetsPersistInTheStoredStatus() async throws {
        let f = try await Fixture()
        defer { f.world.stop() }
        try await f.apply(Self.spec)
        f.prometheus.set(150)
        var status = try await f.round()
        #expect(status["pending"]?.objectValue?.count == 1)
        #expect(status["trigger"] == .string("promql > 100 for 30s"), "\(status)")
        // The source goes away: the series starts its `for` afresh, in the stored status too.
        f.prometheus.setDown(true)
        f.clock.advance(by: 20)
        status = try await f.round()
        #expect(status["pending"]?.objectValue?.isEmpty == true, "\(status["pending"] ?? .null)")
        #expect((status["conditions"]?.arrayValue ?? []).contains { $0["type"] == "SourceReachable" && $0["status"] == "False" })
        // Back: 30 s after the first breach is not enough, it counts from now.
        f.prometheus.setDown(false)
        f.clock.advance(by: 15)
        status = try await f.round()
        #expect(status["totalRuns"] == .int(0) && status["pending"]?.objectValue?.count == 1)
        f.clock.advance(by: 31)
        status = try await f.round()
        #expect(status["totalRuns"] == .int(1), "\(status)")
        #expect(status["runs"]?.arrayValue?.first?["phase"] == .string("Succeeded"))
        // The series recovers: pending is emptied in storage.
        f.prometheus.set(50)
        status = try await f.round()
        #expect(status["pending"]?.objectValue?.isEmpty == true)
    }

    @Test func aDryRunWritesOnlyDryRunRequestsAndNeverHoldsBackARealRun() async throws {
        let f = try await Fixture()
        defer { f.world.stop() }
        let restart = """
              trigger: {promql: {expr: 'max by (namespace, pod) (mem)', above: 100}}
              actions: [{scale: {kind: Deployment, name: api, replicas: 3}}]
              cooldown: 1h
              dryRun: true
            """
        _ = try await f.world.deployment("api")
        try await f.apply(restart)
        f.prometheus.set(150)
        let mark = try await f.world.mark()
        var status = try await f.round()
        #expect(status["totalRuns"] == .int(1) && status["countersDryRun"] == .bool(true))
        let writes = try await f.world.actionWrites(since: mark)
        #expect(!writes.isEmpty && writes.allSatisfy(\.dryRun), "\(writes)")
        #expect(try await f.world.client.get(Deployment.self, namespace: "shop", name: "api").spec?.replicas == 1)
        // dryRun off: the same instance runs for real at once, the dry run's cooldown does not hold it.
        try await f.apply(restart.replacingOccurrences(of: "dryRun: true", with: "dryRun: false"))
        f.clock.advance(by: 1)
        status = try await f.round()
        #expect(status["totalRuns"] == .int(2) && status["countersDryRun"] == .bool(false), "\(status)")
        #expect(status["lastRunByTarget"]?.objectValue?.count == 1)
        #expect(try await f.world.client.get(Deployment.self, namespace: "shop", name: "api").spec?.replicas == 3)
        // Once more (a reconcile with nothing new) keeps the stored counters as they are.
        f.clock.advance(by: 1)
        let again = try await f.round()
        #expect(again["totalRuns"] == .int(2) && again["lastRunByTarget"] == status["lastRunByTarget"])
    }

    /// A replica killed after a run's action and before its status write: the next owner must find the run (and,
    /// for PromQL, the series' first-seen time) in status and finish that run under its key, not mint a new
    /// instance and act again (what chaos/scenarios/kills-100.yaml caught). The kill is staged: kube-sim holds the
    /// action's write for 2 s, the object is read meanwhile (what a replica killed at that moment leaves behind),
    /// and the status is put back to that after the reconcile.
    @Test func aRunIsRecordedBeforeItsActionSoTheNextOwnerFinishesItInsteadOfRunningAgain() async throws {
        let f = try await Fixture()
        defer { f.world.stop() }
        _ = try await f.world.deployment("api")
        try await f.apply("""
              trigger: {promql: {expr: 'max by (namespace, pod) (mem)', above: 100}}
              actions: [{scale: {kind: Deployment, name: api, replicas: 3}}]
              maxRuns: 1
              resetAfter: 24h
            """)
        f.prometheus.set(150)
        try await f.refresh()
        _ = try await f.reconciler.reconcile(f.key, context: ReconcileContext(store: f.store))
        await f.poller.pollOnce(source: "default")
        try await f.refresh()
        let faults = HTTPRequest(
            method: "POST", url: f.world.sim.url + "/sim/faults", headers: [("Content-Type", "application/json")],
            body: Array(#"{"rules": [{"delayMs": 2000, "count": 1, "verbs": ["patch"], "resources": ["deployments"]}]}"#.utf8))
        #expect(try await f.world.http.execute(faults).status == 200)
        let first = Task { try await f.reconciler.reconcile(f.key, context: ReconcileContext(store: f.store)) }
        try await Task.sleep(for: .milliseconds(1000))
        let atKill = try await f.world.client.send(.get(CounterMeasureObject.descriptor, namespace: "shop", name: "mem")).body
        _ = try await first.value
        #expect(try await f.world.client.get(Deployment.self, namespace: "shop", name: "api").spec?.replicas == 3)
        // What the killed replica left: the status as read while its action was in flight.
        let left = try JSON.parse(atKill)["status"] ?? .object(JSONObject())
        for body in [JSON.obj(["status": .null]), JSON.obj(["status": left])] {
            _ = try await f.world.client.send(.patch(CounterMeasureObject.descriptor, namespace: "shop", name: "mem", subresource: "status", type: .merge, body: body.serialized()))
        }
        #expect(left["runs"]?.arrayValue?.count == 1, "the run was recorded before its action: \(left)")
        // The next owner: its own poller and clock, 10 s later, the series still past the threshold.
        let clock = ManualClock()
        clock.advance(by: 10)
        let poller = PrometheusPoller(sources: [PrometheusSource(name: "default", url: "http://prometheus.test", interval: 5)], transports: ["default": f.prometheus], clock: clock)
        let next = CounterMeasureReconciler(
            client: f.world.client, poller: poller, executor: ActionExecutor(client: f.world.client, http: f.world.http, replica: "next", clock: clock),
            budget: ActionBudget(perMinute: 0), replica: "next", sources: ["default"], pendingTimeout: 15, clock: clock,
            wallClockAtZero: Date().timeIntervalSince1970 - clock.now() + 10, logger: Logger(label: "test"))
        // Rounds 10 s apart: the dead owner's Pending entry is resumed once pendingTimeout (15 s) has passed.
        for _ in 0..<4 {
            try await f.refresh()
            _ = try await next.reconcile(f.key, context: ReconcileContext(store: f.store))
            await poller.pollOnce(source: "default")
            clock.advance(by: 10)
        }
        let status = try await f.refresh()["status"] ?? .null
        let keys = Set((status["effects"]?.arrayValue ?? []).compactMap { $0["key"]?.stringValue })
        #expect(keys.count == 1, "one run, one effect key: \(status["effects"] ?? .null)")
        #expect(status["totalRuns"] == .int(1), "\(status)")
        #expect(status["runs"]?.arrayValue?.first?["phase"] == .string("Succeeded"), "\(status["runs"] ?? .null)")
    }
}
