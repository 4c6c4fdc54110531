import Testing

@testable import KubeSim

@Suite struct StructuralSchemaTests {
    static let schema = StructuralSchema(
        json: try! JSON.parse(
            """
            {"type":"object","properties":{
              "spec":{"type":"object","required":["name"],"properties":{
                "name":{"type":"string","minLength":2,"maxLength":5,"pattern":"^[a-z]+$"},
                "replicas":{"type":"integer","minimum":1,"maximum":10,"default":1},
                "mode":{"type":"string","enum":["a","b"]},
                "port":{"x-kubernetes-int-or-string":true},
                "when":{"type":"string","format":"date-time"},
                "tags":{"type":"array","maxItems":2,"items":{"type":"string"},"x-kubernetes-list-type":"set"},
                "ports":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],
                         "items":{"type":"object","properties":{"name":{"type":"string"},"n":{"type":"integer"}}}},
                "opts":{"type":"object","additionalProperties":{"type":"string"}},
                "free":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
                "tmpl":{"type":"object","x-kubernetes-embedded-resource":true,"properties":{"spec":{"type":"object"}}},
                "nested":{"type":"object","properties":{"level":{"type":"string","default":"info"},
                                                        "opt":{"type":"string"}}},
                "ratio":{"type":"number","nullable":true,"exclusiveMaximum":true,"maximum":1}
              }},
              "status":{"type":"object","properties":{"ready":{"type":"boolean"}}}
            }}
            """))

    @Test func pruneRemovesUnknownFields() throws {
        let obj = try JSON.parse(
            """
            {"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","bogus":1},
             "spec":{"name":"ab","foo":1,"ports":[{"name":"x","extra":true}],"opts":{"k":"v"},
                     "free":{"any":{"thing":1}},
                     "tmpl":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","zzz":1},"spec":{},"other":2}},
             "top":true}
            """)
        let (pruned, unknown) = Self.schema.prune(obj)
        #expect(
            unknown == [
                "metadata.bogus", "spec.foo", "spec.ports[0].extra", "spec.tmpl.metadata.zzz", "spec.tmpl.other", "top",
            ])
        #expect(pruned["apiVersion"] == "example.com/v1")
        #expect(pruned[path: ["spec", "foo"]] == nil)
        #expect(pruned[path: ["spec", "opts", "k"]] == "v")
        #expect(pruned[path: ["spec", "free", "any", "thing"]] == 1)
        #expect(pruned[path: ["spec", "tmpl", "kind"]] == "Pod")
        #expect(pruned[path: ["spec", "tmpl", "metadata", "name"]] == "p")
        #expect(pruned[path: ["spec", "ports"]]?[0]?["extra"] == nil)
        #expect(StructuralSchema.unknownFieldWarnings(["spec.foo"]) == ["unknown field \"spec.foo\""])
        #expect(
            StructuralSchema.strictDecodingMessage(["spec.foo", "top"])
                == "strict decoding error: unknown field \"spec.foo\", unknown field \"top\"")
    }

    @Test func defaults() throws {
        let d = Self.schema.applyDefaults(try JSON.parse(#"{"spec":{"name":"ab","nested":{},"mode":null}}"#))
        #expect(d[path: ["spec", "replicas"]] == 1)
        #expect(d[path: ["spec", "nested", "level"]] == "info")
        #expect(d[path: ["spec", "nested", "opt"]] == nil)
        #expect(d[path: ["spec", "mode"]] == nil)  // null, not nullable, no default: dropped
        #expect(d["status"] == nil)  // absent parents are not created
        let kept = Self.schema.applyDefaults(try JSON.parse(#"{"spec":{"replicas":3}}"#))
        #expect(kept[path: ["spec", "replicas"]] == 3)
        #expect(kept[path: ["spec", "nested"]] == nil)
    }

    func messages(_ json: String) throws -> [String] {
        Self.schema.validate(try JSON.parse(json)).map(\.message)
    }

    @Test func typeAndRequired() throws {
        let errs = Self.schema.validate(try JSON.parse(#"{"spec":{"replicas":"3"}}"#))
        #expect(
            errs.map(\.message) == [
                "spec.name: Required value",
                #"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#,
            ])
        #expect(errs.map(\.type) == [.required, .typeInvalid])
        #expect(errs[1].field == "spec.replicas")
        #expect(try messages(#"{"spec":{"name":"ab","replicas":2.0}}"#).isEmpty)
        #expect(
            try messages(#"{"spec":{"name":"ab","replicas":2.5}}"#) == [
                #"spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number""#
            ])
        #expect(
            try messages(#"{"spec":{"name":"ab","port":true}}"#) == [
                #"spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean""#
            ])
        #expect(try messages(#"{"spec":{"name":"ab","port":"http","ratio":null}}"#).isEmpty)
        #expect(
            try messages(#"{"spec":{"name":null}}"#) == [
                #"spec.name: Invalid value: "null": spec.name in body must be of type string: "null""#
            ])
    }

    @Test func valueConstraints() throws {
        #expect(
            try messages(#"{"spec":{"name":"ABCDEF","replicas":0,"mode":"x","ratio":1}}"#) == [
                "spec.name: Too long: may not be longer than 5",
                "spec.name: Invalid value: \"ABCDEF\": spec.name in body should match '^[a-z]+$'",
                "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1",
                #"spec.mode: Unsupported value: "x": supported values: "a", "b""#,
                "spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1",
            ])
        #expect(
            try messages(#"{"spec":{"name":"a","replicas":11}}"#) == [
                "spec.name: Invalid value: \"a\": spec.name in body should be at least 2 chars long",
                "spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10",
            ])
        #expect(
            try messages(#"{"spec":{"name":"ab","when":"yesterday","opts":{"k":1}}}"#) == [
                #"spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday""#,
                #"spec.opts.k: Invalid value: "integer": spec.opts.k in body must be of type string: "integer""#,
            ])
        #expect(try messages(#"{"spec":{"name":"ab","when":"2024-05-01T10:00:00Z"}}"#).isEmpty)
    }

    @Test func arraysAndListTypes() throws {
        #expect(
            try messages(#"{"spec":{"name":"ab","tags":["a","b","a"]}}"#) == [
                "spec.tags: Too many: 3: must have at most 2 items",
                #"spec.tags[2]: Duplicate value: "a""#,
            ])
        #expect(
            try messages(#"{"spec":{"name":"ab","ports":[{"name":"x","n":1},{"name":"x","n":2}]}}"#) == [
                #"spec.ports[1]: Duplicate value: map[string]interface {}{"name":"x"}"#
            ])
        #expect(
            try messages(#"{"spec":{"name":"ab","tags":[1]}}"#) == [
                #"spec.tags[0]: Invalid value: "integer": spec.tags[0] in body must be of type string: "integer""#
            ])
    }

    @Test func compositeSchemas() throws {
        let s = StructuralSchema(
            json: try JSON.parse(
                #"{"type":"object","properties":{"v":{"type":"integer","oneOf":[{"minimum":5},{"maximum":1}]},"w":{"type":"string","not":{"enum":["no"]}}}}"#
            ))
        #expect(s.validate(["v": 7, "w": "yes"]).isEmpty)
        let errs = s.validate(["v": 3, "w": "no"]).map(\.message)
        #expect(errs.contains(#"<nil>: Invalid value: "": "v" must validate one and only one schema (oneOf). Found none valid"#))
        #expect(errs.contains(#"<nil>: Invalid value: "": "w" must not validate the schema (not)"#))
    }

    @Test func invalidStatus() throws {
        let errs = Self.schema.validate(try JSON.parse(#"{"spec":{"replicas":"3"}}"#))
        #expect(
            FieldError.invalidMessage(kind: "Widget", group: "example.com", name: "w1", errors: errs)
                == #"Widget.example.com "w1" is invalid: [spec.name: Required value, spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"]"#
        )
        #expect(
            FieldError.invalidMessage(kind: "Widget", group: "example.com", name: "w1", errors: [errs[0]])
                == #"Widget.example.com "w1" is invalid: spec.name: Required value"#)
        let status = FieldError.invalidStatus(kind: "Widget", group: "example.com", name: "w1", errors: errs)
        #expect(status["code"] == 422)
        #expect(status["reason"] == "Invalid")
        let causes = status[path: ["details", "causes"]]?.arrayValue
        #expect(causes?.count == 2)
        #expect(causes?[0] == ["reason": "FieldValueRequired", "message": "Required value", "field": "spec.name"])
        #expect(
            causes?[1]["message"]
                == #"Invalid value: "string": spec.replicas in body must be of type integer: "string""#)
        #expect(status[path: ["details", "group"]] == "example.com")
    }

    /// Patterns are compiled once and shared; a cached pattern matches as a
    /// fresh one does (anywhere in the string, like Go), and a pattern that
    /// does not compile stays "no regex" (validation skips it).
    @Test func compiledPatternsAreCachedAndBehaveLikeFreshOnes() {
        let anchored = SimpleRegex.cached("^[a-z]+$")
        #expect(anchored?.matches("abc") == true)
        #expect(anchored?.matches("ab1") == false)
        #expect(SimpleRegex.cached("b")?.matches("abc") == true, "unanchored: a match anywhere counts")
        #expect(SimpleRegex.cached("(unclosed") == nil)
        #expect(SimpleRegex.cached("(unclosed") == nil, "a failed compile is remembered, not retried as a match")
        let shared = (0..<200).map { i in SimpleRegex.cached("^[a-z]+$")!.matches(i % 2 == 0 ? "ok" : "NO") }
        #expect(shared == (0..<200).map { $0 % 2 == 0 })
    }
}
