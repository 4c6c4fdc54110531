import Foundation
import Kube
import Synchronization
import ProcessFixtures
import Testing
import VigilJSON
import VigilRuntime

/// The effect ledger on a custom resource with a status subresource in
/// kube-sim: exactly-once across repeats, concurrent replicas, crashes
/// between recording and finishing, and conflicting writers.
@Suite struct EffectLedgerKubeSimTests {
    static let widgets = ResourceDescriptor(group: "test.vigil.dev", version: "v1", kind: "Widget", plural: "widgets", namespaced: true)
    static let crds = ResourceDescriptor(
        group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition", plural: "customresourcedefinitions", namespaced: false)

    /// Counts runs of an effect, per key.
    final class Runs: Sendable {
        let state = Mutex<[EffectKey: Int]>([:])
        func record(_ key: EffectKey) { state.withLock { $0[key, default: 0] += 1 } }
        func count(_ key: EffectKey) -> Int { state.withLock { $0[key] ?? 0 } }
        var total: Int { state.withLock { $0.values.reduce(0, +) } }
    }

    struct Boom: Error, CustomStringConvertible {
        var description: String { "receiver answered 503" }
    }

    /// Registers the Widget CRD (status subresource, schemaless status) and
    /// creates `default/<name>`; returns a client.
    static func setUp(_ sim: KubeSimProcess, objects names: [String]) async throws -> KubeClient {
        let client = try KubeClient(server: sim.url)
        let schemaless: JSON = ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
        let crd: JSON = [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": ["name": "widgets.test.vigil.dev"],
            "spec": [
                "group": "test.vigil.dev", "scope": "Namespaced",
                "names": ["plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"],
                "versions": [[
                    "name": "v1", "served": true, "storage": true, "subresources": ["status": [:]],
                    "schema": ["openAPIV3Schema": ["type": "object", "properties": ["spec": schemaless, "status": schemaless]]],
                ]],
            ],
        ]
        _ = try await client.send(.create(crds, namespace: nil, body: crd.serialized()))
        for name in names {
            let widget: JSON = ["apiVersion": "test.vigil.dev/v1", "kind": "Widget", "metadata": ["name": .string(name)], "spec": ["size": 1]]
            var created = false
            for _ in 0..<50 where !created {
                do {
                    _ = try await client.send(.create(widgets, namespace: "default", body: widget.serialized()))
                    created = true
                } catch {
                    // The CRD may take a moment to be served.
                    guard error.isNotFound else { throw error }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            #expect(created)
        }
        return client
    }

    static func store(_ client: KubeClient, _ name: String, owner: String, policy: EffectLedger.Policy = .init(),
                      clock: any RuntimeClock = SystemClock(), wallClockAtZero: Double? = nil) -> EffectLedgerStore<KubeClient> {
        EffectLedgerStore(client: client, resource: widgets, namespace: "default", name: name, owner: owner, policy: policy,
            clock: clock, wallClockAtZero: wallClockAtZero)
    }

    @Test func performsOnceAndNeverAgain() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let client = try await Self.setUp(sim, objects: ["w1"])
        // A status field the ledger does not own must survive its writes.
        _ = try await client.patch(Self.widgets, namespace: "default", name: "w1", subresource: "status", type: .merge,
            body: Array(#"{"status":{"observedGeneration":1}}"#.utf8))
        let ledger = Self.store(client, "w1", owner: "vigil-0")
        let uid = try await ledger.read().uid
        #expect(!uid.isEmpty)
        let key = EffectKey(resourceUID: uid, trigger: "alert:abc@2026-11-22T11:00:00Z", actionIndex: 0)
        let runs = Runs()

        let first = try await ledger.perform(key, action: "webhook:ops") { runs.record($0) }
        guard case .performed(let entry, resumed: false) = first else {
            Issue.record("expected performed, got \(first)")
            return
        }
        #expect(entry.phase == .succeeded && entry.attempts == 1 && entry.owner == "vigil-0" && entry.finishedAt != nil)
        for _ in 0..<3 {
            let again = try await ledger.perform(key, action: "webhook:ops") { runs.record($0) }
            #expect(again == .alreadyDone(entry))
        }
        #expect(runs.count(key) == 1)

        let stored = try await client.get(Self.widgets, namespace: "default", name: "w1")
        #expect(stored.status?["observedGeneration"]?.intValue == 1)
        #expect(try await ledger.read().entries == [entry])

        // A failing effect is recorded Failed with a retry time and not run again before it.
        let key2 = EffectKey(resourceUID: uid, trigger: "alert:abc@2026-11-22T11:00:00Z", actionIndex: 1)
        let failed = try await ledger.perform(key2, action: "webhook:pager") { k in
            runs.record(k)
            throw Boom()
        }
        guard case .failed(let failedEntry, let message) = failed else {
            Issue.record("expected failed, got \(failed)")
            return
        }
        #expect(message == "receiver answered 503" && failedEntry.lastError == message)
        #expect(failedEntry.nextRetryAt != nil && failedEntry.attempts == 1)
        let later = try await ledger.perform(key2, action: "webhook:pager") { runs.record($0) }
        guard case .retryAfter(let wait, _) = later else {
            Issue.record("expected retryAfter, got \(later)")
            return
        }
        #expect(wait > 0 && wait <= 5)
        #expect(runs.count(key2) == 1)
    }

    @Test func concurrentReplicasRunEachEffectOnce() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let client = try await Self.setUp(sim, objects: ["w2"])
        let replicas = [Self.store(client, "w2", owner: "replica-a"), Self.store(try KubeClient(server: sim.url), "w2", owner: "replica-b")]
        let uid = try await replicas[0].read().uid
        let runs = Runs()
        let rounds = 15
        var winners = 0
        for round in 0..<rounds {
            let key = EffectKey(resourceUID: uid, trigger: "check-run:\(round)", actionIndex: 0)
            let outcomes = try await withThrowingTaskGroup(of: (String, EffectLedgerStore<KubeClient>.Outcome).self) { group in
                for r in replicas {
                    group.addTask {
                        (r.owner, try await r.perform(key, action: "webhook") { k in
                            runs.record(k)
                            try await Task.sleep(for: .milliseconds(30))
                        })
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(runs.count(key) == 1, "round \(round): \(outcomes)")
            let performed = outcomes.compactMap { o -> String? in
                if case .performed = o.1 { return o.0 }
                return nil
            }
            #expect(performed.count == 1, "round \(round): \(outcomes)")
            guard let winner = performed.first else { continue }
            winners += 1
            // The loser saw the winner's record, in flight or finished.
            for (owner, outcome) in outcomes where owner != winner {
                switch outcome {
                case .inProgress(let e, _): #expect(e.owner == winner && e.phase == .pending)
                case .alreadyDone(let e): #expect(e.owner == winner && e.phase == .succeeded)
                default: Issue.record("round \(round): loser \(owner) got \(outcome)")
                }
            }
        }
        // The race was real: replicas read the same version and lost conditional writes (422 on the failed test).
        let lost = try JSON.parse(try await sim.stats())[path: ["byCode", "422"]]?.intValue ?? 0
        #expect(lost >= 1)
        #expect(winners == rounds)
        #expect(runs.total == rounds)
        let entries = try await replicas[1].read().entries
        #expect(entries.count == rounds && entries.allSatisfy { $0.phase == .succeeded && $0.attempts == 1 })
    }

    @Test func abandonedPendingIsResumedWithTheSameKey() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let client = try await Self.setUp(sim, objects: ["w3"])
        let wallZero = Date().timeIntervalSince1970
        let clock = ManualClock()
        let dead = Self.store(client, "w3", owner: "replica-dead", clock: clock, wallClockAtZero: wallZero)
        let snapshot = try await dead.read()
        let key = EffectKey(resourceUID: snapshot.uid, trigger: "policy:scale-up", actionIndex: 0)
        let key2 = EffectKey(resourceUID: snapshot.uid, trigger: "policy:scale-up", actionIndex: 1)
        // The owner records Pending for two effects and dies before running or finishing them.
        guard case .written(let s1) = try await dead.recordPending(key, action: "patch:resize", observed: snapshot),
            case .written = try await dead.recordPending(key2, action: "webhook", observed: s1)
        else {
            Issue.record("recording Pending failed")
            return
        }

        let survivor = Self.store(try KubeClient(server: sim.url), "w3", owner: "replica-b", policy: .init(pendingTimeout: 60),
            clock: clock, wallClockAtZero: wallZero)
        let seen = Mutex<[EffectKey]>([])
        // Before the timeout the entry may belong to a live, slow replica: hands off.
        let early = try await survivor.perform(key, action: "patch:resize") { k in seen.withLock { $0.append(k) } }
        guard case .inProgress(let e, let retryAfter) = early else {
            Issue.record("expected inProgress, got \(early)")
            return
        }
        #expect(e.owner == "replica-dead" && retryAfter == 60)

        clock.advance(by: 61)
        let resumed = try await survivor.perform(key, action: "patch:resize") { k in seen.withLock { $0.append(k) } }
        guard case .performed(let done, resumed: true) = resumed else {
            Issue.record("expected a resumed performance, got \(resumed)")
            return
        }
        #expect(seen.withLock { $0 } == [key])
        #expect(done.key == key && done.attempts == 2 && done.owner == "replica-b" && done.phase == .succeeded)

        // The dead replica's successor under the same identity resumes its own entry at once.
        let restarted = Self.store(try KubeClient(server: sim.url), "w3", owner: "replica-dead")
        let own = try await restarted.perform(key2, action: "webhook") { k in seen.withLock { $0.append(k) } }
        guard case .performed(_, resumed: true) = own else {
            Issue.record("expected a resumed performance, got \(own)")
            return
        }
        #expect(seen.withLock { $0 } == [key, key2])
        #expect(try await survivor.perform(key, action: "patch:resize") { _ in Issue.record("ran twice") } == .alreadyDone(done))
    }

    @Test func conflictingWriteIsDetectedAndRetriedAfterReread() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let client = try await Self.setUp(sim, objects: ["w4"])
        let ledger = Self.store(client, "w4", owner: "vigil-0")
        let stale = try await ledger.read()
        #expect(!stale.hasStatus)
        let key = EffectKey(resourceUID: stale.uid, trigger: "pod:abc/resize:2", actionIndex: 0)

        // Someone else writes the status between our read and our record.
        _ = try await client.patch(Self.widgets, namespace: "default", name: "w4", subresource: "status", type: .merge,
            body: Array(#"{"status":{"conditions":[{"type":"Ready","status":"True"}]}}"#.utf8))
        #expect(try await ledger.recordPending(key, action: "patch", observed: stale) == .conflict)
        #expect(try await ledger.read().entries.isEmpty)

        let fresh = try await ledger.read()
        #expect(fresh.hasStatus && fresh.resourceVersion != stale.resourceVersion)
        guard case .written(let pending) = try await ledger.recordPending(key, action: "patch", observed: fresh) else {
            Issue.record("recording after a re-read should succeed")
            return
        }
        #expect(pending.entry(key)?.phase == .pending)
        // The result write is conditional too: a stale snapshot loses.
        #expect(try await ledger.recordResult(key, action: "patch", result: .succeeded, observed: fresh) == .conflict)
        guard case .written(let finished) = try await ledger.recordResult(key, action: "patch", result: .succeeded, observed: pending) else {
            Issue.record("recording the result should succeed")
            return
        }
        #expect(finished.entry(key)?.phase == .succeeded)
        let stored = try await client.get(Self.widgets, namespace: "default", name: "w4")
        #expect(stored.status?["conditions"] != nil)
    }

    /// `perform(cached:)`: a cached snapshot that is current saves the read;
    /// one that is stale (another replica finished the effect since) costs a
    /// lost conditional write and a re-read, never a second run.
    @Test func aCachedSnapshotSavesTheReadAndAStaleOneNeverRunsTwice() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        _ = try await Self.setUp(sim, objects: ["w5"])
        let verbs = Mutex<[String]>([])
        var options = KubeClient.Options()
        options.onResponse = { verb, _ in verbs.withLock { $0.append(verb) } }
        let client = try KubeClient(server: sim.url, options: options)
        let replicaA = Self.store(client, "w5", owner: "vigil-a")
        let replicaB = Self.store(client, "w5", owner: "vigil-b")
        let before = try await replicaA.read()
        let key = EffectKey(resourceUID: before.uid, trigger: "nsp/p/g1", actionIndex: 0)
        let runs = Runs()

        verbs.withLock { $0 = [] }
        let first = try await replicaA.perform(key, action: "webhook:p", cached: before) { runs.record($0) }
        guard case .performed = first else {
            Issue.record("expected performed, got \(first)")
            return
        }
        #expect(verbs.withLock { $0 } == ["patch", "patch"], "Pending and the result, no read: \(verbs.withLock { $0 })")

        // B decides on the snapshot from before A's run: its Pending write
        // loses, it re-reads, finds Succeeded and does not run the effect.
        verbs.withLock { $0 = [] }
        let second = try await replicaB.perform(key, action: "webhook:p", cached: before) { runs.record($0) }
        guard case .alreadyDone(let entry) = second else {
            Issue.record("expected alreadyDone, got \(second)")
            return
        }
        #expect(entry.owner == "vigil-a")
        #expect(verbs.withLock { $0 } == ["patch", "get"], "a lost write, then a read: \(verbs.withLock { $0 })")
        #expect(runs.count(key) == 1)
    }

    @Test func anIdempotentEffectIsOneWriteAndARepeatAfterALostRecordIsHarmless() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        _ = try await Self.setUp(sim, objects: ["w6"])
        let verbs = Mutex<[String]>([])
        var options = KubeClient.Options()
        options.onResponse = { verb, _ in verbs.withLock { $0.append(verb) } }
        let client = try KubeClient(server: sim.url, options: options)
        let replicaA = Self.store(client, "w6", owner: "vigil-a")
        let replicaB = Self.store(client, "w6", owner: "vigil-b")
        let before = try await replicaA.read()
        let key = EffectKey(resourceUID: before.uid, trigger: "nsp/expire/g1", actionIndex: 0)
        let runs = Runs()

        // No Pending write: the effect, then one write of its result, whose
        // resourceVersion the caller is told.
        verbs.withLock { $0 = [] }
        let written = Mutex<[String]>([])
        let first = try await replicaA.perform(
            key, action: "deleteNamespace:expire", cached: before, idempotent: true, wrote: { rv in written.withLock { $0.append(rv) } }
        ) { runs.record($0) }
        guard case .performed(let entry, resumed: false) = first else {
            Issue.record("expected performed, got \(first)")
            return
        }
        #expect(verbs.withLock { $0 } == ["patch"], "the result only: \(verbs.withLock { $0 })")
        #expect(entry.phase == .succeeded && entry.attempts == 1 && entry.owner == "vigil-a")
        let afterFirst = try await replicaA.read()
        #expect(afterFirst.entries == [entry])
        #expect(written.withLock { $0 } == [afterFirst.resourceVersion])

        // Deciding on a stale snapshot (as a replica whose predecessor died
        // before recording would) runs the idempotent effect again, but its
        // result write loses, the re-read finds Succeeded and the first
        // record is kept, not doubled.
        let second = try await replicaB.perform(key, action: "deleteNamespace:expire", cached: before, idempotent: true) { runs.record($0) }
        guard case .performed(let kept, _) = second else {
            Issue.record("expected performed (the other's record kept), got \(second)")
            return
        }
        #expect(kept == entry, "the first record stays: \(kept)")
        #expect(runs.count(key) == 2)
        #expect(try await replicaB.read().entries == [entry])
        // A stale repeat whose own run failed does not turn the recorded
        // success into a failure: the success stands.
        let third = try await replicaB.perform(key, action: "deleteNamespace:expire", cached: before, idempotent: true) { k in
            runs.record(k)
            throw Boom()
        }
        #expect(third == .alreadyDone(entry), "\(third)")
        #expect(try await replicaB.read().entries == [entry])
        #expect(runs.count(key) == 3)
        // A fresh decision sees it done and runs nothing.
        #expect(try await replicaB.perform(key, action: "deleteNamespace:expire", idempotent: true) { runs.record($0) } == .alreadyDone(entry))
        #expect(runs.count(key) == 3)

        // A failure counts as an attempt (the backoff grows) though nothing
        // was written before it.
        let key2 = EffectKey(resourceUID: before.uid, trigger: "nsp/sleep/g1", actionIndex: 0)
        let failed = try await replicaA.perform(key2, action: "scaleDown:sleep", idempotent: true) { k in
            runs.record(k)
            throw Boom()
        }
        guard case .failed(let f1, _) = failed, f1.attempts == 1, f1.nextRetryAt != nil else {
            Issue.record("expected a first failed attempt, got \(failed)")
            return
        }
        let wall = Date().timeIntervalSince1970
        let later = Self.store(client, "w6", owner: "vigil-a", clock: ManualClock(), wallClockAtZero: wall + 60)
        let retried = try await later.perform(key2, action: "scaleDown:sleep", idempotent: true) { k in
            runs.record(k)
            throw Boom()
        }
        guard case .failed(let f2, _) = retried else {
            Issue.record("expected a second failed attempt, got \(retried)")
            return
        }
        #expect(f2.attempts == 2, "\(f2)")
        #expect(runs.count(key2) == 2)
    }
}
