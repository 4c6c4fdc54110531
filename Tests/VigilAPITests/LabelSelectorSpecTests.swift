import Testing
import VigilAPI

@Suite struct LabelSelectorSpecTests {
    let labels = ["app": "web", "tier": "frontend", "track": "stable"]

    @Test func emptySelectsEverything() {
        #expect(LabelSelectorSpec().isEmpty)
        #expect(LabelSelectorSpec().matches(labels: [:]))
        #expect(LabelSelectorSpec(matchLabels: [:], matchExpressions: []).matches(labels: labels))
    }

    @Test func matchLabelsNeedEveryPair() {
        #expect(LabelSelectorSpec(matchLabels: ["app": "web"]).matches(labels: labels))
        #expect(LabelSelectorSpec(matchLabels: ["app": "web", "tier": "frontend"]).matches(labels: labels))
        #expect(!LabelSelectorSpec(matchLabels: ["app": "web", "tier": "backend"]).matches(labels: labels))
        #expect(!LabelSelectorSpec(matchLabels: ["missing": ""]).matches(labels: labels))
    }

    @Test func operatorsFollowKubernetes() {
        typealias R = LabelSelectorSpec.Requirement
        #expect(R(key: "app", operator: .in, values: ["web", "api"]).matches(labels: labels))
        #expect(!R(key: "app", operator: .in, values: ["api"]).matches(labels: labels))
        #expect(!R(key: "nope", operator: .in, values: ["web"]).matches(labels: labels))
        #expect(R(key: "app", operator: .notIn, values: ["api"]).matches(labels: labels))
        #expect(!R(key: "app", operator: .notIn, values: ["web"]).matches(labels: labels))
        #expect(R(key: "nope", operator: .notIn, values: ["web"]).matches(labels: labels))  // absent key: NotIn holds
        #expect(R(key: "track", operator: .exists).matches(labels: labels))
        #expect(!R(key: "nope", operator: .exists).matches(labels: labels))
        #expect(R(key: "nope", operator: .doesNotExist).matches(labels: labels))
        #expect(!R(key: "app", operator: .doesNotExist).matches(labels: labels))
    }

    @Test func labelsAndExpressionsAreAnded() {
        let s = LabelSelectorSpec(
            matchLabels: ["app": "web"],
            matchExpressions: [.init(key: "track", operator: .in, values: ["canary"])])
        #expect(!s.matches(labels: labels))
        #expect(s.matches(labels: ["app": "web", "track": "canary"]))
    }

    @Test func queryStringIsTheListForm() {
        let s = LabelSelectorSpec(
            matchLabels: ["tier": "web", "app": "shop"],
            matchExpressions: [
                .init(key: "env", operator: .in, values: ["qa", "dev"]), .init(key: "legacy", operator: .doesNotExist),
                .init(key: "track", operator: .notIn, values: ["canary"]), .init(key: "owner", operator: .exists),
            ])
        #expect(s.queryString == "app=shop,tier=web,env in (dev,qa),!legacy,track notin (canary),owner")
        #expect(LabelSelectorSpec().queryString == "")
    }

    @Test func selectorProblemsAreReportedWithTheirPaths() throws {
        let yaml = TestDocuments.single(condition: """
            {podsSucceeded: {selector: {matchLabels: {"Bad Key": ok, app: "-bad-"}, matchExpressions: [{key: a, operator: In}, {key: b, operator: Exists, values: [x]}, {key: c, operator: Near, values: [x]}], labels: {}}}}
            """)
        let base = "spec.policies[0].condition.podsSucceeded.selector"
        #expect(try TestDocuments.problems(yaml) == [
            "\(base).labels: unknown field: valid fields are matchLabels and matchExpressions",
            "\(base).matchLabels[Bad Key]: \"Bad Key\" is not a valid label key: must be a label key: an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit (e.g. \"app\" or \"example.com/tier\")",
            "\(base).matchLabels[app]: \"-bad-\" is not a valid label value: must be a label value: empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
            "\(base).matchExpressions[0].values: must list at least one value when the operator is In",
            "\(base).matchExpressions[1].values: must be empty when the operator is Exists",
            "\(base).matchExpressions[2].operator: \"Near\" is not supported: must be one of In, NotIn, Exists or DoesNotExist",
        ])
    }

    @Test func decodedSelectorMatchesAndEncodesBack() throws {
        let yaml = TestDocuments.single(condition: """
            {podsSucceeded: {selector: {matchLabels: {job-name: e2e}, matchExpressions: [{key: example.com/shard, operator: NotIn, values: ["3"]}]}}}
            """)
        let json = try TestDocuments.json(yaml)
        let policy = try NamespacePolicy(json: json)
        guard case .podsSucceeded(let c) = policy.spec.policies[0].condition else {
            Issue.record("expected podsSucceeded, got \(policy.spec.policies[0].condition)")
            return
        }
        #expect(c.selector.matches(labels: ["job-name": "e2e", "example.com/shard": "1"]))
        #expect(!c.selector.matches(labels: ["job-name": "e2e", "example.com/shard": "3"]))
        #expect(c.selector.json == json[path: ["spec", "policies"]]?[0]?[path: ["condition", "podsSucceeded", "selector"]])
    }
}
