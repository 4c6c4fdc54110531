extension JSON {
    /// A map of strings (labels, annotations) as an object, members sorted by name.
    public static func strings(_ map: [String: String]) -> JSON {
        .object(JSONObject(map.sorted { $0.key < $1.key }.map { ($0.key, JSON.string($0.value)) }))
    }

    /// The string members of an object (others left out); empty for anything else.
    public var stringMap: [String: String] {
        var out: [String: String] = [:]
        for (k, v) in objectValue ?? JSONObject() { if case .string(let s) = v { out[k] = s } }
        return out
    }
}
