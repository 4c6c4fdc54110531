import Testing

@testable import KubeSim

@Suite struct APICrudTests {
    @Test func createGetListAndConflicts() async throws {
        let sim = try await SimHarness()
        let (code, created) = await sim.json("POST", "/api/v1/namespaces/default/configmaps", SimHarness.configMap("a"))
        #expect(code == 201)
        let uid = created[path: ["metadata", "uid"]]?.stringValue ?? ""
        #expect(uid.count == 36)
        #expect(created[path: ["metadata", "creationTimestamp"]]?.stringValue?.hasSuffix("Z") == true)

        let (dup, dupBody) = await sim.json("POST", "/api/v1/namespaces/default/configmaps", SimHarness.configMap("a"))
        #expect(dup == 409)
        #expect(dupBody["reason"] == "AlreadyExists")
        #expect(dupBody["message"] == "configmaps \"a\" already exists")

        let (nf, nfBody) = await sim.json("GET", "/api/v1/namespaces/default/configmaps/nope")
        #expect(nf == 404)
        #expect(nfBody["message"] == "configmaps \"nope\" not found")
        #expect(nfBody[path: ["details", "kind"]] == "configmaps")

        // A stale resourceVersion on update is a 409 Conflict.
        var stale = created
        stale["data"] = ["k": "v2"]
        let (ok, updated) = await sim.json("PUT", "/api/v1/namespaces/default/configmaps/a", stale)
        #expect(ok == 200)
        #expect(updated[path: ["metadata", "resourceVersion"]] != created[path: ["metadata", "resourceVersion"]])
        let (conflict, cBody) = await sim.json("PUT", "/api/v1/namespaces/default/configmaps/a", stale)
        #expect(conflict == 409)
        #expect(cBody["reason"] == "Conflict")
        #expect(cBody["message"] == "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your changes to the latest version and try again")

        // A no-op update keeps the resourceVersion.
        let (_, same) = await sim.json("PUT", "/api/v1/namespaces/default/configmaps/a", updated)
        #expect(same[path: ["metadata", "resourceVersion"]] == updated[path: ["metadata", "resourceVersion"]])
    }

    @Test func namespaceMustExistAndNamesAreValidated() async throws {
        let sim = try await SimHarness()
        let (code, body) = await sim.json("POST", "/api/v1/namespaces/missing/configmaps", SimHarness.configMap("a", ns: "missing"))
        #expect(code == 404)
        #expect(body["message"] == "namespaces \"missing\" not found")

        let (bad, badBody) = await sim.json("POST", "/api/v1/namespaces/default/configmaps", SimHarness.configMap("Bad_Name"))
        #expect(bad == 422)
        #expect(badBody["reason"] == "Invalid")
        #expect(badBody["message"]?.stringValue?.hasPrefix("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain") == true)
        // kubectl prints "<field>: <message>" per cause, so the cause's message has no field prefix.
        #expect(badBody[path: ["details", "causes"]]?[0]?["field"] == "metadata.name")
        #expect(badBody[path: ["details", "causes"]]?[0]?["message"]?.stringValue?.hasPrefix("Invalid value: \"Bad_Name\"") == true)

        let (mismatch, _) = await sim.json("POST", "/api/v1/namespaces/default/configmaps", SimHarness.configMap("a", ns: "kube-system"))
        #expect(mismatch == 400)
    }

    @Test func generateNameAndGeneration() async throws {
        let sim = try await SimHarness()
        let dep: JSON = [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["generateName": "web-"],
            "spec": ["selector": ["matchLabels": ["app": "web"]],
                     "template": ["metadata": ["labels": ["app": "web"]], "spec": ["containers": [["name": "c", "image": "nginx"]]]]],
        ]
        let (code, d) = await sim.json("POST", "/apis/apps/v1/namespaces/default/deployments", dep)
        #expect(code == 201)
        let name = d[path: ["metadata", "name"]]?.stringValue ?? ""
        #expect(name.hasPrefix("web-") && name.count == 9)
        #expect(d[path: ["metadata", "generation"]] == 1)
        #expect(d[path: ["spec", "replicas"]] == 1)  // defaulted

        // A label change does not bump generation; a spec change does.
        let (_, l) = await sim.json("PATCH", "/apis/apps/v1/namespaces/default/deployments/\(name)",
            ["metadata": ["labels": ["x": "y"]]], contentType: "application/merge-patch+json")
        #expect(l[path: ["metadata", "generation"]] == 1)
        let (_, s) = await sim.json("PATCH", "/apis/apps/v1/namespaces/default/deployments/\(name)",
            ["spec": ["replicas": 3]], contentType: "application/merge-patch+json")
        #expect(s[path: ["metadata", "generation"]] == 2)

        // Status goes through /status only; the main resource ignores it.
        let (_, st) = await sim.json("PATCH", "/apis/apps/v1/namespaces/default/deployments/\(name)",
            ["status": ["replicas": 9]], contentType: "application/merge-patch+json")
        #expect(st[path: ["status", "replicas"]] == nil)
        let (_, st2) = await sim.json("PATCH", "/apis/apps/v1/namespaces/default/deployments/\(name)/status",
            ["status": ["replicas": 9], "spec": ["replicas": 7]], contentType: "application/merge-patch+json")
        #expect(st2[path: ["status", "replicas"]] == 9)
        #expect(st2[path: ["spec", "replicas"]] == 3)

        // Scale subresource.
        let (_, scale) = await sim.json("GET", "/apis/apps/v1/namespaces/default/deployments/\(name)/scale")
        #expect(scale["kind"] == "Scale")
        #expect(scale[path: ["spec", "replicas"]] == 3)
        #expect(scale[path: ["status", "selector"]] == "app=web")
        let (_, scaled) = await sim.json("PATCH", "/apis/apps/v1/namespaces/default/deployments/\(name)/scale",
            ["spec": ["replicas": 5]], contentType: "application/merge-patch+json")
        #expect(scaled[path: ["spec", "replicas"]] == 5)
    }

    @Test func patchFlavoursAndJSONPatchTest() async throws {
        let sim = try await SimHarness()
        let (_, created) = await sim.json("POST", "/api/v1/namespaces/default/configmaps", SimHarness.configMap("p"))
        let rv = created[path: ["metadata", "resourceVersion"]]!
        let (ok, patched) = await sim.json("PATCH", "/api/v1/namespaces/default/configmaps/p",
            [["op": "test", "path": "/metadata/resourceVersion", "value": rv], ["op": "add", "path": "/data/n", "value": "1"]],
            contentType: "application/json-patch+json")
        #expect(ok == 200)
        #expect(patched[path: ["data", "n"]] == "1")
        // The same test on the old resourceVersion now fails.
        let (failed, body) = await sim.json("PATCH", "/api/v1/namespaces/default/configmaps/p",
            [["op": "test", "path": "/metadata/resourceVersion", "value": rv], ["op": "add", "path": "/data/m", "value": "1"]],
            contentType: "application/json-patch+json")
        #expect(failed == 422)
        #expect(body["reason"] == "Invalid")
        // Strategic merge on a pod merges containers by name.
        let pod: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "sp"],
            "spec": ["containers": [["name": "a", "image": "x:1"], ["name": "b", "image": "y:1"]]]]
        _ = await sim.json("POST", "/api/v1/namespaces/default/pods", pod)
        let (_, p2) = await sim.json("PATCH", "/api/v1/namespaces/default/pods/sp",
            ["spec": ["containers": [["name": "b", "image": "y:2"]]]], contentType: "application/strategic-merge-patch+json")
        let images = p2[path: ["spec", "containers"]]?.arrayValue?.compactMap { $0["image"]?.stringValue }
        #expect(images == ["x:1", "y:2"])
        // Pod spec is otherwise immutable.
        let (imm, immBody) = await sim.json("PATCH", "/api/v1/namespaces/default/pods/sp",
            ["spec": ["restartPolicy": "Never"]], contentType: "application/merge-patch+json")
        #expect(imm == 422)
        #expect(immBody["message"]?.stringValue?.contains("pod updates may not change fields") == true)
        // Unknown patch type.
        let (unsup, _) = await sim.json("PATCH", "/api/v1/namespaces/default/pods/sp", ["a": 1], contentType: "text/plain")
        #expect(unsup == 415)
    }

    @Test func serverSideApplyCreatesAndUpdates() async throws {
        let sim = try await SimHarness()
        let cm = SimHarness.configMap("ssa", data: ["a": "1", "b": "2"])
        let (noManager, _) = await sim.json("PATCH", "/api/v1/namespaces/default/configmaps/ssa", cm, contentType: "application/apply-patch+yaml")
        #expect(noManager == 400)
        let (c1, o1) = await sim.json("PATCH", "/api/v1/namespaces/default/configmaps/ssa?fieldManager=me", cm, contentType: "application/apply-patch+yaml")
        #expect(c1 == 201)
        #expect(o1[path: ["metadata", "managedFields"]]?[0]?["manager"] == "me")
        let (c2, o2) = await sim.json("PATCH", "/api/v1/namespaces/default/configmaps/ssa?fieldManager=me",
            SimHarness.configMap("ssa", data: ["a": "1"]), contentType: "application/apply-patch+yaml")
        #expect(c2 == 200)
        #expect(o2["data"] == ["a": "1"])  // b was owned by me and is no longer applied
        let (c3, o3) = await sim.json("PATCH", "/api/v1/namespaces/default/configmaps/ssa?fieldManager=other",
            SimHarness.configMap("ssa", data: ["a": "9"]), contentType: "application/apply-patch+yaml")
        #expect(c3 == 409)
        #expect(o3["message"]?.stringValue?.hasPrefix("Apply failed with 1 conflict") == true, "\(o3)")
    }

    @Test func unknownFieldsInBuiltinKinds() async throws {
        let sim = try await SimHarness()
        let pod: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "u"],
            "spec": ["containers": [["name": "c", "image": "x", "bogus": 1]]]]
        let (strict, body) = await sim.json("POST", "/api/v1/namespaces/default/pods?fieldValidation=Strict", pod)
        #expect(strict == 400)
        #expect(body["message"] == "Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field \"spec.containers[0].bogus\"")
        let r = await sim.call("POST", "/api/v1/namespaces/default/pods", pod)
        #expect(r.status == 201)
        #expect(r.json?[path: ["spec", "containers"]]?[0]?["bogus"] == nil)  // dropped, as decoding into the Go type drops it
        #expect(r.headers.contains { $0.0 == "Warning" && $0.1.contains("unknown field \"spec.containers[0].bogus\"") })
        let (patched, pBody) = await sim.json("PATCH", "/api/v1/namespaces/default/pods/u?fieldValidation=Strict",
            ["spec": ["nope": true]], contentType: "application/merge-patch+json")
        #expect(patched == 400)
        #expect(pBody["message"]?.stringValue?.contains("unknown field \"spec.nope\"") == true)
    }

    @Test func labelsAreValidated() async throws {
        let sim = try await SimHarness()
        let (code, body) = await sim.json("POST", "/api/v1/namespaces/default/configmaps", SimHarness.configMap("l", labels: ["bad key!": "x"]))
        #expect(code == 422)
        #expect(body["message"]?.stringValue?.hasPrefix("ConfigMap \"l\" is invalid: metadata.labels: Invalid value: \"bad key!\": name part must consist of") == true)
        let (emptyOK, o) = await sim.json("POST", "/api/v1/namespaces/default/configmaps", SimHarness.configMap("l2", labels: [:]))
        #expect(emptyOK == 201)
        #expect(o[path: ["metadata", "labels"]] == nil)  // empty maps are omitted
    }

    @Test func dryRunWritesNothing() async throws {
        let sim = try await SimHarness()
        let rvBefore = await sim.store.currentResourceVersion
        let (code, o) = await sim.json("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", SimHarness.configMap("dry"))
        #expect(code == 201)
        #expect(o[path: ["metadata", "name"]] == "dry")
        let (nf, _) = await sim.json("GET", "/api/v1/namespaces/default/configmaps/dry")
        #expect(nf == 404)
        #expect(await sim.store.currentResourceVersion == rvBefore)
        let (bad, _) = await sim.json("POST", "/api/v1/namespaces/default/configmaps?dryRun=Some", SimHarness.configMap("dry"))
        #expect(bad == 400)
    }

    @Test func badInputGetsStatusErrors() async throws {
        let sim = try await SimHarness()
        let r = await sim.api.handle(APIRequest(method: "POST", target: "/api/v1/namespaces/default/configmaps",
            headers: ["content-type": "application/json"], body: Array("{not json".utf8)))
        #expect(r.status == 400)
        #expect(r.json?["reason"] == "BadRequest")
        let unknown = await sim.call("GET", "/apis/nope.example.com/v1/widgets")
        #expect(unknown.status == 404)
        let big = await sim.api.handle(APIRequest(method: "POST", target: "/api/v1/namespaces/default/configmaps",
            headers: ["content-type": "application/json"], body: [UInt8](repeating: 32, count: 3 * 1024 * 1024 + 10)))
        #expect(big.status == 413)
        #expect(big.json?["reason"] == "RequestEntityTooLarge")
        let array = await sim.call("POST", "/api/v1/namespaces/default/configmaps", [1, 2])
        #expect(array.status == 400)
        let method = await sim.call("POST", "/api/v1/namespaces/default/configmaps/x")
        #expect(method.status == 405)
    }
}
