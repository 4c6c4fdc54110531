import Foundation
import Kube
import Logging
import Testing
import VigilAPI
import VigilControllers
import VigilHTTP
import VigilJSON
import VigilRuntime

/// The NamespacePolicy reconciler's reads against kube-sim: `podsSucceeded`
/// reads the replica's pod informer when it holds every pod of the policy's
/// namespace, and asks the API server when it does not (a re-list after a
/// hand-off is still on its way).
@Suite(.serialized) struct NamespacePolicyReconcilerTests {
    struct Fixture {
        let world: ActionEngineTests.World
        let policies = ObjectStore<NamespacePolicyObject>(metadata: { $0.metadata })
        let namespaces = ObjectStore<NamespaceSummary>()
        let pods = ObjectStore<ScaledPod>(metadata: { $0.metadata })
        let reconciler: NamespacePolicyReconciler

        init() async throws {
            world = try await ActionEngineTests.World.start()
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let crd = try String(contentsOf: root.appendingPathComponent("deploy/crds/vigil.dev_namespacepolicies.yaml"), encoding: .utf8)
            _ = try await world.client.send(.create(.customResourceDefinitions, namespace: nil, body: try ActionEngineTests.World.yaml(crd).serialized()))
            reconciler = NamespacePolicyReconciler(
                client: world.client, namespaces: namespaces, pods: pods, replica: "test", allowCrossNamespace: false, pendingTimeout: 15,
                executor: ActionExecutor(client: world.client, http: world.http, replica: "test"), logger: Logger(label: "test"))
        }

        /// A dry-run podsSucceeded policy in `shop` (looks at once, then every second).
        func apply() async throws {
            let doc = try ActionEngineTests.World.yaml("""
                apiVersion: vigil.dev/v1alpha1
                kind: NamespacePolicy
                metadata: {name: done, namespace: shop}
                spec:
                  dryRun: true
                  policies:
                  - {name: finished, condition: {podsSucceeded: {selector: {}, initialDelay: 0s, period: 1s}}, action: {deleteNamespace: {}}}
                """)
            var last: KubeError?
            for _ in 0..<50 {
                do {
                    _ = try await world.client.send(.create(NamespacePolicyObject.descriptor, namespace: "shop", body: doc.serialized()))
                    return
                } catch {
                    guard error.isNotFound else { throw error }  // not served yet
                    last = error
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw TestFailure("the NamespacePolicy CRD was not served within 5 s: \(last.map { "\($0)" } ?? "")")
        }

        /// Reconciles on fresh copies of the policy and the namespace; returns
        /// the status and the pod requests kube-sim served meanwhile.
        func reconcile() async throws -> (status: JSON, podRequests: Int) {
            let get = { () async throws -> JSON in
                try JSON.parse(try await world.client.send(.get(NamespacePolicyObject.descriptor, namespace: "shop", name: "done")).body)
            }
            _ = policies.replace(with: [try NamespacePolicyObject(tree: try await get())])
            _ = namespaces.replace(with: try await world.client.list(NamespaceSummary.self).items)
            let before = try await podRequests()
            _ = try await reconciler.reconcile(ObjectKey(namespace: "shop", name: "done"), context: ReconcileContext(store: policies))
            let after = try await podRequests()
            return (try await get()["status"] ?? .null, after - before)
        }

        func podRequests() async throws -> Int {
            let r = try await world.http.execute(HTTPRequest(url: world.sim.url + "/sim/stats"))
            return Int(try JSON.parse(r.body)[path: ["byResource", "pods"]]?.intValue ?? 0)
        }

        /// The pod the cache holds: `phase` whatever the cluster says.
        func cached(_ pod: Pod, phase: String) -> ScaledPod {
            ScaledPod(metadata: pod.metadata, phase: phase, qosClass: "BestEffort", containers: [])
        }
    }

    /// `status.policies[0].state`.
    func state(_ status: JSON) -> String? { status["policies"]?.arrayValue?.first?["state"]?.stringValue }

    @Test func podsSucceededReadsTheCompletePodCacheAndTheAPIServerOtherwise() async throws {
        let f = try await Fixture()
        defer { f.world.stop() }
        let name = try await f.world.deployment("batch")  // Running in the cluster
        let pod = try await f.world.client.get(Pod.self, namespace: "shop", name: name)
        try await f.apply()

        // The cache is not complete (its re-list after gaining namespaces is
        // pending): the pods come from the API server, where the pod runs.
        _ = f.pods.replace(with: [f.cached(pod, phase: "Succeeded")])
        f.pods.setOwned { _ in true }
        let live = try await f.reconcile()
        #expect(live.podRequests == 1, "one live LIST")
        #expect(state(live.status) != "DryRun", "the running pod was read: \(live.status)")

        // Complete: read from the cache (which here says Succeeded), no request.
        _ = f.pods.replace(with: [f.cached(pod, phase: "Succeeded")])
        #expect(f.pods.isComplete)
        try await Task.sleep(for: .milliseconds(1100))  // the next look on the 1 s grid
        let cached = try await f.reconcile()
        #expect(cached.podRequests == 0, "no pod request when the cache is complete")
        #expect(state(cached.status) == "DryRun", "the cache's Succeeded pod held the condition: \(cached.status)")
    }
}
