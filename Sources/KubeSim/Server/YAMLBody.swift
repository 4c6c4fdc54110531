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
        return convert(node)
    }

    static func convert(_ node: Node) -> JSON {
        switch node {
        case .mapping(let m):
            var o = JSONObject()
            for (k, v) in m { o[k.string ?? String(describing: k)] = convert(v) }
            return .object(o)
        case .sequence(let s):
            return .array(s.map(convert))
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
