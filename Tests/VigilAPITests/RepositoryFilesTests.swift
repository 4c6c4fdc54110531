import Testing
import VigilAPI
import VigilRuntime
import VigilJSON

/// The shipped files agree with the model: every sample validates, and the
/// CRD's schema, defaults, enums and printer columns match the Swift types.
@Suite struct RepositoryFilesTests {
    typealias T = TestDocuments
    static let crdPath = "deploy/crds/vigil.dev_namespacepolicies.yaml"

    @Test func everySampleValidates() throws {
        let files = try T.yamlFiles(in: "config/samples")
        #expect(files.count >= 3)
        var kinds: Set<String> = []
        for file in files {
            let docs = try ManifestReader.documents(in: T.read(file), source: file)
            #expect(!docs.isEmpty, "\(file) has no resources")
            for doc in docs where doc.isNamespacePolicy {
                let messages = doc.messages(for: NamespacePolicyValidator().problems(in: doc.json))
                #expect(messages == [], "\(doc.label)")
                let policy = try NamespacePolicy(json: doc.json)
                for rule in policy.spec.policies { kinds.insert("\(rule.condition.type)->\(rule.action.type)") }
            }
        }
        #expect(kinds.isSuperset(of: ["ttl->deleteNamespace", "expiresAt->scaleDown", "podsSucceeded->webhook"]))
    }

    static func crd() throws -> JSON {
        let docs = try ManifestReader.documents(in: T.read(crdPath), source: crdPath)
        guard docs.count == 1 else { throw TestFailure("\(crdPath): expected one document, found \(docs.count)") }
        return docs[0].json
    }

    static func version(_ crd: JSON) throws -> JSON {
        guard let v = crd[path: ["spec", "versions"]]?[0] else { throw TestFailure("no spec.versions[0]") }
        return v
    }

    /// The schema node at a model path (`spec.policies[].condition.ttl`), following `properties` and `items`.
    static func schema(_ root: JSON, _ path: [String]) -> JSON? {
        var node: JSON? = root
        for part in path {
            if part == "[]" { node = node?["items"] } else { node = node?["properties"]?[part] }
        }
        return node
    }

    @Test func namesScopeSubresourceAndColumns() throws {
        let crd = try Self.crd()
        #expect(crd["apiVersion"] == "apiextensions.k8s.io/v1")
        #expect(crd["kind"] == "CustomResourceDefinition")
        #expect(crd[path: ["metadata", "name"]] == .string("\(NamespacePolicy.plural).\(NamespacePolicy.group)"))
        #expect(crd[path: ["spec", "group"]] == .string(NamespacePolicy.group))
        #expect(crd[path: ["spec", "scope"]] == "Namespaced")
        #expect(crd[path: ["spec", "names", "kind"]] == .string(NamespacePolicy.kind))
        #expect(crd[path: ["spec", "names", "plural"]] == .string(NamespacePolicy.plural))
        #expect(crd[path: ["spec", "names", "singular"]] == .string(NamespacePolicy.singular))
        #expect(crd[path: ["spec", "names", "shortNames"]] == [.string(NamespacePolicy.shortName)])
        #expect(crd[path: ["spec", "names", "categories"]] == ["vigil"])
        let v = try Self.version(crd)
        #expect(v["name"] == .string(NamespacePolicy.version))
        #expect(v["served"] == true && v["storage"] == true)
        #expect(v[path: ["subresources", "status"]] == .object(JSONObject()))
        let columns = v["additionalPrinterColumns"]?.arrayValue ?? []
        #expect(columns.compactMap { $0["name"]?.stringValue } == ["Manages", "Deactivated", "DryRun", "Ready", "Fired", "Age"])
        #expect(columns.compactMap { $0["jsonPath"]?.stringValue } == [
            ".spec.namespace", ".spec.deactivated", ".spec.dryRun", #".status.conditions[?(@.type=="Ready")].status"#,
            #".status.conditions[?(@.type=="Fired")].status"#, ".metadata.creationTimestamp",
        ])
    }

    /// A resource with every field the model knows set, so its JSON names them all.
    static let everyField: NamespacePolicy = {
        let selector = LabelSelectorSpec(matchLabels: ["a": "b"], matchExpressions: [.init(key: "c", operator: .in, values: ["d"])])
        let t = RFC3339Time(secondsSinceEpoch: 1_800_000_000)
        let spec = NamespacePolicySpec(
            policies: [
                NamespacePolicyRule(name: "a", condition: .ttl(.hours(1)), action: .deleteNamespace),
                NamespacePolicyRule(name: "b", condition: .expiresAt(t), action: .scaleDown(ScaleDownAction(selectors: [.init(kind: .deployment, labels: selector)]))),
                NamespacePolicyRule(
                    name: "c",
                    condition: .podsSucceeded(PodsSucceededCondition(selector: selector, initialDelay: .seconds(1), period: .seconds(1), minSucceeded: 1)),
                    action: .webhook(WebhookAction(url: "https://h.example", secretRef: .init(name: "s", key: "k"), timeout: .seconds(1), maxAttempts: 1, headers: ["X-A": "1"]))),
            ],
            deactivated: false, dryRun: false, namespace: "demo")
        let status = NamespacePolicyStatus(
            observedGeneration: 1,
            conditions: [StatusCondition(type: "Ready", status: .true, reason: "R", message: "m", lastTransitionTime: t, observedGeneration: 1)],
            policies: [
                PolicyStatus(
                    name: "a", state: .waiting, nextEvaluation: t, lastEvaluation: t, message: "m", firedAt: t, trigger: "nsp/a/g1", conditionMetAt: t,
                    succeededPods: ["uid-1"])
            ],
            effects: [EffectEntry(key: EffectKey(rawValue: "k"), action: "a", phase: .pending, attempts: 1, owner: "o", lastError: "e", nextRetryAt: t, startedAt: t, finishedAt: t).json],
            dryRunActions: [DryRunAction(policy: "a", action: "deleteNamespace", description: "d", at: t)], armedGeneration: 1, armedAt: t,
            dormantGeneration: 2)
        var p = NamespacePolicy(name: "x", namespace: "demo", spec: spec)
        p.status = status
        return p
    }()

    /// Field paths of `json` below `prefix` (`spec.policies[].name`); members of maps (labels, headers) are data, not fields.
    static func fieldPaths(_ json: JSON, _ prefix: [String], schema: JSON?) -> Set<String> {
        var out: Set<String> = []
        switch json {
        case .object(let o):
            if schema?["additionalProperties"] != nil { return out }
            for (k, v) in o {
                let p = prefix + [k]
                out.insert(p.joined(separator: "."))
                out.formUnion(fieldPaths(v, p, schema: schema?["properties"]?[k]))
            }
        case .array(let a):
            for v in a { out.formUnion(fieldPaths(v, prefix + ["[]"], schema: schema?["items"])) }
        default:
            break
        }
        return out
    }

    /// Field paths a schema declares below `prefix`.
    static func schemaPaths(_ schema: JSON, _ prefix: [String]) -> Set<String> {
        var out: Set<String> = []
        for (k, v) in schema["properties"]?.objectValue ?? JSONObject() {
            let p = prefix + [k]
            out.insert(p.joined(separator: "."))
            out.formUnion(schemaPaths(v, p))
        }
        if let items = schema["items"] { out.formUnion(schemaPaths(items, prefix + ["[]"])) }
        return out
    }

    @Test func schemaAndModelHaveTheSameFields() throws {
        let root = try #require(try Self.version(Self.crd())[path: ["schema", "openAPIV3Schema"]])
        for part in ["spec", "status"] {
            let schema = try #require(Self.schema(root, [part]))
            let model = Self.fieldPaths(try #require(Self.everyField.json[part]), [part], schema: schema)
            let declared = Self.schemaPaths(schema, [part])
            #expect(model.subtracting(declared).sorted() == [], "fields the model writes but the CRD does not declare (pruned by the API server!)")
            #expect(declared.subtracting(model).sorted() == [], "fields the CRD declares but the model does not know")
            #expect(model.count > 20)
        }
        // The every-field resource is itself valid.
        #expect(NamespacePolicyValidator().problems(in: Self.everyField) == [])
    }

    @Test func schemaDefaultsAreTheModelsDefaults() throws {
        let root = try #require(try Self.version(Self.crd())[path: ["schema", "openAPIV3Schema"]])
        func def(_ path: String) -> JSON? { Self.schema(root, path.split(separator: ".").map(String.init))?["default"] }
        let pods = "spec.policies.[].condition.podsSucceeded"
        let hook = "spec.policies.[].action.webhook"
        #expect(def("spec.deactivated") == false)
        #expect(def("spec.dryRun") == false)
        #expect(def("\(pods).initialDelay") == .string(PodsSucceededCondition.defaultInitialDelay.text))
        #expect(def("\(pods).period") == .string(PodsSucceededCondition.defaultPeriod.text))
        #expect(def("\(pods).minSucceeded") == .int(Int64(PodsSucceededCondition.defaultMinSucceeded)))
        #expect(def("\(hook).timeout") == .string(WebhookAction.defaultTimeout.text))
        #expect(def("\(hook).maxAttempts") == .int(Int64(WebhookAction.defaultMaxAttempts)))
        #expect(def("\(hook).secretRef.key") == .string(WebhookAction.SecretKeyReference.defaultKey))
        // Exactly the defaulted fields carry defaults.
        func defaulted(_ s: JSON, _ prefix: String) -> [String] {
            var out: [String] = s["default"] != nil ? [prefix] : []
            for (k, v) in s["properties"]?.objectValue ?? JSONObject() { out += defaulted(v, prefix + "." + k) }
            if let items = s["items"] { out += defaulted(items, prefix + ".[]") }
            return out
        }
        #expect(defaulted(try #require(Self.schema(root, ["spec"])), "spec").sorted() == [
            "spec.deactivated", "spec.dryRun", "\(hook).maxAttempts", "\(hook).secretRef.key", "\(hook).timeout",
            "\(pods).initialDelay", "\(pods).minSucceeded", "\(pods).period",
        ].sorted())
    }

    @Test func schemaLimitsAndEnumsAreTheModels() throws {
        let root = try #require(try Self.version(Self.crd())[path: ["schema", "openAPIV3Schema"]])
        func node(_ path: String) -> JSON? { Self.schema(root, path.split(separator: ".").map(String.init)) }
        func strings(_ j: JSON?) -> [String] { j?.arrayValue?.compactMap(\.stringValue) ?? [] }
        #expect(node("spec.policies")?["maxItems"] == .int(Int64(NamespacePolicySpec.maxPolicies)))
        #expect(node("spec.policies")?["minItems"] == 1)
        #expect(node("spec.policies.[].action.webhook.maxAttempts")?["minimum"] == .int(Int64(WebhookAction.maxAttemptsRange.lowerBound)))
        #expect(node("spec.policies.[].action.webhook.maxAttempts")?["maximum"] == .int(Int64(WebhookAction.maxAttemptsRange.upperBound)))
        #expect(strings(node("spec.policies.[].action.scaleDown.selectors.[].kind")?["enum"]) == ScaleDownAction.Kind.allCases.map(\.rawValue))
        #expect(strings(node("spec.policies.[].condition.podsSucceeded.selector.matchExpressions.[].operator")?["enum"]) == LabelSelectorSpec.Operator.allCases.map(\.rawValue))
        #expect(strings(node("spec.policies.[].action.scaleDown.selectors.[].labels.matchExpressions.[].operator")?["enum"]) == LabelSelectorSpec.Operator.allCases.map(\.rawValue))
        #expect(strings(node("status.policies.[].state")?["enum"]) == PolicyState.allCases.map(\.rawValue))
        #expect(strings(node("status.effects.[].phase")?["enum"]) == EffectEntry.Phase.allCases.map(\.rawValue))
        #expect(strings(node("status.conditions.[].status")?["enum"]) == StatusCondition.Status.allCases.map(\.rawValue))
        // The CEL messages say what the validator says.
        func messages(_ path: String) -> [String] { (node(path)?["x-kubernetes-validations"]?.arrayValue ?? []).compactMap { $0["message"]?.stringValue } }
        #expect(messages("spec.policies.[].condition") == ["exactly one of \(PolicyCondition.fieldNames.joined(separator: ", ")) must be set"])
        #expect(messages("spec.policies.[].action") == ["exactly one of \(PolicyAction.fieldNames.joined(separator: ", ")) must be set"])
        #expect(messages("spec") == ["policy names must be unique"])
        #expect(node("spec.policies.[].action.webhook.headers")?["maxProperties"] == .int(Int64(WebhookAction.maxHeaders)))
        #expect(node("spec.policies.[].action.webhook.headers")?[path: ["additionalProperties", "maxLength"]] == .int(Int64(WebhookAction.maxHeaderValueLength)))
        #expect(node("spec.policies.[].action.webhook.url")?["maxLength"] == .int(Int64(WebhookAction.maxURLLength)))
        let headerRule = node("spec.policies.[].action.webhook.headers")?["x-kubernetes-validations"]?[0]?["rule"]?.stringValue ?? ""
        #expect(WebhookAction.reservedHeaders.allSatisfy { headerRule.contains("'\($0)'") })
    }

    @Test func durationPatternAgreesWithTheParser() throws {
        let root = try #require(try Self.version(Self.crd())[path: ["schema", "openAPIV3Schema"]])
        let pattern = try #require(Self.schema(root, ["spec", "policies", "[]", "condition", "ttl"])?["pattern"]?.stringValue)
        let regex = try Regex(pattern)
        for text in ["30m", "1h30m", "90s", "250ms", "1.5h", ".5s", "0", "0s", "5x", "-5m", "", "30", "10ns", "1 h", "h", "+5s"] {
            let parses = (try? GoDuration(parsing: text)) != nil
            let matches = (try? regex.wholeMatch(in: text)) != nil
            #expect(parses == matches, "\(text): parser says \(parses), CRD pattern says \(matches)")
        }
    }
}
