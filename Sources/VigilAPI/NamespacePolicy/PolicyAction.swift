import VigilJSON

/// What a policy does when its condition holds: exactly one of
/// `deleteNamespace` (an empty object), `scaleDown` or `webhook`.
public enum PolicyAction: Sendable, Hashable {
    /// Delete the managed namespace.
    case deleteNamespace
    /// Scale the selected Deployments and StatefulSets to zero, remembering their replicas.
    case scaleDown(ScaleDownAction)
    /// POST a signed notification.
    case webhook(WebhookAction)

    /// The member names, in the order messages list them.
    public static let fieldNames = ["deleteNamespace", "scaleDown", "webhook"]

    /// The member name of this action (`"webhook"`).
    public var type: String {
        switch self {
        case .deleteNamespace: return "deleteNamespace"
        case .scaleDown: return "scaleDown"
        case .webhook: return "webhook"
        }
    }

    /// The action as stored: an object with exactly one member.
    public var json: JSON {
        var o = JSONObject()
        switch self {
        case .deleteNamespace: o["deleteNamespace"] = .object(JSONObject())
        case .scaleDown(let s): o["scaleDown"] = s.json
        case .webhook(let w): o["webhook"] = w.json
        }
        return .object(o)
    }

    init?(_ value: JSON, at path: String, _ r: inout FieldReader) {
        let before = r.count
        guard let o = r.object(value, at: path) else { return nil }
        r.rejectUnknown(o, known: PolicyAction.fieldNames, at: path)
        r.exactlyOne(of: PolicyAction.fieldNames, in: o, value: value, at: path)
        var found: PolicyAction?
        if let d = o["deleteNamespace"] {
            let dp = FieldReader.child(path, "deleteNamespace")
            if case .object(let e) = d {
                if e.isEmpty {
                    found = .deleteNamespace
                } else {
                    r.report(dp, d, "must be an empty object ({}): deleteNamespace takes no settings, found \(alternatives(e.keys, conjunction: "and"))")
                }
            } else {
                r.wrongType(dp, d, expected: "an empty object ({})")
            }
        }
        if let s = o["scaleDown"], let a = ScaleDownAction(s, at: FieldReader.child(path, "scaleDown"), &r) { found = .scaleDown(a) }
        if let w = o["webhook"], let a = WebhookAction(w, at: FieldReader.child(path, "webhook"), &r) { found = .webhook(a) }
        guard r.count == before, let found else { return nil }
        self = found
    }
}
