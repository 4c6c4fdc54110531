import VigilJSON

/// One entry of `status.policies`: what Vigil knows about the policy of the same name.
public struct PolicyStatus: Sendable, Hashable {
    public var name: String
    public var state: PolicyState
    /// When the condition will next be looked at, if scheduled.
    public var nextEvaluation: RFC3339Time?
    /// When the condition was last looked at.
    public var lastEvaluation: RFC3339Time?
    /// For people: why the policy is in this state.
    public var message: String?
    /// When the action ran (state `Fired`, `Failed` or `DryRun`).
    public var firedAt: RFC3339Time?
    /// The trigger part of the policy's effect key in this arming.
    public var trigger: String?
    /// When the condition was first seen met in this arming.
    public var conditionMetAt: RFC3339Time?
    /// UIDs of selected pods seen Succeeded (podsSucceeded), at most `minSucceeded`.
    public var succeededPods: [String]?

    public init(
        name: String, state: PolicyState, nextEvaluation: RFC3339Time? = nil, lastEvaluation: RFC3339Time? = nil, message: String? = nil,
        firedAt: RFC3339Time? = nil, trigger: String? = nil, conditionMetAt: RFC3339Time? = nil, succeededPods: [String]? = nil
    ) {
        self.trigger = trigger
        self.conditionMetAt = conditionMetAt
        self.succeededPods = succeededPods
        self.name = name
        self.state = state
        self.nextEvaluation = nextEvaluation
        self.lastEvaluation = lastEvaluation
        self.message = message
        self.firedAt = firedAt
    }

    public var json: JSON {
        var o = JSONObject()
        o["name"] = .string(name)
        o["state"] = .string(state.rawValue)
        if let nextEvaluation { o["nextEvaluation"] = .string(nextEvaluation.text) }
        if let lastEvaluation { o["lastEvaluation"] = .string(lastEvaluation.text) }
        if let message { o["message"] = .string(message) }
        if let firedAt { o["firedAt"] = .string(firedAt.text) }
        if let trigger { o["trigger"] = .string(trigger) }
        if let conditionMetAt { o["conditionMetAt"] = .string(conditionMetAt.text) }
        if let succeededPods { o["succeededPods"] = .array(succeededPods.map(JSON.string)) }
        return .object(o)
    }

    init?(_ value: JSON, at path: String, _ r: inout FieldReader) {
        let before = r.count
        guard let o = r.object(value, at: path) else { return nil }
        r.rejectUnknown(
            o, known: ["name", "state", "nextEvaluation", "lastEvaluation", "message", "firedAt", "trigger", "conditionMetAt", "succeededPods"],
            at: path)
        let name = r.string(o, "name", at: path, required: "the policy's name")
        let state = r.enumeration(o, "state", at: path, as: PolicyState.self, required: "the policy's state")
        let next = r.time(o, "nextEvaluation", at: path)
        let last = r.time(o, "lastEvaluation", at: path)
        let message = r.string(o, "message", at: path, nonEmpty: false)
        let firedAt = r.time(o, "firedAt", at: path)
        let trigger = r.string(o, "trigger", at: path, nonEmpty: false)
        let metAt = r.time(o, "conditionMetAt", at: path)
        let pods = r.array(o, "succeededPods", at: path)?.compactMap(\.stringValue)
        guard r.count == before, let name, let state else { return nil }
        self.init(
            name: name, state: state, nextEvaluation: next, lastEvaluation: last, message: message, firedAt: firedAt, trigger: trigger,
            conditionMetAt: metAt, succeededPods: pods)
    }
}
