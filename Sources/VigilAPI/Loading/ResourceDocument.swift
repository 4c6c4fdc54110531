import VigilJSON

/// One resource read from a manifest file, with where it came from so
/// messages can point at it: `a.yaml: document 2 (NamespacePolicy demo/x)`.
public struct ResourceDocument: Sendable, Equatable {
    /// The file as the user named it (`a.yaml`, `-` for standard input).
    public var source: String
    /// The YAML document's position in the file, counting from 1 (empty documents count too).
    public var index: Int
    /// The position in the `items` of a `kind: List` document, counting from 1; nil otherwise.
    public var item: Int?
    /// The resource.
    public var json: JSON

    public init(source: String, index: Int, item: Int? = nil, json: JSON) {
        self.source = source
        self.index = index
        self.item = item
        self.json = json
    }

    /// The resource as the API server would validate it: members whose value
    /// is null (`onOOMKilled:` with nothing after it) are left out, at every
    /// depth, as the server prunes them from a custom resource before it
    /// applies defaults. Nulls inside lists stay (the server refuses them).
    public var asServed: JSON { Self.withoutNullMembers(json) }

    static func withoutNullMembers(_ v: JSON) -> JSON {
        switch v {
        case .object(let o):
            var out = JSONObject()
            for (k, x) in o where x != .null { out[k] = withoutNullMembers(x) }
            return .object(out)
        case .array(let a):
            return .array(a.map(withoutNullMembers))
        default:
            return v
        }
    }

    public var apiVersion: String? { json["apiVersion"]?.stringValue }
    public var kind: String? { json["kind"]?.stringValue }

    /// Whether the document claims to be a `NamespacePolicy` (by kind, whatever its apiVersion).
    public var isNamespacePolicy: Bool { kind == NamespacePolicy.kind }

    /// `Kind namespace/name`, as far as the document says (`NamespacePolicy demo/x`).
    public var subject: String {
        let name = json[path: ["metadata", "name"]]?.stringValue
        let n = (name?.isEmpty ?? true) ? "(unnamed)" : name!
        let k = (kind?.isEmpty ?? true) ? "(no kind)" : kind!
        if let ns = json[path: ["metadata", "namespace"]]?.stringValue, !ns.isEmpty { return "\(k) \(ns)/\(n)" }
        return "\(k) \(n)"
    }

    /// `a.yaml: document 2` or `a.yaml: document 1, item 3`.
    public var location: String {
        "\(source): document \(index)" + (item.map { ", item \($0)" } ?? "")
    }

    /// `a.yaml: document 2 (NamespacePolicy demo/x)`, the prefix of every message about this document.
    public var label: String { "\(location) (\(subject))" }

    /// `<label>: <field>: <message>` for each problem.
    public func messages(for problems: [ValidationProblem]) -> [String] {
        problems.map { "\(label): \($0)" }
    }
}
