import VigilJSON

/// `status` of a `NamespacePolicy`, written by the controller only (through
/// the status subresource).
public struct NamespacePolicyStatus: Sendable, Equatable {
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
    /// The effect ledger (recent entries only), kept as stored: its entries
    /// belong to the runtime's `EffectLedger`, whose `EffectEntry` is the one
    /// model of them (`{key, action, phase, attempts, owner, …}`).
    public var effects: [JSON]
    /// What dry runs would have done (recent entries only).
    public var dryRunActions: [DryRunAction]
    /// The generation at which the current arming began (part of the effect keys).
    public var armedGeneration: Int64?
    /// When the current arming began.
    public var armedAt: RFC3339Time?
    /// The generation at which the controller saw the resource dormant.
    public var dormantGeneration: Int64?

    public init(
        observedGeneration: Int64? = nil, conditions: [StatusCondition] = [], policies: [PolicyStatus] = [], effects: [JSON] = [],
        dryRunActions: [DryRunAction] = [], armedGeneration: Int64? = nil, armedAt: RFC3339Time? = nil, dormantGeneration: Int64? = nil
    ) {
        self.armedGeneration = armedGeneration
        self.armedAt = armedAt
        self.dormantGeneration = dormantGeneration
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
        if !effects.isEmpty { o["effects"] = .array(effects) }
        if !dryRunActions.isEmpty { o["dryRunActions"] = .array(dryRunActions.map(\.json)) }
        if let armedGeneration { o["armedGeneration"] = .int(armedGeneration) }
        if let armedAt { o["armedAt"] = .string(armedAt.text) }
        if let dormantGeneration { o["dormantGeneration"] = .int(dormantGeneration) }
        return .object(o)
    }

    /// Reads a stored status; the error lists every problem (`status.policies[0].state: …`).
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
        let effects = list("effects") { v, p, r in r.object(v, at: p).map { _ in v } }
        let dryRuns = list("dryRunActions") { DryRunAction($0, at: $1, &$2) }
        let armedGeneration = r.int(o, "armedGeneration", at: path, in: 0...Int64.max)
        let armedAt = r.time(o, "armedAt", at: path)
        let dormantGeneration = r.int(o, "dormantGeneration", at: path, in: 0...Int64.max)
        guard r.count == before else { return nil }
        self.init(
            observedGeneration: generation, conditions: conditions, policies: policies, effects: effects, dryRunActions: dryRuns,
            armedGeneration: armedGeneration, armedAt: armedAt, dormantGeneration: dormantGeneration)
    }
}
