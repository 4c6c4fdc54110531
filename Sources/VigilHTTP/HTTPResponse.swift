/// A fully buffered HTTP response. Any status, including 4xx and 5xx, is a response, not an error.
public struct HTTPResponse: Sendable {
    /// The final status code (1xx interim responses are skipped).
    public var status: Int
    /// Response headers in arrival order, names lowercased.
    public var headers: [(String, String)]
    /// The whole body, decoded from chunked transfer encoding.
    public var body: [UInt8]
    /// `"1.1"`, `"2"` (or `"1.0"`).
    public var httpVersion: String

    public init(status: Int, headers: [(String, String)], body: [UInt8], httpVersion: String) {
        self.status = status
        self.headers = headers
        self.body = body
        self.httpVersion = httpVersion
    }

    /// The first value of a header, matched case-insensitively; `nil` when absent.
    public func header(_ name: String) -> String? {
        let key = name.lowercased()
        return headers.first { $0.0 == key }?.1
    }
}
