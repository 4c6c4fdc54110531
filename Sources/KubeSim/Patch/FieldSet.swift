/// A set of field paths in the managedFields `FieldsV1` format of
/// structured-merge-diff: `f:<field>`, `k:<key object JSON>`, `v:<value JSON>`,
/// `i:<index>`, with `.` marking a path that is itself a member and also has
/// members below it.
struct FieldSet: Equatable {
    /// One step of a path.
    enum Element: Hashable {
        case field(String)
        /// Canonical (sorted, compact) JSON of the key fields object.
        case key(String)
        /// Canonical JSON of a set member.
        case value(String)
        case index(Int)

        var encoded: String {
            switch self {
            case .field(let n): return "f:" + n
            case .key(let k): return "k:" + k
            case .value(let v): return "v:" + v
            case .index(let i): return "i:" + String(i)
            }
        }

        init?(encoded s: String) {
            guard s.count >= 2, s.dropFirst().first == ":" else { return nil }
            let body = String(s.dropFirst(2))
            switch s.first {
            case "f": self = .field(body)
            case "k": self = .key((try? JSON.parse(body)).map(PatchSupport.canonical) ?? body)
            case "v": self = .value((try? JSON.parse(body)).map(PatchSupport.canonical) ?? body)
            case "i":
                guard let i = Int(body) else { return nil }
                self = .index(i)
            default: return nil
            }
        }

        /// As structured-merge-diff prints paths in conflict messages.
        var display: String {
            switch self {
            case .field(let n): return "." + n
            case .key(let k):
                guard case .object(let o)? = try? JSON.parse(k) else { return "[" + k + "]" }
                let parts = o.entries.map { "\($0.key)=\($0.value.serializedString)" }.sorted()
                return "[" + parts.joined(separator: ",") + "]"
            case .value(let v): return "[=" + v + "]"
            case .index(let i): return "[\(i)]"
            }
        }

        var rank: Int {
            switch self {
            case .field: return 0
            case .key: return 1
            case .value: return 2
            case .index: return 3
            }
        }

        static func before(_ a: Element, _ b: Element) -> Bool {
            if a.rank != b.rank { return a.rank < b.rank }
            switch (a, b) {
            case (.index(let x), .index(let y)): return x < y
            default: return a.encoded < b.encoded
            }
        }
    }

    typealias Path = [Element]

    var paths: Set<Path> = []

    init(_ paths: Set<Path> = []) { self.paths = paths }

    var isEmpty: Bool { paths.isEmpty }

    static func display(_ path: Path) -> String { path.map(\.display).joined() }

    /// Parses a `fieldsV1` object; unknown keys are skipped.
    init(fieldsV1: JSON) {
        var out: Set<Path> = []
        func walk(_ o: JSONObject, _ prefix: Path) {
            for (k, v) in o {
                if k == "." {
                    if !prefix.isEmpty { out.insert(prefix) }
                    continue
                }
                guard let e = Element(encoded: k) else { continue }
                let child = v.objectValue ?? JSONObject()
                if child.isEmpty { out.insert(prefix + [e]) } else { walk(child, prefix + [e]) }
            }
        }
        if let o = fieldsV1.objectValue { walk(o, []) }
        paths = out
    }

    /// The `fieldsV1` object.
    var fieldsV1: JSON {
        func build(_ group: [ArraySlice<Element>]) -> JSONObject {
            var byFirst: [Element: [ArraySlice<Element>]] = [:]
            for p in group {
                guard let f = p.first else { continue }
                byFirst[f, default: []].append(p.dropFirst())
            }
            var o = JSONObject()
            for e in byFirst.keys.sorted(by: Element.before) {
                let rest = byFirst[e] ?? []
                let member = rest.contains { $0.isEmpty }
                let children = rest.filter { !$0.isEmpty }
                if children.isEmpty {
                    o[e.encoded] = .object(JSONObject())
                } else {
                    var inner = JSONObject()
                    if member { inner["."] = .object(JSONObject()) }
                    for (k, v) in build(children) { inner[k] = v }
                    o[e.encoded] = .object(inner)
                }
            }
            return o
        }
        return .object(build(paths.map { $0[...] }))
    }

    func union(_ other: FieldSet) -> FieldSet { FieldSet(paths.union(other.paths)) }
    func subtracting(_ other: FieldSet) -> FieldSet { FieldSet(paths.subtracting(other.paths)) }
    func intersection(_ other: FieldSet) -> FieldSet { FieldSet(paths.intersection(other.paths)) }

    /// Whether any member starts with `prefix` (the prefix itself included).
    func hasMember(under prefix: Path) -> Bool {
        paths.contains { $0.count >= prefix.count && Array($0.prefix(prefix.count)) == prefix }
    }
}
