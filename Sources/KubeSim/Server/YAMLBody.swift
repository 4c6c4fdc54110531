import Yams

/// YAML request bodies (`application/yaml`, `application/apply-patch+yaml`)
/// turned into JSON. JSON is YAML, so JSON bodies take the fast path.
enum YAMLBody {
    static func parse(_ bytes: [UInt8], kind: String, version: String) throws(APIError) -> JSON {
        if let j = try? JSON.parse(bytes) { return j }
        let text = String(decoding: bytes, as: UTF8.self)
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw APIError.badRequest("error converting YAML to JSON: \(error)")
        }
        guard let node else { throw APIError.badRequest("the body of the request was empty") }
        guard let j = convert(node, depth: 0) else {
            throw APIError.badRequest("error converting YAML to JSON: nesting deeper than \(maxDepth) levels")
        }
        return j
    }

    static let maxDepth = 512

    static func convert(_ node: Node, depth: Int) -> JSON? {
        if depth > maxDepth { return nil }
        switch node {
        case .mapping(let m):
            var o = JSONObject()
            for (k, v) in m {
                guard let c = convert(v, depth: depth + 1) else { return nil }
                o[k.string ?? String(describing: k)] = c
            }
            return .object(o)
        case .sequence(let s):
            var a: [JSON] = []
            for v in s {
                guard let c = convert(v, depth: depth + 1) else { return nil }
                a.append(c)
            }
            return .array(a)
        case .scalar(let s):
            if s.style == .singleQuoted || s.style == .doubleQuoted || s.style == .literal || s.style == .folded {
                return .string(s.string)
            }
            if let b = node.bool { return .bool(b) }
            if s.string == "null" || s.string == "~" || s.string.isEmpty { return .null }
            if let i = node.int { return .int(Int64(i)) }
            if let d = node.float, s.string.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { return .double(d) }
            return .string(s.string)
        case .alias:
            return .null
        }
    }
}
