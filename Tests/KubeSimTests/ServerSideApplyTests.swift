import Testing

@testable import KubeSim

private func j(_ s: String) -> JSON { try! JSON.parse(s) }

private let deploySchema = PatchSchema.builtin(group: "apps", kind: "Deployment")!

private func deployment(replicas: Int64 = 3, labels: String = #"{"app":"web"}"#, containers: String = #"[{"name":"app","image":"nginx:1","ports":[{"containerPort":80}]}]"#) -> JSON {
    j(
        #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default","labels":"#
            + labels + #"},"spec":{"replicas":"# + String(replicas)
            + #","selector":{"matchLabels":{"app":"web"}},"template":{"spec":{"containers":"# + containers + "}}}}")
}

private func apply(
    _ live: JSON?, _ applied: JSON, _ manager: String, force: Bool = false, time: String = "2024-01-01T00:00:00Z"
) throws -> JSON {
    try ServerSideApply.apply(
        live: live, applied: applied, fieldManager: manager, force: force, schema: deploySchema,
        options: .init(time: time))
}

private func entries(_ v: JSON) -> [JSON] { v[path: ["metadata", "managedFields"]]?.arrayValue ?? [] }
private func entry(_ v: JSON, _ manager: String) -> JSON? { entries(v).first { $0["manager"] == .string(manager) } }

@Suite struct ServerSideApplyTests {
    @Test func createRecordsFieldsV1() throws {
        let out = try apply(nil, deployment(), "kubectl")
        #expect(out[path: ["spec", "replicas"]] == 3)
        #expect(out[path: ["metadata", "name"]] == "d")
        let e = try #require(entry(out, "kubectl"))
        #expect(e["operation"] == "Apply")
        #expect(e["apiVersion"] == "apps/v1")
        #expect(e["time"] == "2024-01-01T00:00:00Z")
        #expect(e["fieldsType"] == "FieldsV1")
        #expect(e.objectValue?.keys == ["manager", "operation", "apiVersion", "time", "fieldsType", "fieldsV1"])
        let expected = j(
            #"{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}"#
        )
        #expect(e["fieldsV1"] == expected)
        // Wire form of the key, as kubectl shows it.
        #expect(e["fieldsV1"]?.serializedString.contains(#""k:{\"name\":\"app\"}""#) == true)
    }

    @Test func dropsFieldsNoLongerApplied() throws {
        let first = try apply(nil, deployment(labels: #"{"app":"web","tier":"fe"}"#), "kubectl")
        let second = try apply(first, deployment(labels: #"{"app":"web"}"#), "kubectl")
        #expect(second[path: ["metadata", "labels"]] == j(#"{"app":"web"}"#))
        #expect(entry(second, "kubectl")?[path: ["fieldsV1", "f:metadata", "f:labels"]] == j(#"{"f:app":{}}"#))
        // Dropping every label removes the emptied map.
        var noLabels = deployment()
        noLabels[path: ["metadata", "labels"]] = nil
        let third = try apply(second, noLabels, "kubectl")
        #expect(third[path: ["metadata", "labels"]] == nil)
    }

    @Test func conflictWithOtherApplier() throws {
        let base = try apply(nil, deployment(replicas: 3), "a")
        let e = #expect(throws: PatchError.self) { try apply(base, deployment(replicas: 5), "b") }
        #expect(e?.code == 409)
        #expect(e?.reason == "Conflict")
        #expect(e?.message == #"Apply failed with 1 conflict: conflict with "a": .spec.replicas"#)
        #expect(e?.causes == [.init(type: "FieldManagerConflict", message: #"conflict with "a""#, field: ".spec.replicas")])
    }

    @Test func forceMovesOwnership() throws {
        let base = try apply(nil, deployment(replicas: 3), "a")
        let out = try apply(base, deployment(replicas: 5), "b", force: true)
        #expect(out[path: ["spec", "replicas"]] == 5)
        #expect(entry(out, "a")?[path: ["fieldsV1", "f:spec", "f:replicas"]] == nil)
        #expect(entry(out, "a")?[path: ["fieldsV1", "f:spec", "f:selector"]] != nil)
        #expect(entry(out, "b")?[path: ["fieldsV1", "f:spec", "f:replicas"]] == j("{}"))
    }

    @Test func equalValuesAreSharedAndSurviveOneOwnerLeaving() throws {
        let a = try apply(nil, deployment(labels: #"{"app":"web","shared":"x"}"#), "a")
        let b = try apply(a, j(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","labels":{"shared":"x"}}}"#), "b")
        #expect(entry(b, "b")?[path: ["fieldsV1", "f:metadata", "f:labels", "f:shared"]] == j("{}"))
        let aAgain = try apply(b, deployment(labels: #"{"app":"web"}"#), "a")
        #expect(aAgain[path: ["metadata", "labels", "shared"]] == "x")
    }

    @Test func multipleConflictsMessage() throws {
        let base = try apply(nil, deployment(replicas: 3, labels: #"{"app":"web","v":"1"}"#), "a")
        let e = #expect(throws: PatchError.self) {
            try apply(base, deployment(replicas: 4, labels: #"{"app":"web","v":"2"}"#), "b")
        }
        #expect(e?.message == "Apply failed with 2 conflicts: conflicts with \"a\":\n- .metadata.labels.v\n- .spec.replicas")
        #expect(e?.causes.count == 2)
    }

    @Test func keyedListItemsMergeAcrossManagers() throws {
        let a = try apply(nil, deployment(), "a")
        let sidecar = deployment(containers: #"[{"name":"sidecar","image":"envoy"}]"#)
        var bConfig = sidecar
        bConfig[path: ["spec", "replicas"]] = nil
        bConfig[path: ["metadata", "labels"]] = nil
        bConfig[path: ["spec", "selector"]] = nil
        let b = try apply(a, bConfig, "b")
        let names = b[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(names == ["app", "sidecar"])
        // A changes its own container; B's stays.
        let a2 = try apply(b, deployment(containers: #"[{"name":"app","image":"nginx:2"}]"#), "a")
        let cs = a2[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
        #expect(cs.count == 2)
        #expect(cs[0]["image"] == "nginx:2")
        #expect(cs[0]["ports"] == nil)  // a no longer applies ports
    }

    @Test func conflictPathForKeyedItem() throws {
        let base = try apply(nil, deployment(), "a")
        let e = #expect(throws: PatchError.self) {
            try apply(base, deployment(containers: #"[{"name":"app","image":"other"}]"#), "b")
        }
        #expect(e?.causes.map(\.field).contains(#".spec.template.spec.containers[name="app"].image"#) == true)
    }

    @Test func managedFieldsInConfigIsBadRequest() {
        var cfg = deployment()
        cfg[path: ["metadata", "managedFields"]] = j(#"[{"manager":"x"}]"#)
        let e = #expect(throws: PatchError.self) { try apply(nil, cfg, "a") }
        #expect(e?.code == 400)
        #expect(e?.message == "metadata.managedFields must be nil")
    }

    @Test func missingKeyFieldIsAnError() {
        let e = #expect(throws: PatchError.self) { try apply(nil, deployment(containers: #"[{"image":"x"}]"#), "a") }
        #expect(e?.code == 500)
        #expect(
            e?.message
                == #"failed to create typed patch object (apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn't have default value)"#
        )
    }

    @Test func noOpApplyKeepsTime() throws {
        let first = try apply(nil, deployment(), "a", time: "2024-01-01T00:00:00Z")
        let again = try apply(first, deployment(), "a", time: "2025-05-05T00:00:00Z")
        #expect(again == first)
        let changed = try apply(first, deployment(replicas: 9), "a", time: "2025-05-05T00:00:00Z")
        #expect(entry(changed, "a")?["time"] == "2025-05-05T00:00:00Z")
    }

    @Test func updateManagersConflictWhenRecorded() throws {
        let created = ServerSideApply.recordUpdate(
            old: nil, new: deployment(replicas: 1), fieldManager: "kubectl-create", schema: deploySchema,
            time: "2024-01-01T00:00:00Z")
        #expect(entry(created, "kubectl-create")?["operation"] == "Update")
        let e = #expect(throws: PatchError.self) { try apply(created, deployment(replicas: 2), "kubectl") }
        #expect(e?.message == #"Apply failed with 1 conflict: conflict with "kubectl-create" using apps/v1: .spec.replicas"#)
        let lenient = try ServerSideApply.apply(
            live: created, applied: deployment(replicas: 2), fieldManager: "kubectl", force: false, schema: deploySchema,
            options: .init(conflictsWithUpdateManagers: false))
        #expect(lenient[path: ["spec", "replicas"]] == 2)
        // Apply entries sort before Update entries.
        #expect(entries(lenient).map { $0["operation"] } == ["Apply", "Update"])
    }

    @Test func customResourceListTypes() throws {
        let schema = PatchSchema.customResource(listTypes: ["spec.items": .map(keys: ["id"]), "spec.tags": .set])
        let live = try ServerSideApply.apply(
            live: nil,
            applied: j(#"{"apiVersion":"x.io/v1","kind":"W","metadata":{"name":"w"},"spec":{"items":[{"id":1,"v":"a"}],"tags":["t1"],"plain":[1,2]}}"#),
            fieldManager: "a", force: false, schema: schema, options: .init(time: "2024-01-01T00:00:00Z"))
        let out = try ServerSideApply.apply(
            live: live,
            applied: j(#"{"apiVersion":"x.io/v1","kind":"W","metadata":{"name":"w"},"spec":{"items":[{"id":2,"v":"b"}],"tags":["t2"],"plain":[3]}}"#),
            fieldManager: "b", force: true, schema: schema, options: .init(time: "2024-01-01T00:00:01Z"))
        #expect(out[path: ["spec", "items"]] == j(#"[{"id":1,"v":"a"},{"id":2,"v":"b"}]"#))
        #expect(out[path: ["spec", "tags"]] == j(#"["t1","t2"]"#))
        #expect(out[path: ["spec", "plain"]] == j("[3]"))
        #expect(entry(out, "b")?[path: ["fieldsV1", "f:spec", "f:tags"]] == j(#"{"v:\"t2\"":{}}"#))
        #expect(entry(out, "a")?[path: ["fieldsV1", "f:spec", "f:plain"]] == nil)
    }

    @Test func fieldSetRoundTrip() {
        let v1 = j(#"{"f:a":{".":{},"f:b":{}},"f:l":{"k:{\"name\":\"x\"}":{".":{},"f:name":{}},"v:\"s\"":{},"i:3":{}}}"#)
        let set = FieldSet(fieldsV1: v1)
        #expect(set.paths.count == 6)
        #expect(set.fieldsV1 == v1)
        #expect(FieldSet.display([.field("spec"), .key(#"{"port":80,"protocol":"TCP"}"#)]) == #".spec[port=80,protocol="TCP"]"#)
    }
}
