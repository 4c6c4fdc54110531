import VigilJSON

/// One entry of `status.dryRunActions`: what a policy would have done had
/// `spec.dryRun` been false.
public struct DryRunAction: Sendable, Hashable {
    /// The policy's name.
    public var policy: String
    /// The action's type (`deleteNamespace`, `scaleDown`, `webhook`).
    public var action: String
    /// For people: `would delete namespace demo`, `would scale Deployment demo/web from 3 to 0`.
    public var description: String
    /// When the condition held.
    public var at: RFC3339Time

    public init(policy: String, action: String, description: String, at: RFC3339Time) {
        self.policy = policy
        self.action = action
        self.description = description
        self.at = at
    }

    public var json: JSON {
        .obj(["policy": .string(policy), "action": .string(action), "description": .string(description), "at": .string(at.text)])
    }

    init?(_ value: JSON, at path: String, _ r: inout FieldReader) {
        let before = r.count
        guard let o = r.object(value, at: path) else { return nil }
        r.rejectUnknown(o, known: ["policy", "action", "description", "at"], at: path)
        let policy = r.string(o, "policy", at: path, required: "the policy's name")
        let action = r.string(o, "action", at: path, required: "the action's type")
        let description = r.string(o, "description", at: path, nonEmpty: false) ?? ""
        let at = r.time(o, "at", at: path, required: "when the condition held")
        guard r.count == before, let policy, let action, let at else { return nil }
        self.init(policy: policy, action: action, description: description, at: at)
    }
}
