import Testing
import VigilAPI

/// Templates over a trigger instance: strict about missing values, escaping
/// by context, and checked before anything runs.
@Suite struct ActionTemplateTests {
    let values = TemplateValues(
        namespace: "shop", labels: ["pod": "web-1", "container": "app", "quote": "say \"hi\"\nbye"], annotations: ["summary": "CPU high"],
        value: "5.5e+08", alertName: "HighCPU", alertFingerprint: "0123456789abcdef", alertStartsAt: "2026-12-07T04:00:00Z", resourceName: "dump",
        outputs: [0: "Full thread dump\n\"main\""])

    @Test func rendersEveryNameOfTheVocabulary() throws {
        let t = ActionTemplate("{{namespace}}/{{labels.pod}}/{{labels.container}} {{annotations.summary}} {{value}} {{alert.name}} {{alert.fingerprint}} {{alert.startsAt}} {{resource.name}}")
        #expect(try t.render(values) == "shop/web-1/app CPU high 5.5e+08 HighCPU 0123456789abcdef 2026-12-07T04:00:00Z dump")
    }

    @Test func aMissingLabelIsAnErrorNamingIt() {
        let t = ActionTemplate("{{labels.pod}}-{{labels.nope}}-{{annotations.gone}}")
        #expect(throws: ActionTemplateError.missing(template: t.text, names: ["labels.nope", "annotations.gone"])) { try t.render(values) }
        let e = #expect(throws: ActionTemplateError.self) { try t.render(values) }
        #expect(e?.description.contains("{{labels.nope}}, {{annotations.gone}}") == true)
        #expect(e?.description.contains("nothing was run") == true)
    }

    @Test func textIsInsertedAsIsAndJSONIsEscaped() throws {
        #expect(try ActionTemplate("{{labels.quote}} <&>").render(values) == "say \"hi\"\nbye <&>")
        let json = ActionTemplate("{\"text\": \"{{labels.quote}}: {{outputs.0}}\"}", escaping: .json)
        #expect(try json.render(values) == #"{"text": "say \"hi\"\nbye: Full thread dump\n\"main\""}"#)
        // Triple braces insert the raw value even in JSON.
        #expect(try ActionTemplate("{{{labels.pod}}}", escaping: .json).render(values) == "web-1")
    }

    @Test func literalsAreReturnedUnchanged() throws {
        let t = ActionTemplate("api")
        #expect(t.isLiteral)
        #expect(try t.render(TemplateValues(namespace: "x", resourceName: "y")) == "api")
    }

    @Test func validationNamesUnknownValuesSyntaxAndLaterOutputs() {
        #expect(ActionTemplate("{{labels.pod}} {{outputs.0}} {{alert.startsAt}}").problem(actionIndex: 1) == nil)
        #expect(ActionTemplate("{{pod}}").problem(actionIndex: 0)?.contains("{{pod}} is not a known value") == true)
        #expect(ActionTemplate("{{labels}}").problem(actionIndex: 0)?.contains("must name one label") == true)
        #expect(ActionTemplate("{{alert.severity}}").problem(actionIndex: 0)?.contains("alert.name, alert.fingerprint or alert.startsAt") == true)
        #expect(ActionTemplate("{{outputs.1}}").problem(actionIndex: 1)?.contains("does not run before this one") == true)
        #expect(ActionTemplate("{{#labels.pod}}").problem(actionIndex: 0)?.contains("not valid Mustache") == true)
        #expect(ActionTemplate("{{outputs.0}} {{outputs.2}}").outputIndexes == [0, 2])
    }
}

@Suite struct AlertMatcherTests {
    @Test func parsesTheFourOperators() throws {
        #expect(try AlertMatcher.parse(#"severity="critical""#).get() == AlertMatcher(label: "severity", op: .equal, value: "critical"))
        #expect(try AlertMatcher.parse(#"severity != "info""#).get() == AlertMatcher(label: "severity", op: .notEqual, value: "info"))
        #expect(try AlertMatcher.parse(#"severity=~"warning|critical""#).get() == AlertMatcher(label: "severity", op: .matches, value: "warning|critical"))
        #expect(try AlertMatcher.parse("pod!~canary-.*").get() == AlertMatcher(label: "pod", op: .notMatches, value: "canary-.*"))
        #expect(AlertMatcher(label: "severity", op: .matches, value: "warning|critical").description == #"severity=~"warning|critical""#)
    }

    @Test func matchesAnchoredAndTreatsAMissingLabelAsEmpty() throws {
        let m = try AlertMatcher.parse(#"severity=~"warning|critical""#).get()
        #expect(m.matches(["severity": "warning"]))
        #expect(!m.matches(["severity": "warnings"]))
        #expect(!m.matches([:]))
        #expect(try AlertMatcher.parse(#"team="""#).get().matches([:]))
        #expect(try AlertMatcher.parse(#"pod!~"canary-.*""#).get().matches(["pod": "web-1"]))
        #expect(!(try AlertMatcher.parse(#"pod!~"canary-.*""#).get().matches(["pod": "canary-1"])))
    }

    @Test func rejectsWhatIsNotAMatcher() {
        #expect(throws: MatcherParseError.self) { try AlertMatcher.parse("severity").get() }
        #expect(throws: MatcherParseError.self) { try AlertMatcher.parse(#"1abc="x""#).get() }
        #expect(throws: MatcherParseError.self) { try AlertMatcher.parse(#"a=~"(""#).get() }
        #expect(throws: MatcherParseError.self) { try AlertMatcher.parse(#"a="unterminated"#).get() }
    }
}
