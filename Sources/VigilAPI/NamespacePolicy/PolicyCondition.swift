import VigilJSON

/// When a policy fires: exactly one of `ttl` (time since the namespace was
/// created), `expiresAt` (a fixed instant) or `podsSucceeded` (the selected
/// pods have finished).
public enum PolicyCondition: Sendable, Hashable {
    /// Fires once the namespace is older than this (must be greater than zero).
    case ttl(GoDuration)
    /// Fires at this instant.
    case expiresAt(RFC3339Time)
    /// Fires when the selected pods have all succeeded.
    case podsSucceeded(PodsSucceededCondition)

    /// The member names, in the order messages list them.
    public static let fieldNames = ["ttl", "expiresAt", "podsSucceeded"]

    /// The member name of this condition (`"ttl"`).
    public var type: String {
        switch self {
        case .ttl: return "ttl"
        case .expiresAt: return "expiresAt"
        case .podsSucceeded: return "podsSucceeded"
        }
    }

    /// The condition as stored: an object with exactly one member.
    public var json: JSON {
        var o = JSONObject()
        switch self {
        case .ttl(let d): o["ttl"] = .string(d.text)
        case .expiresAt(let t): o["expiresAt"] = .string(t.text)
        case .podsSucceeded(let p): o["podsSucceeded"] = p.json
        }
        return .object(o)
    }

    init?(_ value: JSON, at path: String, _ r: inout FieldReader) {
        let before = r.count
        guard let o = r.object(value, at: path) else { return nil }
        r.rejectUnknown(o, known: PolicyCondition.fieldNames, at: path)
        r.exactlyOne(of: PolicyCondition.fieldNames, in: o, value: value, at: path)
        // Every member present is read, so its own problems are reported too.
        var found: PolicyCondition?
        if o["ttl"] != nil, let d = r.duration(o, "ttl", at: path) {
            if d.milliseconds == 0 {
                r.report(FieldReader.child(path, "ttl"), .string(d.text), "\(quoted(d.text)) is not allowed: a ttl must be greater than zero, e.g. \"30m\"")
            } else {
                found = .ttl(d)
            }
        }
        if o["expiresAt"] != nil, let t = r.time(o, "expiresAt", at: path) { found = .expiresAt(t) }
        if let p = o["podsSucceeded"], let c = PodsSucceededCondition(p, at: FieldReader.child(path, "podsSucceeded"), &r) {
            found = .podsSucceeded(c)
        }
        guard r.count == before, let found else { return nil }
        self = found
    }
}
