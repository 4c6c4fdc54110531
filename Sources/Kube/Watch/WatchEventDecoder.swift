import Foundation

/// Decodes one watch line (`{"type":"ADDED","object":{…}}`). ERROR events
/// become errors: `410`/`Expired` as `KubeError.gone`, others as `.api`.
public enum WatchEventDecoder {
    struct Envelope<T: Decodable>: Decodable {
        var type: String
        var object: T
    }

    struct TypeOnly: Decodable {
        var type: String
    }

    struct BookmarkObject: Decodable {
        struct Meta: Decodable {
            var resourceVersion: String?
            var annotations: [String: String]?
        }
        var metadata: Meta?
    }

    /// The event type, read from the bytes without decoding the object
    /// (the API server writes `type` first).
    static func eventType(_ line: [UInt8]) -> String? {
        let prefix = Array("{\"type\":\"".utf8)
        guard line.count > prefix.count + 2, Array(line[0..<prefix.count]) == prefix else { return nil }
        var i = prefix.count
        while i < line.count, line[i] != 34 { i += 1 }
        return String(decoding: line[prefix.count..<i], as: UTF8.self)
    }

    public static func decode<T: Decodable & Sendable>(_ line: [UInt8], as: T.Type) throws(KubeError) -> WatchEvent<T> {
        let data = Data(line)
        let decoder = KubeJSON.decoder()
        let type: String
        if let t = eventType(line) {
            type = t
        } else {
            do { type = try decoder.decode(TypeOnly.self, from: data).type } catch {
                throw .decoding("watch event is not JSON with a type: \(String(decoding: line.prefix(200), as: UTF8.self))")
            }
        }
        do {
            switch type {
            case "ADDED": return .added(try decoder.decode(Envelope<T>.self, from: data).object)
            case "MODIFIED": return .modified(try decoder.decode(Envelope<T>.self, from: data).object)
            case "DELETED": return .deleted(try decoder.decode(Envelope<T>.self, from: data).object)
            case "BOOKMARK":
                let b = try decoder.decode(Envelope<BookmarkObject>.self, from: data).object
                return .bookmark(resourceVersion: b.metadata?.resourceVersion ?? "",
                    initialEventsEnd: b.metadata?.annotations?["k8s.io/initial-events-end"] == "true")
            case "ERROR":
                let s = try decoder.decode(Envelope<Status>.self, from: data).object
                if s.code == 410 || s.reason == "Expired" || s.reason == "Gone" { throw KubeError.gone(s.message ?? "resource version too old") }
                throw KubeError.api(APIStatusError(code: s.code ?? 500, reason: s.reason ?? "", message: s.message ?? "", status: s))
            default:
                throw KubeError.decoding("unknown watch event type \"\(type)\"")
            }
        } catch let e as KubeError {
            throw e
        } catch {
            throw .decoding("\(type) event for \(T.self): \(error)")
        }
    }
}
