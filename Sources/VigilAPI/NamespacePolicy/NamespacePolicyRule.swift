import VigilJSON

/// One entry of `spec.policies`: a named condition → action pair.
public struct NamespacePolicyRule: Sendable, Hashable {
    /// A DNS-1123 label, unique within the resource (it names the policy in
    /// status, Events, effect keys and webhook payloads).
    public var name: String
    public var condition: PolicyCondition
    public var action: PolicyAction

    public init(name: String, condition: PolicyCondition, action: PolicyAction) {
        self.name = name
        self.condition = condition
        self.action = action
    }

    public var json: JSON {
        .obj(["name": .string(name), "condition": condition.json, "action": action.json])
    }

    /// Reads policy number `index` of `spec.policies` (at `path`, inside
    /// `listPath`); `firstUse` maps names seen so far to their index, for
    /// the uniqueness rule.
    static func read(_ value: JSON, at path: String, index: Int, in listPath: String, firstUse: inout [String: Int], _ r: inout FieldReader) -> NamespacePolicyRule? {
        let before = r.count
        guard let o = r.object(value, at: path) else { return nil }
        r.rejectUnknown(o, known: ["name", "condition", "action"], at: path)
        let name = r.string(o, "name", at: path, required: "a DNS-1123 label naming the policy, e.g. \"expire-after-8h\"")
        if let name {
            let np = FieldReader.child(path, "name")
            if !KubernetesNames.isDNS1123Label(name) {
                r.report(np, .string(name), "\(quoted(name)) is not a valid policy name: \(KubernetesNames.dns1123LabelRule)")
            }
            if let first = firstUse[name] {
                r.report(np, .string(name), "\(quoted(name)) is already the name of \(FieldReader.item(listPath, first)): policy names must be unique")
            } else {
                firstUse[name] = index
            }
        }
        let conditionRule = "exactly one of \(PolicyCondition.fieldNames.joined(separator: ", ")) must be set"
        let actionRule = "exactly one of \(PolicyAction.fieldNames.joined(separator: ", ")) must be set"
        var condition: PolicyCondition?
        if let c = o["condition"] {
            condition = PolicyCondition(c, at: FieldReader.child(path, "condition"), &r)
        } else {
            r.report(FieldReader.child(path, "condition"), nil, conditionRule)
        }
        var action: PolicyAction?
        if let a = o["action"] {
            action = PolicyAction(a, at: FieldReader.child(path, "action"), &r)
        } else {
            r.report(FieldReader.child(path, "action"), nil, actionRule)
        }
        guard r.count == before, let name, let condition, let action else { return nil }
        return NamespacePolicyRule(name: name, condition: condition, action: action)
    }
}
