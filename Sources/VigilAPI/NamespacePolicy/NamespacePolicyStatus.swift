import VigilJSON

/// `status` of a `NamespacePolicy`, written by the controller only (through
/// the status subresource).
public struct NamespacePolicyStatus: Sendable, Hashable {
    /// The condition type that says whether the policies are valid and being evaluated.
    public static let readyCondition = "Ready"
    /// The condition type that says whether a policy has fired.
    public static let firedCondition = "Fired"

    /// The `metadata.generation` this status describes.
    public var observedGeneration: Int64?
    /// `Ready` and `Fired`.
    public var conditions: [StatusCondition]
    /// One entry per policy, by name.
    public var policies: [PolicyStatus]
    /// The effect ledger (recent entries only).
    public var effects: [EffectRecord]
    /// What dry runs would have done (recent entries only).
    public var dryRunActions: [DryRunAction]

    public init(observedGeneration: Int64? = nil, conditions: [StatusCondition] = [], policies: [PolicyStatus] = [], effects: [EffectRecord] = [], dryRunActions: [DryRunAction] = []) {
        self.observedGeneration = observedGeneration
        self.conditions = conditions
        self.policies = policies
        self.effects = effects
        self.dryRunActions = dryRunActions
    }

    /// The condition of type `type`, if present.
    public func condition(_ type: String) -> StatusCondition? { conditions.first { $0.type == type } }

    /// The status as stored (empty lists left out).
    public var json: JSON {
        var o = JSONObject()
        if let observedGeneration { o["observedGeneration"] = .int(observedGeneration) }
        if !conditions.isEmpty { o["conditions"] = .array(conditions.map(\.json)) }
        if !policies.isEmpty { o["policies"] = .array(policies.map(\.json)) }
        if !effects.isEmpty { o["effects"] = .array(effects.map(\.json)) }
        if !dryRunActions.isEmpty { o["dryRunActions"] = .array(dryRunActions.map(\.json)) }
        return .object(o)
    }

    /// Reads a stored status; the error lists every problem (`status.effects[0].phase: …`).
    public init(json: JSON) throws(ResourceValidationError) {
        var r = FieldReader()
        let s = NamespacePolicyStatus(json, at: "status", &r)
        guard let s, r.problems.isEmpty else { throw ResourceValidationError(subject: "NamespacePolicy status", problems: r.problems) }
        self = s
    }

    init?(_ value: JSON, at path: String, _ r: inout FieldReader) {
        let before = r.count
        // Status is written by Vigil; members a newer version added are kept out of the model, not refused.
        let strict = r.allowUnknownFields
        r.allowUnknownFields = true
        defer { r.allowUnknownFields = strict }
        guard let o = r.object(value, at: path) else { return nil }
        let generation = r.int(o, "observedGeneration", at: path, in: 0...Int64.max)
        func list<T>(_ key: String, _ read: (JSON, String, inout FieldReader) -> T?) -> [T] {
            guard let a = r.array(o, key, at: path) else { return [] }
            let lp = FieldReader.child(path, key)
            return a.enumerated().compactMap { i, v in read(v, FieldReader.item(lp, i), &r) }
        }
        let conditions = list("conditions") { StatusCondition($0, at: $1, &$2) }
        let policies = list("policies") { PolicyStatus($0, at: $1, &$2) }
        let effects = list("effects") { EffectRecord($0, at: $1, &$2) }
        let dryRuns = list("dryRunActions") { DryRunAction($0, at: $1, &$2) }
        guard r.count == before else { return nil }
        self.init(observedGeneration: generation, conditions: conditions, policies: policies, effects: effects, dryRunActions: dryRuns)
    }
}
