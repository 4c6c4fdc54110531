import Testing

@testable import KubeSim

private func j(_ s: String) -> JSON { try! JSON.parse(s) }

private let podSchema = PatchSchema.builtin(group: "", kind: "Pod")!
private let deploySchema = PatchSchema.builtin(group: "apps", kind: "Deployment")!

private let pod = j(
    #"""
    {"apiVersion":"v1","kind":"Pod",
     "metadata":{"name":"p","labels":{"app":"web","tier":"fe"},"finalizers":["a.io/x","b.io/y"],
                 "ownerReferences":[{"uid":"u1","name":"rs","kind":"ReplicaSet"}]},
     "spec":{"containers":[
        {"name":"a","image":"nginx:1","env":[{"name":"E1","value":"1"},{"name":"E2","value":"2"}],
         "ports":[{"containerPort":80},{"containerPort":443}],"volumeMounts":[{"name":"v","mountPath":"/data"}]},
        {"name":"b","image":"redis"}],
      "tolerations":[{"key":"k1","operator":"Exists"}],
      "volumes":[{"name":"v","emptyDir":{}}]}}
    """#)

private func smp(_ patch: String, _ original: JSON = pod, _ schema: PatchSchema = podSchema) throws -> JSON {
    try StrategicMergePatch.apply(j(patch), to: original, schema: schema)
}

private func names(_ v: JSON?) -> [String] { (v?.arrayValue ?? []).compactMap { $0["name"]?.stringValue } }

private func smpError(_ patch: String, _ original: JSON = pod) -> PatchError? {
    #expect(throws: PatchError.self) { try StrategicMergePatch.apply(j(patch), to: original, schema: podSchema) }
}

@Suite struct StrategicMergePatchTests {
    @Test func containersMergeByNameAndKeepOthers() throws {
        let out = try smp(#"{"spec":{"containers":[{"name":"b","image":"redis:7"}]}}"#)
        let cs = out[path: ["spec", "containers"]]?.arrayValue ?? []
        #expect(names(.array(cs)) == ["a", "b"])
        #expect(cs[1]["image"] == "redis:7")
        #expect(cs[0]["image"] == "nginx:1")
        #expect(cs[0]["env"]?.arrayValue?.count == 2)
    }

    @Test func newListItemGoesFirstLikeStrategicpatch() throws {
        let out = try smp(#"{"spec":{"containers":[{"name":"c","image":"busybox"}]}}"#)
        #expect(names(out[path: ["spec", "containers"]]) == ["c", "a", "b"])
    }

    @Test func setElementOrderControlsOrder() throws {
        let out = try smp(
            #"{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"c"},{"name":"a"}],"containers":[{"name":"c","image":"busybox"}]}}"#
        )
        #expect(names(out[path: ["spec", "containers"]]) == ["b", "c", "a"])
        #expect(out[path: ["spec", "$setElementOrder/containers"]] == nil)
    }

    @Test func setElementOrderMismatchIs500() {
        let e = smpError(#"{"spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":[{"name":"b","image":"x"}]}}"#)
        #expect(e?.code == 500)
        #expect(e?.reason == "")
        #expect(e?.message.hasPrefix("The order in patch list:") == true)
    }

    @Test func nestedListsUseTheirOwnKeys() throws {
        let out = try smp(
            #"{"spec":{"containers":[{"name":"a","env":[{"name":"E2","value":"two"},{"name":"E3","value":"3"}],"ports":[{"containerPort":443,"name":"https"}],"volumeMounts":[{"mountPath":"/data","readOnly":true}]}]}}"#
        )
        let a = out[path: ["spec", "containers"]]?[0]
        #expect(a?["env"] == j(#"[{"name":"E1","value":"1"},{"name":"E2","value":"two"},{"name":"E3","value":"3"}]"#))
        #expect(a?["ports"] == j(#"[{"containerPort":80},{"containerPort":443,"name":"https"}]"#))
        #expect(a?["volumeMounts"] == j(#"[{"name":"v","mountPath":"/data","readOnly":true}]"#))
    }

    @Test func deleteDirectiveInList() throws {
        let out = try smp(#"{"spec":{"containers":[{"name":"a","env":[{"name":"E1","$patch":"delete"}]},{"name":"b","$patch":"delete"}]}}"#)
        #expect(names(out[path: ["spec", "containers"]]) == ["a"])
        #expect(names(out[path: ["spec", "containers"]]?[0]?["env"]) == ["E2"])
    }

    @Test func replaceDirectiveInList() throws {
        let out = try smp(#"{"spec":{"containers":[{"name":"z","image":"zz","bogus":null},{"$patch":"replace"}]}}"#)
        #expect(out[path: ["spec", "containers"]] == j(#"[{"name":"z","image":"zz"}]"#))
    }

    @Test func mergeDirectiveInListIsRejected() {
        let e = smpError(#"{"spec":{"containers":[{"$patch":"merge"}]}}"#)
        #expect(e?.code == 500)
        #expect(e?.message == "merging lists cannot yet be specified in the patch")
    }

    @Test func mapDirectives() throws {
        let replaced = try smp(#"{"metadata":{"labels":{"$patch":"replace","only":"me"}}}"#)
        #expect(replaced[path: ["metadata", "labels"]] == j(#"{"only":"me"}"#))
        let deleted = try smp(#"{"metadata":{"labels":{"$patch":"delete"}}}"#)
        #expect(deleted[path: ["metadata", "labels"]] == j("{}"))
        let e = smpError(#"{"metadata":{"labels":{"$patch":"frob","x":"1"}}}"#)
        #expect(e?.code == 500)
        #expect(e?.message == "unknown patch type: frob in map: map[$patch:frob x:1]")
    }

    @Test func nullDeletesMapKey() throws {
        let out = try smp(#"{"metadata":{"labels":{"tier":null,"new":"1"}},"spec":{"nodeName":null}}"#)
        #expect(out[path: ["metadata", "labels"]] == j(#"{"app":"web","new":"1"}"#))
    }

    @Test func primitiveListMergeAndDeleteFromPrimitiveList() throws {
        let merged = try smp(#"{"metadata":{"finalizers":["b.io/y","c.io/z"]}}"#)
        #expect(merged[path: ["metadata", "finalizers"]] == j(#"["a.io/x","b.io/y","c.io/z"]"#))
        let removed = try smp(#"{"metadata":{"$deleteFromPrimitiveList/finalizers":["a.io/x"]}}"#)
        #expect(removed[path: ["metadata", "finalizers"]] == j(#"["b.io/y"]"#))
        let both = try smp(
            #"{"metadata":{"$setElementOrder/finalizers":["c.io/z","b.io/y"],"finalizers":["c.io/z"],"$deleteFromPrimitiveList/finalizers":["a.io/x"]}}"#
        )
        #expect(both[path: ["metadata", "finalizers"]] == j(#"["c.io/z","b.io/y"]"#))
        let bad = smpError(#"{"metadata":{"$deleteFromPrimitiveListfinalizers":["a.io/x"]}}"#)
        #expect(bad?.code == 400)
        #expect(bad?.message == "invalid patch format of primitive list")
    }

    @Test func atomicListsAreReplaced() throws {
        let out = try smp(#"{"spec":{"tolerations":[{"key":"k2","operator":"Exists"}]}}"#)
        #expect(out[path: ["spec", "tolerations"]] == j(#"[{"key":"k2","operator":"Exists"}]"#))
    }

    @Test func ownerReferencesMergeByUID() throws {
        let out = try smp(#"{"metadata":{"ownerReferences":[{"uid":"u2","name":"other","kind":"Job"}]}}"#)
        #expect(out[path: ["metadata", "ownerReferences"]]?.arrayValue?.count == 2)
    }

    @Test func retainKeys() throws {
        let d = j(
            #"{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}},"replicas":2}}"#)
        let out = try smp(#"{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}"#, d, deploySchema)
        #expect(out[path: ["spec", "strategy"]] == j(#"{"type":"Recreate"}"#))
        let e = #expect(throws: PatchError.self) {
            try smp(#"{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{"maxSurge":2}}}}"#, d, deploySchema)
        }
        #expect(e?.code == 400)
        #expect(e?.message == "invalid patch format of retainKeys")
    }

    @Test func templateSchemaForWorkloads() throws {
        let d = j(#"{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"1"},{"name":"b","image":"2"}]}}}}"#)
        let out = try smp(#"{"spec":{"template":{"spec":{"containers":[{"name":"b","image":"3"}]}}}}"#, d, deploySchema)
        #expect(out[path: ["spec", "template", "spec", "containers"]] == j(#"[{"name":"a","image":"1"},{"name":"b","image":"3"}]"#))
        // The pod schema has no template, so the list is atomic there.
        let atomic = try smp(#"{"spec":{"template":{"spec":{"containers":[{"name":"b","image":"3"}]}}}}"#, d, podSchema)
        #expect(atomic[path: ["spec", "template", "spec", "containers"]] == j(#"[{"name":"b","image":"3"}]"#))
    }

    @Test func builtinCoverage() {
        #expect(PatchSchema.builtin(group: "batch", kind: "Job")?.listRule(at: ["spec", "template", "spec", "containers"])?.smpMergeKey == "name")
        #expect(PatchSchema.builtin(group: "", kind: "Service")?.listRule(at: ["spec", "ports"])?.smpMergeKey == "port")
        #expect(PatchSchema.builtin(group: "", kind: "Node")?.listRule(at: ["status", "conditions"])?.smpMergeKey == "type")
        #expect(PatchSchema.builtin(group: "", kind: "ConfigMap")?.listRule(at: ["metadata", "finalizers"]) == .mergeSet)
        #expect(PatchSchema.builtin(group: "example.com", kind: "Widget") == nil)
    }

    @Test func servicePortsMergeByPort() throws {
        let svc = j(#"{"spec":{"ports":[{"port":80,"targetPort":8080},{"port":443}]}}"#)
        let schema = PatchSchema.builtin(group: "", kind: "Service")!
        let out = try StrategicMergePatch.apply(j(#"{"spec":{"ports":[{"port":80,"targetPort":9090}]}}"#), to: svc, schema: schema)
        #expect(out[path: ["spec", "ports"]] == j(#"[{"port":80,"targetPort":9090},{"port":443}]"#))
    }

    @Test func missingMergeKeyIs500() {
        let e = smpError(#"{"spec":{"containers":[{"image":"x"}]}}"#)
        #expect(e?.code == 500)
        #expect(e?.message == "map: map[image:x] does not contain declared merge key: name")
    }

    @Test func listsOfListsAre422() {
        let e = smpError(#"{"metadata":{"finalizers":[["x"]]}}"#, j(#"{"metadata":{"finalizers":[["y"]]}}"#))
        #expect(e?.code == 422)
        #expect(e?.message == PatchError.genericInvalidMessage)
        // Mixed element types are a plain (500) error.
        #expect(smpError(#"{"metadata":{"finalizers":[["x"]]}}"#)?.code == 500)
        #expect(e?.detail == "lists of lists are not supported")
    }

    @Test func newValuesAreCleanedOfDirectivesAndNulls() throws {
        let out = try smp(#"{"spec":{"affinity":{"nodeAffinity":{"x":null,"y":{"$patch":"delete"},"z":1}}}}"#)
        #expect(out[path: ["spec", "affinity"]] == j(#"{"nodeAffinity":{"z":1}}"#))
    }

    @Test func nonObjectPatchIsBadRequest() {
        let e = smpError("[1]")
        #expect(e?.code == 400)
        #expect(e?.message == "json: cannot unmarshal array into Go value of type map[string]interface {}")
    }
}
