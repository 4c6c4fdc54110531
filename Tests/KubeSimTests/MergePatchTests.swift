import Testing

@testable import KubeSim

private func j(_ s: String) -> JSON { try! JSON.parse(s) }

@Suite struct MergePatchTests {
    @Test func rfc7386Examples() {
        // The RFC's appendix A cases.
        let cases: [(String, String, String)] = [
            (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
            (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
            (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
            (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
            (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
            (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
            (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
            (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
            (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
            (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
        ]
        for (target, patch, expected) in cases {
            #expect(MergePatch.apply(j(patch), to: j(target)) == j(expected), "\(target) + \(patch)")
        }
    }

    @Test func nestedMergeKeepsOtherKeysAndOrder() {
        let target = j(#"{"metadata":{"name":"x","labels":{"a":"1","b":"2"}},"spec":{"replicas":1}}"#)
        let out = MergePatch.apply(j(#"{"metadata":{"labels":{"b":null,"c":"3"}},"spec":{"replicas":3}}"#), to: target)
        #expect(out == j(#"{"metadata":{"name":"x","labels":{"a":"1","c":"3"}},"spec":{"replicas":3}}"#))
        #expect(out[path: ["metadata", "labels"]]?.objectValue?.keys == ["a", "c"])
    }

    @Test func arraysReplaceAndNewValuesLoseNulls() {
        let out = MergePatch.apply(j(#"{"list":[9,null],"new":{"k":null,"v":[1,null]}}"#), to: j(#"{"list":[1,2,3],"obj":{"x":1}}"#))
        // evanphx prunes nulls inside newly added values, arrays included.
        #expect(out["list"] == j("[9]"))
        #expect(out["obj"] == j(#"{"x":1}"#))
        #expect(out["new"] == j(#"{"v":[1]}"#))
    }

    @Test func objectReplacesScalarAndNonObjectTarget() {
        #expect(MergePatch.apply(j(#"{"a":{"b":null,"c":1}}"#), to: j(#"{"a":"s"}"#)) == j(#"{"a":{"c":1}}"#))
        #expect(MergePatch.apply(j(#"{"a":1}"#), to: j("[1,2]")) == j(#"{"a":1}"#))
        #expect(MergePatch.apply(j("[1,null]"), to: j(#"{"a":1}"#)) == j("[1]"))
    }

    @Test func validateRejectsNullAndScalars() throws {
        for bad in ["null", "\"str\"", "1", "true"] {
            let e = #expect(throws: PatchError.self) { try MergePatch.validate(j(bad)) }
            #expect(e?.code == 400)
            #expect(e?.reason == "BadRequest")
            #expect(e?.message == "Invalid JSON Patch")
        }
        try MergePatch.validate(j("{}"))
        #expect(try MergePatch.applyChecked(j(#"{"a":2}"#), to: j(#"{"a":1}"#)) == j(#"{"a":2}"#))
    }
}
