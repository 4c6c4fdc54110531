import Testing

@testable import KubeSim

private func j(_ s: String) -> JSON { try! JSON.parse(s) }

private let pod = j(
    #"{"metadata":{"name":"p","labels":{"app":"web","a/b":"slash","m~n":"tilde"}},"spec":{"containers":[{"name":"a","image":"nginx"},{"name":"b","image":"redis"}],"replicas":3}}"#
)

private func failure(_ patch: String, on doc: JSON = pod) -> PatchError? {
    #expect(throws: PatchError.self) { try JSONPatch.apply(j(patch), to: doc) }
}

@Suite struct JSONPatchTests {
    @Test func addReplaceRemove() throws {
        let out = try JSONPatch.apply(
            j(#"[{"op":"add","path":"/metadata/labels/tier","value":"fe"},{"op":"replace","path":"/spec/replicas","value":5},{"op":"remove","path":"/metadata/labels/app"}]"#),
            to: pod)
        #expect(out[path: ["metadata", "labels", "tier"]] == "fe")
        #expect(out[path: ["spec", "replicas"]] == 5)
        #expect(out[path: ["metadata", "labels", "app"]] == nil)
    }

    @Test func arrayAddAppendInsertAndNegativeIndex() throws {
        let doc = j(#"{"l":[1,2,3]}"#)
        #expect(try JSONPatch.apply(j(#"[{"op":"add","path":"/l/-","value":4}]"#), to: doc) == j(#"{"l":[1,2,3,4]}"#))
        #expect(try JSONPatch.apply(j(#"[{"op":"add","path":"/l/0","value":0}]"#), to: doc) == j(#"{"l":[0,1,2,3]}"#))
        #expect(try JSONPatch.apply(j(#"[{"op":"add","path":"/l/3","value":9}]"#), to: doc) == j(#"{"l":[1,2,3,9]}"#))
        #expect(try JSONPatch.apply(j(#"[{"op":"add","path":"/l/-1","value":9}]"#), to: doc) == j(#"{"l":[1,2,3,9]}"#))
        #expect(try JSONPatch.apply(j(#"[{"op":"remove","path":"/l/-1"}]"#), to: doc) == j(#"{"l":[1,2]}"#))
        #expect(try JSONPatch.apply(j(#"[{"op":"remove","path":"/l/1"}]"#), to: doc) == j(#"{"l":[1,3]}"#))
    }

    @Test func pointerEscapes() throws {
        let out = try JSONPatch.apply(
            j(#"[{"op":"replace","path":"/metadata/labels/a~1b","value":"x"},{"op":"remove","path":"/metadata/labels/m~0n"}]"#),
            to: pod)
        #expect(out[path: ["metadata", "labels", "a/b"]] == "x")
        #expect(out[path: ["metadata", "labels", "m~n"]] == nil)
        #expect(JSONPatch.unescape("~01") == "~1")
    }

    @Test func moveCopyTest() throws {
        let out = try JSONPatch.apply(
            j(#"[{"op":"test","path":"/spec/containers/1/image","value":"redis"},{"op":"copy","from":"/spec/containers/0","path":"/spec/containers/-"},{"op":"move","from":"/metadata/labels/app","path":"/metadata/labels/application"}]"#),
            to: pod)
        #expect(out[path: ["spec", "containers"]]?.arrayValue?.count == 3)
        #expect(out[path: ["spec", "containers"]]?[2] == j(#"{"name":"a","image":"nginx"}"#))
        #expect(out[path: ["metadata", "labels", "application"]] == "web")
        #expect(out[path: ["metadata", "labels", "app"]] == nil)
    }

    @Test func testOpFailureIsInvalid422() {
        let e = failure(#"[{"op":"test","path":"/spec/replicas","value":4},{"op":"replace","path":"/spec/replicas","value":9}]"#)
        #expect(e?.code == 422)
        #expect(e?.reason == "Invalid")
        #expect(e?.message == "the server rejected our request due to an error in our request")
        #expect(e?.detail == "testing value /spec/replicas failed: test failed")
    }

    @Test func testComparesTypesAndStructure() throws {
        // 3 and 3.0 are different JSON texts to evanphx.
        #expect(failure(#"[{"op":"test","path":"/spec/replicas","value":3.5}]"#) != nil)
        _ = try JSONPatch.apply(j(#"[{"op":"test","path":"/spec/replicas","value":3}]"#), to: pod)
        _ = try JSONPatch.apply(j(#"[{"op":"test","path":"/spec/containers/0","value":{"image":"nginx","name":"a"}}]"#), to: pod)
        #expect(failure(#"[{"op":"test","path":"/spec/containers/0","value":{"name":"a"}}]"#) != nil)
        // A missing key tests equal to null.
        _ = try JSONPatch.apply(j(#"[{"op":"test","path":"/spec/missing","value":null}]"#), to: pod)
        #expect(failure(#"[{"op":"test","path":"/spec/missing","value":1}]"#)?.detail == "testing value /spec/missing failed: test failed")
    }

    @Test func missingPathMessages() {
        #expect(
            failure(#"[{"op":"add","path":"/nope/x","value":1}]"#)?.detail
                == #"add operation does not apply: doc is missing path: "/nope/x": missing value"#)
        #expect(
            failure(#"[{"op":"remove","path":"/metadata/labels/zzz"}]"#)?.detail
                == "error in remove for path: '/metadata/labels/zzz': Unable to remove nonexistent key: zzz: missing value")
        #expect(
            failure(#"[{"op":"replace","path":"/spec/containers/7","value":{}}]"#)?.detail
                == "replace operation does not apply: doc is missing key: /spec/containers/7: missing value")
        #expect(
            failure(#"[{"op":"add","path":"/spec/containers/5","value":{}}]"#)?.detail
                == "error in add for path: '/spec/containers/5': Unable to access invalid index: 5: invalid index referenced")
        #expect(
            failure(#"[{"op":"add","path":"/spec/containers/x","value":{}}]"#)?.detail
                == #"error in add for path: '/spec/containers/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax"#)
        #expect(
            failure(#"[{"op":"move","from":"/nope/a","path":"/x"}]"#)?.detail
                == "move operation does not apply: doc is missing from path: /nope/a: missing value")
        #expect(failure(#"[{"op":"frobnicate","path":"/x"}]"#)?.detail == "Unexpected kind: frobnicate")
        // Scalars are not containers.
        #expect(failure(#"[{"op":"add","path":"/spec/replicas/x","value":1}]"#)?.code == 422)
        // evanphx rejects the root pointer.
        #expect(failure(#"[{"op":"replace","path":"","value":{}}]"#)?.code == 422)
    }

    @Test func libraryQuirksKept() throws {
        // replace of a missing object key adds it.
        #expect(try JSONPatch.apply(j(#"[{"op":"replace","path":"/spec/new","value":1}]"#), to: pod)[path: ["spec", "new"]] == 1)
        // copy from a missing object key writes null.
        #expect(try JSONPatch.apply(j(#"[{"op":"copy","from":"/spec/none","path":"/spec/c"}]"#), to: pod)[path: ["spec", "c"]] == .null)
    }

    @Test func failedPatchLeavesNoPartialResult() {
        // The function is pure; a failing later op throws, nothing is returned.
        #expect(failure(#"[{"op":"replace","path":"/spec/replicas","value":1},{"op":"remove","path":"/zz"}]"#)?.code == 422)
        #expect(pod[path: ["spec", "replicas"]] == 3)
    }

    @Test func malformedBodies() {
        let notArray = failure(#"{"op":"add"}"#)
        #expect(notArray?.code == 400)
        #expect(notArray?.reason == "BadRequest")
        #expect(notArray?.message == "json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        #expect(failure(#"["add"]"#)?.message == "json: cannot unmarshal string into Go value of type jsonpatch.Operation")
    }

    @Test func tooManyOperations() {
        let ops = JSON.array(Array(repeating: j(#"{"op":"test","path":"/spec/replicas","value":3}"#), count: 10_001))
        let e = #expect(throws: PatchError.self) { try JSONPatch.apply(ops, to: pod) }
        #expect(e?.code == 413)
        #expect(e?.reason == "RequestEntityTooLarge")
        #expect(e?.message == "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001")
    }
}
