import VigilJSON

/// RFC 7386 JSON merge patch, applied locally (to know whether a status
/// patch would change anything before sending it) and computed (the patch
/// that turns what is stored into what is wanted, removed members as null:
/// a merge patch that leaves a member out keeps it).
public enum JSONMergePatch {
    public static func apply(_ patch: JSON, to target: JSON?) -> JSON {
        guard case .object(let p) = patch else { return patch }
        var result: JSONObject
        if case .object(let t)? = target { result = t } else { result = JSONObject() }
        for (key, value) in p {
            if value == .null {
                result[key] = nil
            } else {
                result[key] = apply(value, to: result[key])
            }
        }
        return .object(result)
    }

    /// The merge patch that turns `old` into `new`; nil when they are equal.
    /// Objects are compared member by member (a member `new` lacks becomes
    /// null); anything else, arrays included, is replaced whole.
    public static func diff(from old: JSON?, to new: JSON) -> JSON? {
        guard case .object(let n) = new, case .object(let o)? = old else {
            // Not a ternary: `nil` there would be JSON's nil literal (.null), not "no patch".
            if old == new { return nil }
            return new
        }
        var patch = JSONObject()
        for (key, value) in n {
            if value == .null {
                if o[key] != nil && o[key] != .null { patch[key] = .null }
            } else if let d = diff(from: o[key], to: value) {
                patch[key] = d
            }
        }
        for key in o.keys where n[key] == nil { patch[key] = .null }
        return patch.isEmpty ? nil : .object(patch)
    }

    /// `value` without the members named `keys`, at any depth.
    public static func removing(_ keys: Set<String>, from value: JSON) -> JSON {
        switch value {
        case .object(let o):
            var out = JSONObject()
            for (k, v) in o where !keys.contains(k) { out[k] = removing(keys, from: v) }
            return .object(out)
        case .array(let a):
            return .array(a.map { removing(keys, from: $0) })
        default:
            return value
        }
    }
}
