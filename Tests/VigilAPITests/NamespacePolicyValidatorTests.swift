import Foundation
import Testing
import VigilAPI
import VigilJSON

/// Every validation rule, with the exact text a user sees.
@Suite struct NamespacePolicyValidatorTests {
    typealias T = TestDocuments

    static let exactlyOneCondition = "exactly one of ttl, expiresAt, podsSucceeded must be set"
    static let exactlyOneAction = "exactly one of deleteNamespace, scaleDown, webhook must be set"

    @Test func aValidPolicyHasNoProblems() throws {
        #expect(try T.problems(T.single(condition: "{ttl: 30m}")) == [])
        #expect(try T.problems(T.single(condition: "{expiresAt: \"2030-01-01T00:00:00Z\"}", action: "{scaleDown: {selectors: [{kind: Deployment}]}}")) == [])
        #expect(try T.problems(T.single(condition: "{podsSucceeded: {selector: {}}}", action: "{webhook: {url: \"http://10.0.0.1:8080/hook\"}}")) == [])
    }

    @Test func theMessageAUserSeesNamesTheResource() throws {
        let json = try T.json(T.single(condition: "{}"))
        let validator = NamespacePolicyValidator()
        #expect(validator.messages(for: json) == [
            "NamespacePolicy demo/ttl-policy: spec.policies[0].condition: exactly one of ttl, expiresAt, podsSucceeded must be set"
        ])
        let error = #expect(throws: ResourceValidationError.self) { try validator.validate(json) }
        #expect(error?.subject == "NamespacePolicy demo/ttl-policy")
        #expect(error?.description == "NamespacePolicy demo/ttl-policy: spec.policies[0].condition: exactly one of ttl, expiresAt, podsSucceeded must be set")
        #expect(error?.problems.first?.field == "spec.policies[0].condition")
        #expect(error?.problems.first?.value == .object(JSONObject()))
    }

    @Test func apiVersionAndKind() throws {
        var yaml = T.single(condition: "{ttl: 1h}").replacingOccurrences(of: "vigil.dev/v1alpha1", with: "vigil.dev/v1")
        #expect(try T.problems(yaml) == ["apiVersion: \"vigil.dev/v1\" is not supported: must be \"vigil.dev/v1alpha1\""])
        yaml = T.single(condition: "{ttl: 1h}").replacingOccurrences(of: "apiVersion: vigil.dev/v1alpha1\n", with: "")
        #expect(try T.problems(yaml) == ["apiVersion: required: must be \"vigil.dev/v1alpha1\""])
        yaml = T.single(condition: "{ttl: 1h}").replacingOccurrences(of: "kind: NamespacePolicy", with: "kind: NamespaceManager")
        #expect(try T.problems(yaml) == ["kind: \"NamespaceManager\" is not supported: must be \"NamespacePolicy\""])
    }

    @Test func metadataNeedsAValidName() throws {
        var yaml = T.single(condition: "{ttl: 1h}").replacingOccurrences(of: "  name: ttl-policy\n", with: "")
        #expect(try T.problems(yaml) == ["metadata.name: required: every NamespacePolicy needs a name"])
        yaml = T.policy("    - {name: p, condition: {ttl: 1h}, action: {deleteNamespace: {}}}", name: "Bad_Name")
        #expect(try T.problems(yaml) == [
            "metadata.name: \"Bad_Name\" is not a valid name: must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
        ])
        yaml = T.policy("    - {name: p, condition: {ttl: 1h}, action: {deleteNamespace: {}}}", namespace: "Demo")
        #expect(try T.problems(yaml) == [
            "metadata.namespace: \"Demo\" is not a valid namespace name: must be a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"
        ])
    }

    @Test func specIsRequired() throws {
        let yaml = "apiVersion: vigil.dev/v1alpha1\nkind: NamespacePolicy\nmetadata: {name: x, namespace: demo}\n"
        #expect(try T.problems(yaml) == [
            "spec: required: the policies, e.g. spec: {policies: [{name: ttl, condition: {ttl: 8h}, action: {deleteNamespace: {}}}]}"
        ])
    }

    @Test func oneToThirtyTwoPolicies() throws {
        let hint = "at least one policy is required, e.g. [{name: ttl, condition: {ttl: 8h}, action: {deleteNamespace: {}}}]"
        #expect(try T.problems(T.policy("    []")) == ["spec.policies: \(hint)"])
        let missing = "apiVersion: vigil.dev/v1alpha1\nkind: NamespacePolicy\nmetadata: {name: x, namespace: demo}\nspec: {dryRun: true}\n"
        #expect(try T.problems(missing) == ["spec.policies: required: \(hint)"])
        let many = (0..<33).map { "    - {name: p\($0), condition: {ttl: 1h}, action: {deleteNamespace: {}}}" }.joined(separator: "\n")
        #expect(try T.problems(T.policy(many)) == [
            "spec.policies: 33 policies given, at most 32 are allowed: split them over several NamespacePolicies"
        ])
        let enough = (0..<32).map { "    - {name: p\($0), condition: {ttl: 1h}, action: {deleteNamespace: {}}}" }.joined(separator: "\n")
        #expect(try T.problems(T.policy(enough)) == [])
    }

    @Test func policyNamesAreValidAndUnique() throws {
        let yaml = T.policy("""
                - {condition: {ttl: 1h}, action: {deleteNamespace: {}}}
                - {name: Expire_Soon, condition: {ttl: 1h}, action: {deleteNamespace: {}}}
                - {name: ttl, condition: {ttl: 1h}, action: {deleteNamespace: {}}}
                - {name: ttl, condition: {ttl: 2h}, action: {deleteNamespace: {}}}
            """)
        #expect(try T.problems(yaml) == [
            "spec.policies[0].name: required: a DNS-1123 label naming the policy, e.g. \"expire-after-8h\"",
            "spec.policies[1].name: \"Expire_Soon\" is not a valid policy name: must be a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
            "spec.policies[3].name: \"ttl\" is already the name of spec.policies[2]: policy names must be unique",
        ])
    }

    @Test func exactlyOneCondition() throws {
        #expect(try T.problems(T.single(condition: "{}")) == ["spec.policies[0].condition: \(Self.exactlyOneCondition)"])
        #expect(try T.problems(T.single(condition: "{ttl: 1h, expiresAt: \"2030-01-01T00:00:00Z\"}")) == [
            "spec.policies[0].condition: \(Self.exactlyOneCondition), found ttl and expiresAt"
        ])
        let noCondition = T.policy("    - {name: p, action: {deleteNamespace: {}}}")
        #expect(try T.problems(noCondition) == ["spec.policies[0].condition: \(Self.exactlyOneCondition)"])
        #expect(try T.problems(T.single(condition: "8h")) == ["spec.policies[0].condition: must be an object, found string \"8h\""])
    }

    @Test func theOldTTLSecondsIsAnUnknownField() throws {
        #expect(try T.problems(T.single(condition: "{ttlSeconds: 1800}")) == [
            "spec.policies[0].condition.ttlSeconds: unknown field: valid fields are ttl, expiresAt and podsSucceeded",
            "spec.policies[0].condition: \(Self.exactlyOneCondition)",
        ])
        // Allowed unknown fields are ignored, but the condition is still missing.
        #expect(try T.problems(T.single(condition: "{ttlSeconds: 1800, ttl: 30m}"), .init(allowUnknownFields: true)) == [])
    }

    @Test func ttlIsAPositiveDuration() throws {
        #expect(try T.problems(T.single(condition: "{ttl: 5x}")) == [
            "spec.policies[0].condition.ttl: \"5x\" is not a valid duration: unknown unit \"x\" (valid units: h, m, s, ms); write e.g. \"90s\" or \"1h30m\""
        ])
        #expect(try T.problems(T.single(condition: "{ttl: 0s}")) == [
            "spec.policies[0].condition.ttl: \"0s\" is not allowed: a ttl must be greater than zero, e.g. \"30m\""
        ])
        #expect(try T.problems(T.single(condition: "{ttl: 1800}")) == [
            "spec.policies[0].condition.ttl: must be a duration string such as \"90s\" or \"1h30m\", found integer 1800"
        ])
        #expect(try T.problems(T.single(condition: "{ttl: -1h}")) == [
            "spec.policies[0].condition.ttl: \"-1h\" is not a valid duration: negative durations are not allowed; write e.g. \"90s\" or \"1h30m\""
        ])
    }

    @Test func expiresAtIsRFC3339() throws {
        #expect(try T.problems(T.single(condition: "{expiresAt: \"2030-01-01 00:00\"}")) == [
            "spec.policies[0].condition.expiresAt: \"2030-01-01 00:00\" is not an RFC 3339 timestamp: write e.g. \"2026-12-31T23:00:00Z\" or \"2026-12-31T23:00:00+01:00\""
        ])
    }

    @Test func podsSucceededFields() throws {
        let base = "spec.policies[0].condition.podsSucceeded"
        #expect(try T.problems(T.single(condition: "{podsSucceeded: {period: 0s, initialDelay: soon, minSucceeded: 0}}")) == [
            "\(base).selector: required: a label selector for the pods to watch, e.g. {matchLabels: {job: e2e}}; {} selects every pod",
            "\(base).initialDelay: \"soon\" is not a valid duration: expected a number, found \"soon\"; write e.g. \"90s\" or \"1h30m\"",
            "\(base).period: \"0s\" is not allowed: the period must be greater than zero, e.g. \"10s\"",
            "\(base).minSucceeded: 0 is too small: must be at least 1",
        ])
        #expect(try T.problems(T.single(condition: "{podsSucceeded: {selector: {}, minSucceeded: two}}")) == [
            "\(base).minSucceeded: must be an integer, found string \"two\""
        ])
    }

    @Test func exactlyOneAction() throws {
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", action: "{}")) == ["spec.policies[0].action: \(Self.exactlyOneAction)"])
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", action: "{deleteNamespace: {}, webhook: {url: \"https://h\"}}")) == [
            "spec.policies[0].action: \(Self.exactlyOneAction), found deleteNamespace and webhook"
        ])
        #expect(try T.problems(T.policy("    - {name: p, condition: {ttl: 1h}}")) == ["spec.policies[0].action: \(Self.exactlyOneAction)"])
    }

    @Test func deleteNamespaceTakesAnEmptyObject() throws {
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", action: "{deleteNamespace: true}")) == [
            "spec.policies[0].action.deleteNamespace: must be an empty object ({}), found boolean true"
        ])
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", action: "{deleteNamespace: }")) == [
            "spec.policies[0].action.deleteNamespace: must be an empty object ({}), found null"
        ])
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", action: "{deleteNamespace: {force: true}}")) == [
            "spec.policies[0].action.deleteNamespace: must be an empty object ({}): deleteNamespace takes no settings, found force"
        ])
    }

    @Test func scaleDownNeedsSelectorsOfKnownKinds() throws {
        let base = "spec.policies[0].action.scaleDown"
        let hint = "a list of {kind: Deployment or StatefulSet, labels: <label selector>}"
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", action: "{scaleDown: {}}")) == ["\(base).selectors: required: \(hint)"])
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", action: "{scaleDown: {selectors: []}}")) == [
            "\(base).selectors: at least one selector is required: \(hint)"
        ])
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", action: "{scaleDown: {selectors: [{kind: DaemonSet}, {labels: {}}]}}")) == [
            "\(base).selectors[0].kind: \"DaemonSet\" is not supported: must be one of Deployment or StatefulSet",
            "\(base).selectors[1].kind: required: Deployment or StatefulSet",
        ])
    }

    @Test func webhookURL() throws {
        let field = "spec.policies[0].action.webhook.url"
        let hint = "write an absolute http or https URL, e.g. \"https://hooks.example.com/vigil\""
        func problems(_ url: String) throws -> [String] {
            try T.problems(T.single(condition: "{ttl: 1h}", action: "{webhook: {url: \"\(url)\"}}"))
        }
        #expect(try problems("ftp://files.example.com/x") == ["\(field): \"ftp://files.example.com/x\" is not a valid webhook URL: the scheme \"ftp\" is not supported: use http or https; \(hint)"])
        #expect(try problems("hooks.example.com/vigil") == ["\(field): \"hooks.example.com/vigil\" is not a valid webhook URL: it is not absolute: it needs a scheme, http:// or https://; \(hint)"])
        #expect(try problems("https:///path") == ["\(field): \"https:///path\" is not a valid webhook URL: it has no host; \(hint)"])
        #expect(try problems("https://user:pw@example.com/") == ["\(field): \"https://user:pw@example.com/\" is not a valid webhook URL: it must not carry credentials (user@host): put them in headers or use secretRef signing; \(hint)"])
        #expect(try problems("https://example.com:99999/") == ["\(field): \"https://example.com:99999/\" is not a valid webhook URL: the port \"99999\" is not a number from 1 to 65535; \(hint)"])
        #expect(try problems("https://exa mple.com/") == ["\(field): \"https://exa mple.com/\" is not a valid webhook URL: it contains spaces or control characters; \(hint)"])
        #expect(try problems("https://-bad-.example.com/") == ["\(field): \"https://-bad-.example.com/\" is not a valid webhook URL: the host \"-bad-.example.com\" is not a valid host name; \(hint)"])
        #expect(try problems("https://hooks.example.com/vigil?team=ops&x=1") == [])
        #expect(try problems("HTTP://[::1]:8080/hook") == [])
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", action: "{webhook: {}}")) == [
            "\(field): required: an absolute http or https URL, e.g. \"https://hooks.example.com/vigil\""
        ])
    }

    @Test func webhookSettings() throws {
        let base = "spec.policies[0].action.webhook"
        let action = "{webhook: {url: \"https://h.example\", secretRef: {key: \"bad key\"}, timeout: 90s, maxAttempts: 21}}"
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", action: action)) == [
            "\(base).secretRef.name: required: the name of a Secret in the policy's namespace",
            "\(base).secretRef.key: \"bad key\" is not a valid key: must be a Secret key: at most 253 letters, digits, '-', '_' or '.' (e.g. \"signing-key\")",
            "\(base).timeout: \"90s\" is too long: the timeout must be at most 60s",
            "\(base).maxAttempts: 21 is out of range: must be between 1 and 20",
        ])
        let zero = "{webhook: {url: \"https://h.example\", timeout: 0s, maxAttempts: 0}}"
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", action: zero)) == [
            "\(base).timeout: \"0s\" is not allowed: the timeout must be greater than zero and at most 60s",
            "\(base).maxAttempts: 0 is out of range: must be between 1 and 20",
        ])
        let edge = "{webhook: {url: \"https://h.example\", timeout: 60s, maxAttempts: 20, secretRef: {name: hook-key, key: key.v1}}}"
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", action: edge)) == [])
    }

    @Test func webhookHeadersMustNotOverrideVigils() throws {
        let base = "spec.policies[0].action.webhook.headers"
        let reserved = "webhook-id, webhook-timestamp, webhook-signature, idempotency-key, content-type, user-agent"
        let action = "{webhook: {url: \"https://h.example\", headers: {X-Team: ops, Webhook-Id: x, Content-Type: text/plain, \"Bad Header\": y, X-Count: 3}}}"
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", action: action)) == [
            "\(base)[X-Count]: must be a string, found integer 3",
            "\(base)[Webhook-Id]: header \"Webhook-Id\" is set by Vigil and cannot be overridden (reserved: \(reserved))",
            "\(base)[Content-Type]: header \"Content-Type\" is set by Vigil and cannot be overridden (reserved: \(reserved))",
            "\(base)[Bad Header]: \"Bad Header\" is not a valid HTTP header name: use letters, digits and !#$%&'*+-.^_`|~ only",
        ])
        let strings = "{webhook: {url: \"https://h.example\", headers: {X-Team: ops, Webhook-Id: x, Content-Type: text/plain, \"Bad Header\": y, idempotency-key: k}}}"
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", action: strings)) == [
            "\(base)[Webhook-Id]: header \"Webhook-Id\" is set by Vigil and cannot be overridden (reserved: \(reserved))",
            "\(base)[Content-Type]: header \"Content-Type\" is set by Vigil and cannot be overridden (reserved: \(reserved))",
            "\(base)[Bad Header]: \"Bad Header\" is not a valid HTTP header name: use letters, digits and !#$%&'*+-.^_`|~ only",
            "\(base)[idempotency-key]: header \"idempotency-key\" is set by Vigil and cannot be overridden (reserved: \(reserved))",
        ])
    }

    @Test func webhookHeaderLimits() throws {
        let base = "spec.policies[0].action.webhook.headers"
        let many = (0..<33).map { "X-H\($0): v" }.joined(separator: ", ")
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", action: "{webhook: {url: \"https://h.example\", headers: {\(many)}}}")) == [
            "\(base): 33 headers given, at most 32 are allowed"
        ])
        let long = String(repeating: "a", count: 4097)
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", action: "{webhook: {url: \"https://h.example\", headers: {X-Long: \(long), X-Break: \"a\\nb\"}}}")) == [
            "\(base)[X-Long]: the value is 4097 characters long, at most 4096 are allowed",
            "\(base)[X-Break]: the value must not contain line breaks or NUL characters",
        ])
        let url = "https://h.example/" + String(repeating: "p", count: 2048)
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", action: "{webhook: {url: \"\(url)\"}}")).first?.hasSuffix(
            "is not a valid webhook URL: it is longer than 2048 characters; write an absolute http or https URL, e.g. \"https://hooks.example.com/vigil\"") == true)
    }

    @Test func switchesAreBooleans() throws {
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", spec: "dryRun: \"yes\"\ndeactivated: 1")) == [
            "spec.deactivated: must be a boolean (true or false), found integer 1",
            "spec.dryRun: must be a boolean (true or false), found string \"yes\"",
        ])
    }

    @Test func anotherNamespaceOnlyWhenTheClusterAllowsIt() throws {
        let other = T.single(condition: "{ttl: 1h}", spec: "namespace: prod")
        #expect(try T.problems(other) == [
            "spec.namespace: \"prod\" is not the policy's own namespace \"demo\": managing another namespace is allowed only when the cluster configuration sets allowCrossNamespace: true; create the NamespacePolicy in \"prod\" instead, or leave spec.namespace unset"
        ])
        #expect(try T.problems(other, .init(allowCrossNamespace: true)) == [])
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", spec: "namespace: demo")) == [])
        // Without metadata.namespace the document lands in the default namespace.
        let unplaced = other.replacingOccurrences(of: "  namespace: demo\n", with: "")
        #expect(try T.problems(unplaced, .init(defaultNamespace: "prod")) == [])
        #expect(try T.problems(unplaced).first?.hasPrefix("spec.namespace: \"prod\" is not the policy's own namespace \"default\"") == true)
        #expect(try T.problems(T.single(condition: "{ttl: 1h}", spec: "namespace: Prod_1"), .init(allowCrossNamespace: true)) == [
            "spec.namespace: \"Prod_1\" is not a valid namespace name: must be a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"
        ])
    }

    @Test func everyProblemIsReportedAtOnce() throws {
        let yaml = T.policy("""
                - name: a
                  condition: {ttl: 0s}
                  action: {webhook: {url: "ftp://x"}}
                - name: a
                  condition: {expiresAt: never, ttl: 1h}
                  action: {scaleDown: {selectors: []}}
            """, spec: "dryRun: maybe")
        let fields = try NamespacePolicyValidator().problems(in: T.json(yaml)).map(\.field)
        #expect(fields == [
            "spec.policies[0].condition.ttl", "spec.policies[0].action.webhook.url", "spec.policies[1].name",
            "spec.policies[1].condition", "spec.policies[1].condition.expiresAt", "spec.policies[1].action.scaleDown.selectors",
            "spec.dryRun",
        ])
    }

    @Test func typedValuesAreValidatedToo() {
        let rule = NamespacePolicyRule(name: "Not A Label", condition: .ttl(.minutes(5)), action: .deleteNamespace)
        let policy = NamespacePolicy(name: "x", namespace: "demo", spec: NamespacePolicySpec(policies: [rule]))
        #expect(NamespacePolicyValidator().problems(in: policy).map(\.field) == ["spec.policies[0].name"])
        let empty = NamespacePolicy(name: "x", namespace: "demo", spec: NamespacePolicySpec(policies: []))
        #expect(NamespacePolicyValidator().problems(in: empty).map(\.field) == ["spec.policies"])
    }
}
