import VigilJSON

/// A standard `metav1.Condition` in a resource's `status.conditions`:
/// `type`, `status` (`True` / `False` / `Unknown`), `reason`, `message`,
/// `lastTransitionTime` and the `observedGeneration` it was computed for.
public struct StatusCondition: Sendable, Hashable {
    /// A condition's truth value.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case `true` = "True"
        case `false` = "False"
        case unknown = "Unknown"
    }

    /// What the condition is about (`Ready`, `Fired`), CamelCase.
    public var type: String
    public var status: Status
    /// A CamelCase word for programs (`PoliciesValid`, `WebhookDelivered`).
    public var reason: String
    /// A sentence for people.
    public var message: String
    /// When `status` last changed.
    public var lastTransitionTime: RFC3339Time
    /// The `metadata.generation` this condition was computed from.
    public var observedGeneration: Int64?

    public init(type: String, status: Status, reason: String, message: String = "", lastTransitionTime: RFC3339Time, observedGeneration: Int64? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
        self.observedGeneration = observedGeneration
    }

    /// The condition as stored.
    public var json: JSON {
        var o = JSONObject()
        o["type"] = .string(type)
        o["status"] = .string(status.rawValue)
        if let observedGeneration { o["observedGeneration"] = .int(observedGeneration) }
        o["lastTransitionTime"] = .string(lastTransitionTime.text)
        o["reason"] = .string(reason)
        o["message"] = .string(message)
        return .object(o)
    }

    init?(_ value: JSON, at path: String, _ r: inout FieldReader) {
        let before = r.count
        guard let o = r.object(value, at: path) else { return nil }
        r.rejectUnknown(o, known: ["type", "status", "observedGeneration", "lastTransitionTime", "reason", "message"], at: path)
        let type = r.string(o, "type", at: path, required: "the condition type, e.g. \"Ready\"")
        let status = r.enumeration(o, "status", at: path, as: Status.self, required: "True, False or Unknown")
        let reason = r.string(o, "reason", at: path, required: "a CamelCase reason")
        let message = r.string(o, "message", at: path, nonEmpty: false) ?? ""
        let time = r.time(o, "lastTransitionTime", at: path, required: "when the status last changed")
        let generation = r.int(o, "observedGeneration", at: path, in: 0...Int64.max)
        guard r.count == before, let type, let status, let reason, let time else { return nil }
        self.init(type: type, status: status, reason: reason, message: message, lastTransitionTime: time, observedGeneration: generation)
    }
}
