import Kube
import Testing
import VigilAPI
import VigilControllers
import VigilJSON
import VigilRuntime

/// `raiseMemory`, the MemoryScaler's step, against kube-sim: sent as seen
/// (one request), or read first when what was seen is stale; a compare-and-
/// set that finds the step done, or someone else's change, or a replaced pod.
@Suite(.serialized) struct ActionExecutorMemoryTests {
    static let mi: Int64 = 1 << 20

    func raise(_ w: ActionEngineTests.World, _ pod: String, uid: String, from: Int64, to: Int64, seen: String?, instance: String) async throws -> ActionEngine.Step {
        let s = seen.map { ActionSpec.RaiseMemory.Seen(index: 0, limitText: $0, requestText: "256Mi") }
        let r = ActionSpec.RaiseMemory(target: .pod, name: pod, uid: uid, container: "app", fromLimit: from, toLimit: to, seen: s)
        let outcome = try await w.engine().run([.raiseMemory(r)], w.run(instance), ledger: w.ledger(), cached: nil)
        return try #require(outcome.steps.last)
    }

    @Test func asSeenItIsOneWriteAndStaleSightsAreReadAgain() async throws {
        let w = try await ActionEngineTests.World.start()
        defer { w.stop() }
        let pod = try await w.deployment("api")  // limit and request 256Mi
        let uid = try #require(try await w.client.get(Pod.self, namespace: "shop", name: pod).metadata.uid)
        // As seen: no read, one patch.
        var mark = try await w.mark()
        var step = try await raise(w, pod, uid: uid, from: 256 * Self.mi, to: 384 * Self.mi, seen: "256Mi", instance: "a")
        #expect(step.phase == .succeeded && step.summary.contains("from 256Mi to 384Mi in place, request 256Mi → 384Mi"), "\(step)")
        var writes = try await w.actionWrites(since: mark)
        #expect(writes.map(\.path) == ["/api/v1/namespaces/shop/pods/\(pod)/resize"], "\(writes)")
        let p = try await w.client.get(Pod.self, namespace: "shop", name: pod)
        #expect(p.spec?.containers.first?.resources?.limits?["memory"] == "384Mi" && p.spec?.containers.first?.resources?.requests?["memory"] == "384Mi")
        // Replayed (a replica died before recording it): the test fails, the pod is read, the step is found done: no second write.
        mark = try await w.mark()
        step = try await raise(w, pod, uid: uid, from: 256 * Self.mi, to: 384 * Self.mi, seen: "256Mi", instance: "b")
        #expect(step.phase == .succeeded && step.summary.contains("is already 384Mi"), "\(step)")
        writes = try await w.actionWrites(since: mark)
        #expect(writes.map(\.path) == ["/api/v1/namespaces/shop/pods/\(pod)/resize"], "only the failed test patch: \(writes)")
        // Decided from a limit that is no longer there: not touched.
        step = try await raise(w, pod, uid: uid, from: 256 * Self.mi, to: 512 * Self.mi, seen: "256Mi", instance: "c")
        #expect(step.phase == .failed && (step.error ?? "").contains("something else changed it"), "\(step)")
        // A replaced pod (another uid) is not touched either.
        step = try await raise(w, pod, uid: "not-" + uid, from: 384 * Self.mi, to: 512 * Self.mi, seen: "384Mi", instance: "d")
        #expect(step.phase == .failed && (step.error ?? "").contains("was replaced"), "\(step)")
        #expect(try await w.client.get(Pod.self, namespace: "shop", name: pod).spec?.containers.first?.resources?.limits?["memory"] == "384Mi")
    }
}
