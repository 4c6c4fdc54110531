import VigilYAML
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
        guard let j = JSON(yaml: node) else {
            throw APIError.badRequest("error converting YAML to JSON: nesting deeper than 512 levels")
        }
        return j
    }
}
