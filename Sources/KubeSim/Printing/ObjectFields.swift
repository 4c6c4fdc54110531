/// Lenient field access for the printers: a missing or mistyped field reads
/// as Go's zero value, the way a decoded Kubernetes struct would have it.
extension JSON {
    /// The value at a path of object keys, if present and not `null`.
    func pAt(_ path: String...) -> JSON? { pAt(path) }
    func pAt(_ path: [String]) -> JSON? {
        let v = self[path: path]
        if v == nil || v == .null { return nil }
        return v
    }
    /// A string field, `""` when absent.
    func pString(_ path: String...) -> String { pAt(path)?.stringValue ?? "" }
    /// An integer field, 0 when absent.
    func pInt(_ path: String...) -> Int64 { pAt(path)?.intValue ?? 0 }
    /// An optional integer field (Go `*int32`).
    func pIntOpt(_ path: String...) -> Int64? { pAt(path)?.intValue }
    /// An array field, empty when absent.
    func pArray(_ path: String...) -> [JSON] { pAt(path)?.arrayValue ?? [] }
    /// An object field, empty when absent.
    func pObject(_ path: String...) -> JSONObject { pAt(path)?.objectValue ?? JSONObject() }
    /// Whether a field is present and not `null`.
    func pHas(_ path: String...) -> Bool { pAt(path) != nil }
}

/// Text forms of label maps and label selectors, as `k8s.io/apimachinery`
/// `labels.FormatLabels`, `metav1.FormatLabelSelector` and
/// `LabelSelectorAsSelector(…).String()` write them.
enum LabelText {
    /// Go's byte-wise string order.
    static func less(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    /// `labels.FormatLabels`: `a=1,b=2` sorted by key, `<none>` when empty.
    static func formatLabels(_ m: JSONObject) -> String {
        let pairs = m.entries.sorted { less($0.key, $1.key) }.map { "\($0.key)=\($0.value.stringValue ?? "")" }
        return pairs.isEmpty ? "<none>" : pairs.joined(separator: ",")
    }

    /// `LabelSelectorAsSelector(sel).String()`; nil when the selector is invalid.
    static func selectorString(_ sel: JSON?) -> String? {
        guard let sel, case .object = sel else { return "" }
        var reqs: [(key: String, text: String)] = []
        for (k, v) in sel.pObject("matchLabels").entries {
            reqs.append((k, "\(k)=\(v.stringValue ?? "")"))
        }
        for e in sel.pArray("matchExpressions") {
            let key = e.pString("key")
            let values = e.pArray("values").compactMap(\.stringValue).sorted(by: less)
            switch e.pString("operator") {
            case "In":
                guard !values.isEmpty else { return nil }
                reqs.append((key, "\(key) in (\(values.joined(separator: ",")))"))
            case "NotIn":
                guard !values.isEmpty else { return nil }
                reqs.append((key, "\(key) notin (\(values.joined(separator: ",")))"))
            case "Exists":
                guard values.isEmpty else { return nil }
                reqs.append((key, key))
            case "DoesNotExist":
                guard values.isEmpty else { return nil }
                reqs.append((key, "!\(key)"))
            default:
                return nil
            }
        }
        // Requirements are kept sorted by key (stable for equal keys).
        let sorted = reqs.enumerated().sorted {
            $0.element.key == $1.element.key ? $0.offset < $1.offset : less($0.element.key, $1.element.key)
        }
        return sorted.map(\.element.text).joined(separator: ",")
    }

    /// `metav1.FormatLabelSelector`: `<none>` when empty, `<error>` when invalid.
    static func formatLabelSelector(_ sel: JSON?) -> String {
        guard let s = selectorString(sel) else { return "<error>" }
        return s.isEmpty ? "<none>" : s
    }
}
