/// A response whose head has arrived and whose body is read incrementally from ``body``.
///
/// The transfer is paused while the body's buffer is full and resumed as the consumer reads.
/// Dropping the response (and every iterator of its body) aborts the transfer.
public struct HTTPStreamingResponse: Sendable {
    public var status: Int
    /// Response headers in arrival order, names lowercased.
    public var headers: [(String, String)]
    /// `"1.1"` or `"2"`.
    public var httpVersion: String
    public var body: HTTPBodyStream

    public init(status: Int, headers: [(String, String)], httpVersion: String, body: HTTPBodyStream) {
        self.status = status
        self.headers = headers
        self.httpVersion = httpVersion
        self.body = body
    }

    /// The first value of a header, matched case-insensitively; `nil` when absent.
    public func header(_ name: String) -> String? {
        let key = name.lowercased()
        return headers.first { $0.0 == key }?.1
    }
}
