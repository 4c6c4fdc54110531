import Testing

@testable import KubeSim

@Suite struct APILifecycleTests {
    @Test func finalizersBlockDeletion() async throws {
        let sim = try await SimHarness()
        var cm = SimHarness.configMap("f")
        cm[path: ["metadata", "finalizers"]] = ["example.com/hold"]
        _ = await sim.json("POST", "/api/v1/namespaces/default/configmaps", cm)
        let (code, pending) = await sim.json("DELETE", "/api/v1/namespaces/default/configmaps/f")
        #expect(code == 200)
        #expect(pending[path: ["metadata", "deletionTimestamp"]] != nil)
        let (still, _) = await sim.json("GET", "/api/v1/namespaces/default/configmaps/f")
        #expect(still == 200)
        // New finalizers may not be added while deleting.
        let (forbidden, _) = await sim.json("PATCH", "/api/v1/namespaces/default/configmaps/f",
            ["metadata": ["finalizers": ["example.com/hold", "x/y"]]], contentType: "application/merge-patch+json")
        #expect(forbidden == 422)
        // Removing the last finalizer removes the object.
        _ = await sim.json("PATCH", "/api/v1/namespaces/default/configmaps/f", ["metadata": ["finalizers": nil]], contentType: "application/merge-patch+json")
        let (gone, _) = await sim.json("GET", "/api/v1/namespaces/default/configmaps/f")
        #expect(gone == 404)
    }

    @Test func deletePreconditions() async throws {
        let sim = try await SimHarness()
        _ = await sim.json("POST", "/api/v1/namespaces/default/configmaps", SimHarness.configMap("pre"))
        let (code, body) = await sim.json("DELETE", "/api/v1/namespaces/default/configmaps/pre",
            ["kind": "DeleteOptions", "apiVersion": "v1", "preconditions": ["uid": "not-the-uid"]])
        #expect(code == 409)
        #expect(body["message"]?.stringValue?.contains("Precondition failed: UID in precondition: not-the-uid") == true)
        let (ok, status) = await sim.json("DELETE", "/api/v1/namespaces/default/configmaps/pre")
        #expect(ok == 200)
        #expect(status["kind"] == "Status")
        #expect(status["status"] == "Success")
    }

    @Test func namespaceTerminationRemovesContentThenNamespace() async throws {
        let sim = try await SimHarness()
        _ = await sim.json("POST", "/api/v1/namespaces", ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "t1"]])
        var held = SimHarness.configMap("held", ns: "t1")
        held[path: ["metadata", "finalizers"]] = ["example.com/hold"]
        _ = await sim.json("POST", "/api/v1/namespaces/t1/configmaps", held)
        _ = await sim.json("POST", "/api/v1/namespaces/t1/configmaps", SimHarness.configMap("free", ns: "t1"))
        let (code, ns) = await sim.json("DELETE", "/api/v1/namespaces/t1")
        #expect(code == 200)
        #expect(ns[path: ["status", "phase"]] == "Terminating")
        // Creating content in a terminating namespace is forbidden.
        let (forbidden, fBody) = await sim.json("POST", "/api/v1/namespaces/t1/configmaps", SimHarness.configMap("late", ns: "t1"))
        #expect(forbidden == 403)
        #expect(fBody[path: ["details", "causes"]]?[0]?["reason"] == "NamespaceTerminating")
        try await waitUntil { await sim.json("GET", "/api/v1/namespaces/t1/configmaps/free").0 == 404 }
        #expect(await sim.json("GET", "/api/v1/namespaces/t1").0 == 200)  // held back by the finalizer
        _ = await sim.json("PATCH", "/api/v1/namespaces/t1/configmaps/held", ["metadata": ["finalizers": nil]], contentType: "application/merge-patch+json")
        try await waitUntil { await sim.json("GET", "/api/v1/namespaces/t1").0 == 404 }
    }

    @Test func ownerDeletionCollectsDependents() async throws {
        let sim = try await SimHarness()
        let (_, owner) = await sim.json("POST", "/api/v1/namespaces/default/configmaps", SimHarness.configMap("owner"))
        var dep = SimHarness.configMap("dep")
        dep[path: ["metadata", "ownerReferences"]] = [[
            "apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner[path: ["metadata", "uid"]]!,
        ]]
        _ = await sim.json("POST", "/api/v1/namespaces/default/configmaps", dep)
        var orphan = SimHarness.configMap("orphan")
        orphan[path: ["metadata", "ownerReferences"]] = dep[path: ["metadata", "ownerReferences"]]
        _ = await sim.json("POST", "/api/v1/namespaces/default/configmaps", orphan)
        _ = await sim.json("DELETE", "/api/v1/namespaces/default/configmaps/owner")
        #expect(await sim.json("GET", "/api/v1/namespaces/default/configmaps/dep").0 == 404)
        #expect(await sim.json("GET", "/api/v1/namespaces/default/configmaps/orphan").0 == 404)

        // Orphan propagation keeps dependents and drops their ownerReferences.
        let (_, o2) = await sim.json("POST", "/api/v1/namespaces/default/configmaps", SimHarness.configMap("owner2"))
        var d2 = SimHarness.configMap("dep2")
        d2[path: ["metadata", "ownerReferences"]] = [["apiVersion": "v1", "kind": "ConfigMap", "name": "owner2", "uid": o2[path: ["metadata", "uid"]]!]]
        _ = await sim.json("POST", "/api/v1/namespaces/default/configmaps", d2)
        _ = await sim.json("DELETE", "/api/v1/namespaces/default/configmaps/owner2?propagationPolicy=Orphan")
        let (kept, keptBody) = await sim.json("GET", "/api/v1/namespaces/default/configmaps/dep2")
        #expect(kept == 200)
        #expect(keptBody[path: ["metadata", "ownerReferences"]] == nil)
    }

    func waitUntil(_ timeout: Duration = .seconds(5), _ cond: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await cond() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("condition not met within \(timeout)")
    }
}
