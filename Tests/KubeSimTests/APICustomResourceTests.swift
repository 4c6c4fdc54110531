import Testing

@testable import KubeSim

@Suite struct APICustomResourceTests {
    static let crd: JSON = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "widgets.example.com"],
        "spec": [
            "group": "example.com", "scope": "Namespaced",
            "names": ["plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]],
            "versions": [[
                "name": "v1", "served": true, "storage": true,
                "subresources": ["status": [:]],
                "additionalPrinterColumns": [["name": "Size", "type": "integer", "jsonPath": ".spec.size"]],
                "schema": ["openAPIV3Schema": [
                    "type": "object",
                    "properties": [
                        "spec": ["type": "object", "required": ["size"], "properties": [
                            "size": ["type": "integer", "minimum": 1],
                            "mode": ["type": "string", "enum": ["fast", "slow"], "default": "slow"],
                        ]],
                        "status": ["type": "object", "properties": ["ready": ["type": "boolean"]]],
                    ],
                ]],
            ]],
        ],
    ]

    func widget(_ name: String, _ spec: JSON) -> JSON {
        ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": .string(name)], "spec": spec]
    }

    @Test func crdServesValidatedPrunedDefaultedResources() async throws {
        let sim = try await SimHarness()
        let (code, crd) = await sim.json("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", Self.crd)
        #expect(code == 201)
        #expect(crd[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "Established" && $0["status"] == "True" } == true)

        let (_, discovery) = await sim.json("GET", "/apis/example.com/v1")
        #expect(discovery["resources"]?.arrayValue?.contains { $0["name"] == "widgets" && $0["kind"] == "Widget" } == true)
        #expect(discovery["resources"]?.arrayValue?.contains { $0["name"] == "widgets/status" } == true)

        let (created, w) = await sim.json("POST", "/apis/example.com/v1/namespaces/default/widgets",
            widget("w1", ["size": 3, "unknown": "x"]))
        #expect(created == 201)
        #expect(w[path: ["spec", "mode"]] == "slow")  // defaulted
        #expect(w[path: ["spec", "unknown"]] == nil)  // pruned

        let (strict, sBody) = await sim.json("POST", "/apis/example.com/v1/namespaces/default/widgets?fieldValidation=Strict",
            widget("w2", ["size": 3, "unknown": "x"]))
        #expect(strict == 400)
        #expect(sBody["message"]?.stringValue?.contains("strict decoding error: unknown field \"spec.unknown\"") == true)

        let (invalid, iBody) = await sim.json("POST", "/apis/example.com/v1/namespaces/default/widgets", widget("w3", ["mode": "warp"]))
        #expect(invalid == 422)
        let msg = iBody["message"]?.stringValue ?? ""
        #expect(msg.hasPrefix("Widget.example.com \"w3\" is invalid: ["))
        #expect(msg.contains("spec.size: Required value"))
        #expect(msg.contains("spec.mode: Unsupported value: \"warp\": supported values: \"fast\", \"slow\""))

        // Status only through the subresource; generation only for spec.
        let (_, st) = await sim.json("PATCH", "/apis/example.com/v1/namespaces/default/widgets/w1/status",
            ["status": ["ready": true]], contentType: "application/merge-patch+json")
        #expect(st[path: ["status", "ready"]] == true)
        #expect(st[path: ["metadata", "generation"]] == 1)
        let (smp, _) = await sim.json("PATCH", "/apis/example.com/v1/namespaces/default/widgets/w1",
            ["spec": ["size": 4]], contentType: "application/strategic-merge-patch+json")
        #expect(smp == 415)

        // Table with printer columns.
        let r = await sim.call("GET", "/apis/example.com/v1/namespaces/default/widgets", headers: ["accept": "application/json;as=Table;v=v1;g=meta.k8s.io"])
        let table = r.json
        #expect(table?["kind"] == "Table")
        #expect(table?["columnDefinitions"]?.arrayValue?.map { $0["name"]?.stringValue ?? "" } == ["Name", "Size"])
        #expect(table?["rows"]?[0]?["cells"]?[1] == 3)

        // Deleting the CRD removes the resource and its objects.
        _ = await sim.json("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")
        #expect(await sim.json("GET", "/apis/example.com/v1/namespaces/default/widgets").0 == 404)
    }

    @Test func eventsAreServedInBothGroups() async throws {
        let sim = try await SimHarness()
        let ev: JSON = ["apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": ["name": "e1"],
            "regarding": ["kind": "Pod", "name": "p", "namespace": "default"], "note": "hello", "reason": "Test", "type": "Normal",
            "eventTime": "2026-11-22T10:00:00.000000Z", "reportingController": "vigil", "reportingInstance": "vigil-0", "action": "Act"]
        let (code, _) = await sim.json("POST", "/apis/events.k8s.io/v1/namespaces/default/events", ev)
        #expect(code == 201)
        let (_, core) = await sim.json("GET", "/api/v1/namespaces/default/events/e1")
        #expect(core["message"] == "hello")
        #expect(core[path: ["involvedObject", "name"]] == "p")
        let (_, v1) = await sim.json("GET", "/apis/events.k8s.io/v1/namespaces/default/events/e1")
        #expect(v1["note"] == "hello")
        #expect(v1["apiVersion"] == "events.k8s.io/v1")
        let (_, sel) = await sim.json("GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dp")
        #expect(sel["items"]?.arrayValue?.count == 1)
    }

    @Test func discoveryListsBuiltins() async throws {
        let sim = try await SimHarness()
        let (_, groups) = await sim.json("GET", "/apis")
        let names = groups["groups"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        for g in ["apps", "batch", "coordination.k8s.io", "events.k8s.io", "apiextensions.k8s.io", "policy", "rbac.authorization.k8s.io"] {
            #expect(names.contains(g))
        }
        let (_, core) = await sim.json("GET", "/api/v1")
        let pods = core["resources"]?.arrayValue?.first { $0["name"] == "pods" }
        #expect(pods?["shortNames"] == ["po"])
        let subs = core["resources"]?.arrayValue?.compactMap { $0["name"]?.stringValue }.filter { $0.hasPrefix("pods/") }.sorted()
        #expect(subs == ["pods/binding", "pods/ephemeralcontainers", "pods/eviction", "pods/log", "pods/resize", "pods/status"])
        let (_, version) = await sim.json("GET", "/version")
        #expect(version["minor"] == "33")
    }
}
