import VigilJSON

/// RFC 7386 JSON merge patch, applied locally: to know whether a status
/// patch would change anything before sending it.
enum JSONMergePatch {
    static func apply(_ patch: JSON, to target: JSON?) -> JSON {
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

    /// `value` without the members named `keys`, at any depth.
    static func removing(_ keys: Set<String>, from value: JSON) -> JSON {
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
