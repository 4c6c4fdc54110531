/// An HTTP request as the API dispatcher sees it: no sockets, so the whole
/// API surface is testable by calling `APIServer.handle` directly.
public struct APIRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [String: [String]]
    /// Header names lowercased.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(method: String, path: String, query: [String: [String]] = [:], headers: [String: String] = [:], body: [UInt8] = []) {
        self.method = method.uppercased()
        self.path = path
        self.query = query
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.body = body
    }

    /// Builds a request from a target like `/api/v1/pods?watch=1&limit=5`.
    public init(method: String, target: String, headers: [String: String] = [:], body: [UInt8] = []) {
        let (path, query) = APIRequest.splitTarget(target)
        self.init(method: method, path: path, query: query, headers: headers, body: body)
    }

    public init(method: String, target: String, json: JSON, headers: [String: String] = [:]) {
        var h = headers
        if h["content-type"] == nil && h["Content-Type"] == nil { h["content-type"] = "application/json" }
        self.init(method: method, target: target, headers: h, body: json.serialized())
    }

    public func param(_ name: String) -> String? { query[name]?.first }

    public func boolParam(_ name: String) -> Bool {
        guard let v = param(name) else { return false }
        return v == "true" || v == "1" || v == "True"
    }

    public static func splitTarget(_ target: String) -> (String, [String: [String]]) {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = percentDecode(String(parts[0]))
        var query: [String: [String]] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let k = percentDecode(String(kv[0]), plusAsSpace: true)
                let v = kv.count == 2 ? percentDecode(String(kv[1]), plusAsSpace: true) : ""
                query[k, default: []].append(v)
            }
        }
        return (path, query)
    }

    public static func percentDecode(_ s: String, plusAsSpace: Bool = false) -> String {
        guard s.contains("%") || (plusAsSpace && s.contains("+")) else { return s }
        var out: [UInt8] = []
        let b = Array(s.utf8)
        var i = 0
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 65...70: return c - 55
            case 97...102: return c - 87
            default: return nil
            }
        }
        while i < b.count {
            if b[i] == 37, i + 2 < b.count, let h = hex(b[i + 1]), let l = hex(b[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else if plusAsSpace && b[i] == 43 {
                out.append(32)
                i += 1
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A response: bytes, or a stream (watch, follow logs).
public struct APIResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Body

    public enum Body: Sendable {
        case bytes([UInt8])
        /// A streamed body: each element is written and flushed as it comes.
        case stream(AsyncStream<[UInt8]>)
    }

    public init(status: Int = 200, headers: [(String, String)] = [], body: Body) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func json(_ j: JSON, status: Int = 200) -> APIResponse {
        APIResponse(status: status, headers: [("Content-Type", "application/json")], body: .bytes(j.serialized()))
    }

    public static func rawJSON(_ bytes: [UInt8], status: Int = 200) -> APIResponse {
        APIResponse(status: status, headers: [("Content-Type", "application/json")], body: .bytes(bytes))
    }

    public static func error(_ e: APIError) -> APIResponse {
        var r = APIResponse.json(e.status, status: e.code)
        r.headers += e.headers
        return r
    }

    public static func text(_ s: String, status: Int = 200) -> APIResponse {
        APIResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: .bytes(Array(s.utf8)))
    }

    /// The body bytes of a non-streamed response (tests).
    public var bytes: [UInt8] {
        if case .bytes(let b) = body { return b }
        return []
    }

    /// The body parsed as JSON (tests).
    public var json: JSON? { try? JSON.parse(bytes) }
}
