import Kube
import Synchronization
import Testing
import ProcessFixtures

@testable import VigilRuntime

/// A controller over a real `Informer` on ConfigMaps in kube-sim, whose
/// reconciler writes an annotation derived from the data back with a JSON
/// patch (guarded by a `test` on resourceVersion). It must converge, and the
/// events of its own writes must not make it write again (level-based and
/// idempotent: a reconcile that finds the annotation right does nothing).
@Suite(.serialized) struct ControllerKubeSimTests {
    static let annotation = "vigil.dev/seen"

    /// Counts successful writes and failed ones (conflicts) per key.
    final class Writes: Sendable {
        let ok = Mutex<[String: Int]>([:])
        let conflicts = Atomic(0)
        var total: Int { ok.withLock { $0.values.reduce(0, +) } }
    }

    struct AnnotatingReconciler: Reconciler {
        typealias Object = ConfigMap
        let client: KubeClient
        let writes: Writes

        static func desired(_ cm: ConfigMap) -> String { "v=\(cm.data?["v"] ?? "")" }

        func reconcile(_ key: ObjectKey, context: ReconcileContext<ConfigMap>) async throws -> ReconcileOutcome {
            guard let cm = context.store.get(key) else { return .done }
            let desired = Self.desired(cm)
            if cm.metadata.annotations?[ControllerKubeSimTests.annotation] == desired { return .done }
            let rv = cm.metadata.resourceVersion ?? ""
            let set =
                cm.metadata.annotations == nil
                ? #"{"op":"add","path":"/metadata/annotations","value":{"vigil.dev/seen":"\#(desired)"}}"#
                : #"{"op":"add","path":"/metadata/annotations/vigil.dev~1seen","value":"\#(desired)"}"#
            let body = #"[{"op":"test","path":"/metadata/resourceVersion","value":"\#(rv)"},\#(set)]"#
            do {
                _ = try await client.patch(.configMaps, namespace: key.namespace, name: key.name, type: .json, body: Array(body.utf8))
            } catch {
                writes.conflicts.add(1, ordering: .relaxed)
                throw error  // the error policy retries after the store caught up
            }
            writes.ok.withLock { $0[key.description, default: 0] += 1 }
            return .done
        }
    }

    static func cm(_ ns: String, _ name: String, _ value: String) -> ConfigMap {
        ConfigMap(metadata: ObjectMeta(name: name, namespace: ns, labels: ["app": "ctl"]), data: ["v": value])
    }

    /// Whether every labelled ConfigMap in the cluster carries its desired annotation.
    static func converged(_ client: KubeClient, expecting count: Int) async throws -> Bool {
        let all = try await client.listAll(ConfigMap.self, options: ListOptions(labelSelector: "app=ctl"))
        return all.items.count == count
            && all.items.allSatisfy { $0.metadata.annotations?[annotation] == AnnotatingReconciler.desired($0) }
    }

    /// Polls (real time) until the cluster converged, then until the
    /// controller has been idle for `quiet` seconds; returns the reconcile count.
    static func settle(_ controller: Controller<ConfigMap>, _ client: KubeClient, expecting count: Int, quiet: Double = 0.4)
        async throws -> Int
    {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while clock.now < deadline, try await !converged(client, expecting: count) {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try await converged(client, expecting: count), "every ConfigMap carries its annotation")
        var last = controller.statistics.reconciles
        var quietSince = clock.now
        while clock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            let now = controller.statistics.reconciles
            if now != last {
                last = now
                quietSince = clock.now
            } else if clock.now - quietSince >= .milliseconds(Int64(quiet * 1000)) {
                break
            }
        }
        return last
    }

    @Test func annotatesEveryConfigMapOnceAndDoesNotLoopOnItsOwnWrites() async throws {
        let sim = try await KubeSimProcess.start(arguments: ["--event-window", "50"])
        defer { sim.stop() }
        let client = try KubeClient(server: sim.url, options: KubeClient.Options(qps: 0))
        _ = try await client.create(.namespaces, Namespace(metadata: ObjectMeta(name: "other")))
        for i in 0..<5 { _ = try await client.create(.configMaps, namespace: "default", Self.cm("default", "cm\(i)", "0")) }

        let informer = Informer<ConfigMap>(client: client, labelSelector: "app=ctl")
        let writes = Writes()
        let controller = Controller(
            name: "annotator", source: informer, reconciler: AnnotatingReconciler(client: client, writes: writes), workers: 2)
        let informing = Task { try await informer.run() }
        defer { informing.cancel() }
        let running = Task { try await controller.run() }

        for i in 0..<3 { _ = try await client.create(.configMaps, namespace: "other", Self.cm("other", "late\(i)", "0")) }
        let first = try await Self.settle(controller, client, expecting: 8)
        #expect(writes.total == 8, "one write per ConfigMap: \(writes.ok.withLock { $0 })")
        // Each ConfigMap: the reconcile that writes, the one its own write's
        // event causes (finds nothing to do), plus retries after conflicts.
        #expect(first <= 2 * 8 + 2 * writes.conflicts.load(ordering: .relaxed), "reconciles: \(first)")

        _ = try await client.patch(.configMaps, namespace: "default", name: "cm3", type: .merge, body: Array(#"{"data":{"v":"1"}}"#.utf8))
        let second = try await Self.settle(controller, client, expecting: 8)
        #expect(writes.total == 9, "the data change is annotated once")
        #expect(second - first <= 2 + 2 * writes.conflicts.load(ordering: .relaxed), "reconciles after one change: \(second - first)")
        #expect(controller.statistics.dropped == 0)

        let took = await controller.stop(drain: true)
        try await running.value
        #expect(took < 1)
        #expect(controller.inFlightCount == 0)
    }

    /// A 429 storm: most patches are refused with 429 (Retry-After 0) until
    /// 150 have been; the client retries each only once, so many reconciles
    /// fail and go back on the queue with per-key backoff. The controller
    /// must still converge, with exactly one successful write per ConfigMap.
    @Test(.timeLimit(.minutes(1))) func convergesThroughA429Storm() async throws {
        let sim = try await KubeSimProcess.start(arguments: ["--event-window", "500"])
        defer { sim.stop() }
        let client = try KubeClient(server: sim.url, options: KubeClient.Options(qps: 0, maxRetriesOn429: 1))
        for i in 0..<20 { _ = try await client.create(.configMaps, namespace: "default", Self.cm("default", "s\(i)", "0")) }
        try await sim.setFaults(#"{"rules":[{"status":429,"count":150,"probability":0.7,"retryAfterSeconds":0,"verbs":["patch"],"resources":["configmaps"]}]}"#)

        let informer = Informer<ConfigMap>(client: client, labelSelector: "app=ctl")
        let writes = Writes()
        let controller = Controller(
            name: "storm", source: informer, reconciler: AnnotatingReconciler(client: client, writes: writes), workers: 4)
        let informing = Task { try await informer.run() }
        defer { informing.cancel() }
        let running = Task { try await controller.run() }
        _ = try await Self.settle(controller, client, expecting: 20)
        let q = controller.queue
        #expect(
            writes.total == 20,
            """
            one successful write per ConfigMap: \(writes.ok.withLock { $0 }); queue: \(q.count) ready, \
            \(q.processingCount) processing, \(q.delayedCount) delayed, \(q.waitingWorkerCount) idle workers; \
            \(controller.inFlightCount) reconciles in flight
            """)
        #expect(controller.statistics.errors > 0, "the storm made reconciles fail (and retry with backoff)")
        #expect(controller.statistics.errors == writes.conflicts.load(ordering: .relaxed))
        let stats = try await sim.stats()
        #expect(stats.contains("429"), "kube-sim answered 429s: \(stats.prefix(300))")
        await controller.stop(drain: true)
        try await running.value
    }
}
