/// RFC 7386 JSON merge patch (`application/merge-patch+json`), with the
/// details of evanphx/json-patch v4 `MergePatch`, which the apiserver uses:
/// a `null` member deletes the key; objects merge recursively; anything else
/// (arrays included) replaces the target value; `null`s inside values that
/// are newly added are pruned (also inside arrays).
public enum MergePatch {
    /// Applies `patch` to `target`. Never fails; use ``validate(_:)`` first to
    /// reject bodies the apiserver refuses.
    public static func apply(_ patch: JSON, to target: JSON) -> JSON {
        guard case .object(let patchObject) = patch else {
            // A non-object patch replaces the document (arrays: nulls pruned).
            return pruned(patch)
        }
        guard case .object(var doc) = target else {
            return pruned(patch)
        }
        mergeObjects(&doc, patchObject)
        return .object(doc)
    }

    /// Throws what the apiserver answers for a merge-patch body it cannot use:
    /// `null` or a scalar → 400 BadRequest "Invalid JSON Patch". (An array body
    /// is accepted by the library; the result then fails to decode as an
    /// object, which is the caller's validation.)
    public static func validate(_ patch: JSON) throws(PatchError) {
        switch patch {
        case .object, .array: return
        default: throw PatchError.badRequest("Invalid JSON Patch")
        }
    }

    /// ``validate(_:)`` then ``apply(_:to:)``.
    public static func applyChecked(_ patch: JSON, to target: JSON) throws(PatchError) -> JSON {
        try validate(patch)
        return apply(patch, to: target)
    }

    static func mergeObjects(_ doc: inout JSONObject, _ patch: JSONObject) {
        for (key, value) in patch {
            if value == .null {
                doc[key] = nil
                continue
            }
            if let current = doc[key], current != .null {
                doc[key] = merge(current, value)
            } else {
                doc[key] = pruned(value)
            }
        }
    }

    static func merge(_ current: JSON, _ patch: JSON) -> JSON {
        guard case .object(var cur) = current else { return pruned(patch) }
        guard case .object(let p) = patch else { return patch }
        mergeObjects(&cur, p)
        return .object(cur)
    }

    /// Removes `null` members and `null` array elements, recursively.
    static func pruned(_ value: JSON) -> JSON {
        switch value {
        case .object(let o):
            var out = JSONObject()
            for (k, v) in o where v != .null { out[k] = pruned(v) }
            return .object(out)
        case .array(let a):
            return .array(a.filter { $0 != .null }.map(pruned))
        default:
            return value
        }
    }
}
