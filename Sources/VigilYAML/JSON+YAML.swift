import VigilJSON
import Yams

extension JSON {
    /// The JSON value of a YAML node, as Kubernetes reads YAML (sigs.k8s.io/yaml):
    /// plain scalars become booleans, numbers and null where YAML says so;
    /// quoted and block scalars stay strings. Nil when nesting exceeds
    /// `maxDepth` (refused rather than risking the stack).
    public init?(yaml node: Node, maxDepth: Int = 512) {
        guard let v = JSON.convert(node, depth: 0, maxDepth: maxDepth) else { return nil }
        self = v
    }

    static func convert(_ node: Node, depth: Int, maxDepth: Int) -> JSON? {
        if depth > maxDepth { return nil }
        switch node {
        case .mapping(let m):
            var o = JSONObject()
            for (k, v) in m {
                guard let c = convert(v, depth: depth + 1, maxDepth: maxDepth) else { return nil }
                o[k.string ?? String(describing: k)] = c
            }
            return .object(o)
        case .sequence(let s):
            var a: [JSON] = []
            a.reserveCapacity(s.count)
            for v in s {
                guard let c = convert(v, depth: depth + 1, maxDepth: maxDepth) else { return nil }
                a.append(c)
            }
            return .array(a)
        case .scalar(let s):
            guard s.style == .plain else { return .string(s.string) }
            if ["", "~", "null", "Null", "NULL"].contains(s.string) { return .null }
            if let b = node.bool { return .bool(b) }
            if let i = node.int { return .int(Int64(i)) }
            if let d = node.float, d.isFinite, s.string.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { return .double(d) }
            return .string(s.string)
        case .alias:
            return .null
        }
    }
}
