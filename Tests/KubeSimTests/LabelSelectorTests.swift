import Testing

@testable import KubeSim

@Suite struct LabelSelectorTests {
    func parse(_ s: String) throws -> LabelSelector { try LabelSelector.parse(s) }
    func error(_ s: String) -> String? {
        do {
            _ = try LabelSelector.parse(s)
            return nil
        } catch { return error.message }
    }

    @Test func equalityAndSetOperators() throws {
        let sel = try parse(" app = web , tier!=db,env in (prod, staging),track notin (canary),!legacy,team")
        #expect(sel.requirements.map(\.key) == ["app", "env", "legacy", "team", "tier", "track"])
        let ok = ["app": "web", "env": "prod", "team": "a", "track": "stable"]
        #expect(sel.matches(ok))
        #expect(!sel.matches(ok.merging(["legacy": "x"]) { $1 }))
        #expect(!sel.matches(ok.merging(["tier": "db"]) { $1 }))
        #expect(!sel.matches(ok.merging(["env": "dev"]) { $1 }))
        #expect(!sel.matches(ok.merging(["track": "canary"]) { $1 }))
        var noTeam = ok
        noTeam["team"] = nil
        #expect(!sel.matches(noTeam))
    }

    @Test func doubleEqualsAndEmptyValue() throws {
        #expect(try parse("a==b").matches(["a": "b"]))
        let empty = try parse("a=")
        #expect(empty.matches(["a": ""]))
        #expect(!empty.matches([:]))
        #expect(try parse("a notin (x)").matches([:]))
        #expect(try parse("x in (foo,,baz)").requirements[0].values == ["", "baz", "foo"])
    }

    @Test func emptySelectorMatchesEverything() throws {
        #expect(try parse("").isEmpty)
        #expect(try parse("  ").matches(["a": "b"]))
        #expect(LabelSelector.everything.matches([:]))
    }

    @Test func inAsValue() throws {
        // `in` and `notin` are plain identifiers in value position.
        let s = try parse("k in (in,notin)")
        #expect(s.requirements[0].values == ["in", "notin"])
        #expect(try parse("a=in").matches(["a": "in"]))
    }

    @Test func stringForm() throws {
        #expect(try parse("b in (z,y),a!=1,!c").description == "a!=1,b in (y,z),!c")
    }

    @Test func parseErrorsCarryApiserverTexts() {
        #expect(error("a,") == "found '', expected: identifier after ','")
        #expect(error("a b") == "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt")
        #expect(error("a=b c") == "found 'c', expected: ',' or 'end of string'")
        #expect(error(",a") == "found ',', expected: !, identifier, or 'end of string'")
        #expect(error("a in x") == "unable to parse requirement: found 'x' expected: '('")
        #expect(error("a in (x") == "unable to parse requirement: found '', expected: ',' or ')'")
        #expect(error("a in (x y)") == "unable to parse requirement: found 'y', expected: ',' or ')'")
        #expect(error("a=(") == "unable to parse requirement: found '(', expected: identifier")
        #expect(error("!") == "unable to parse requirement: found '', expected: identifier")
        #expect(error("!a=b") == "found '=', expected: ',' or 'end of string'")
        #expect(error("a (b)") == "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt")
    }

    @Test func invalidKeyAndValue() {
        #expect(
            error("a$b=c")
                == "unable to parse requirement: <nil>: Invalid value: \"a$b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        )
        #expect(
            error("app=-x")
                == "unable to parse requirement: values[0][app]: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        )
        let long = String(repeating: "a", count: 64)
        #expect(error(long)?.hasPrefix("unable to parse requirement: <nil>: Invalid value: \"\(long)\": name part must be no more than 63 characters") == true)
    }

    @Test func labelKeyValidation() {
        #expect(LabelValidation.labelKeyErrors("example.com/app").isEmpty)
        #expect(LabelValidation.labelKeyErrors("/app") == ["prefix part must be non-empty"])
        #expect(LabelValidation.labelKeyErrors("Example.com/app").first?.hasPrefix("prefix part a lowercase RFC 1123 subdomain") == true)
        #expect(LabelValidation.labelKeyErrors("a/b/c").first?.hasPrefix("a qualified name must consist of") == true)
        #expect(LabelValidation.labelKeyErrors("app/").first == "name part must be non-empty")
        #expect(LabelValidation.labelValueErrors("").isEmpty)
        #expect(LabelValidation.labelValueErrors(String(repeating: "x", count: 64)) == ["must be no more than 63 characters"])
        let errs = LabelValidation.validateLabels(["ok": "fine", "bad key": "v"])
        #expect(errs.count == 1)
        #expect(errs.first?.message.hasPrefix("metadata.labels: Invalid value: \"bad key\": name part must consist") == true)
    }

    @Test func jsonForm() throws {
        let sel = try LabelSelector(
            json: [
                "matchLabels": ["app": "web"],
                "matchExpressions": [
                    ["key": "tier", "operator": "In", "values": ["fe", "be"]],
                    ["key": "old", "operator": "DoesNotExist"],
                ],
            ])
        #expect(sel.matches(["app": "web", "tier": "fe"]))
        #expect(!sel.matches(["app": "web", "tier": "fe", "old": "1"]))
        #expect(!sel.matches(["app": "web"]))
        #expect(try LabelSelector(json: [:]).matches(["x": "y"]))
        #expect(!(try LabelSelector(json: .null)).matches([:]))
        #expect(try LabelSelector(json: ["matchLabels": ["app": "web"]]).matches(object: ["metadata": ["labels": ["app": "web"]]]))
    }

    @Test func jsonFormErrors() {
        #expect(throws: LabelSelectorError("\"Foo\" is not a valid label selector operator")) {
            try LabelSelector(json: ["matchExpressions": [["key": "a", "operator": "Foo"]]])
        }
        #expect(throws: LabelSelectorError("values: Invalid value: []interface {}{}: for 'in', 'notin' operators, values set can't be empty")) {
            try LabelSelector(json: ["matchExpressions": [["key": "a", "operator": "In", "values": []]]])
        }
        #expect(throws: LabelSelectorError("values: Invalid value: []interface {}{\"x\"}: values set must be empty for exists and does not exist")) {
            try LabelSelector(json: ["matchExpressions": [["key": "a", "operator": "Exists", "values": ["x"]]]])
        }
    }
}
