import VigilAPI
import VigilControllers
import VigilJSON

/// Builders shared by the NamespacePolicy evaluator tests.
enum NSPFixture {
    static func time(_ text: String) -> RFC3339Time { RFC3339Time(text)! }

    static let created = time("2026-11-22T10:00:00Z")

    static func rule(_ name: String, _ condition: PolicyCondition, _ action: PolicyAction = .deleteNamespace) -> NamespacePolicyRule {
        NamespacePolicyRule(name: name, condition: condition, action: action)
    }

    static func policy(_ rules: [NamespacePolicyRule], generation: Int64 = 1, deactivated: Bool? = nil, dryRun: Bool? = nil, namespace: String? = nil, status: NamespacePolicyStatus? = nil) -> NamespacePolicy {
        var p = NamespacePolicy(name: "policy", namespace: "demo", spec: NamespacePolicySpec(policies: rules, deactivated: deactivated, dryRun: dryRun, namespace: namespace))
        p.metadata["uid"] = "uid-1"
        p.metadata["generation"] = .int(generation)
        p.metadata["creationTimestamp"] = .string(created.text)
        p.status = status
        return p
    }

    static func facts(now: RFC3339Time, namespace: NamespacePolicyFacts.TargetNamespace = .active(createdAt: created), pods: [NamespacePolicyFacts.Pod] = [], progress: NamespacePolicyProgress = NamespacePolicyProgress()) -> NamespacePolicyFacts {
        NamespacePolicyFacts(now: now, namespace: namespace, pods: pods, progress: progress)
    }

    /// What the next reconcile reads back: the status written from `evaluation`
    /// (round-tripped through JSON) and the progress in it.
    static func stored(_ evaluation: NamespacePolicyEvaluation, previous: NamespacePolicyStatus? = nil) throws -> (NamespacePolicyStatus, NamespacePolicyProgress) {
        let patch = evaluation.statusPatch(previous: previous)
        let text = patch.serializedString
        let json = try JSON.parse(text)
        var clean = json
        for k in ["armedGeneration", "armedAt", "dormantGeneration"] where clean[k] == .null { clean[k] = nil }
        return (try NamespacePolicyStatus(json: clean), NamespacePolicyProgress(status: json))
    }

    /// RFC 7386 JSON merge patch, for checking planned patches.
    static func mergePatch(_ target: JSON, _ patch: JSON) -> JSON {
        guard case .object(let p) = patch else { return patch }
        var result: JSON = if case .object = target { target } else { .object(JSONObject()) }
        for (k, v) in p {
            if v == .null {
                result[k] = nil
            } else {
                result[k] = mergePatch(result[k] ?? .null, v)
            }
        }
        return result
    }
}
