import VigilJSON

/// Decodes one watch line (`{"type":"ADDED","object":{…}}`). ERROR events
/// become errors: `410`/`Expired` as `KubeError.gone`, others as `.api`.
/// The line is parsed once; the object is decoded from the parsed tree.
public enum WatchEventDecoder {
    public static func decode<T: Decodable & Sendable>(_ line: [UInt8], as: T.Type) throws(KubeError) -> WatchEvent<T> {
        let tree: JSON
        do { tree = try JSON.parse(line) } catch {
            throw .decoding("watch event is not JSON (\(error)): \(String(decoding: line.prefix(200), as: UTF8.self))")
        }
        guard let type = tree["type"]?.stringValue, let object = tree["object"], case .object = object else {
            throw .decoding("watch event without type and object: \(String(decoding: line.prefix(200), as: UTF8.self))")
        }
        switch type {
        case "ADDED": return .added(try KubeJSON.decode(T.self, from: object))
        case "MODIFIED": return .modified(try KubeJSON.decode(T.self, from: object))
        case "DELETED": return .deleted(try KubeJSON.decode(T.self, from: object))
        case "BOOKMARK":
            return .bookmark(resourceVersion: object[path: ["metadata", "resourceVersion"]]?.stringValue ?? "",
                initialEventsEnd: object[path: ["metadata", "annotations", "k8s.io/initial-events-end"]]?.stringValue == "true")
        case "ERROR":
            let s = try KubeJSON.decode(Status.self, from: object)
            if s.code == 410 || s.reason == "Expired" || s.reason == "Gone" { throw .gone(s.message ?? "resource version too old") }
            throw .api(APIStatusError(code: s.code ?? 500, reason: s.reason ?? "", message: s.message ?? "", status: s))
        default:
            throw .decoding("unknown watch event type \"\(type)\"")
        }
    }
}
