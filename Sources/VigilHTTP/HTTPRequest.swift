/// One HTTP request for ``HTTPClient``: method, absolute URL, headers, optional body and an
/// optional deadline for the whole exchange (connect, send, and the full response body).
public struct HTTPRequest: Sendable {
    /// `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD`, … (sent as given).
    public var method: String
    /// Absolute `http://` or `https://` URL, including the query.
    public var url: String
    /// Request headers in order; a header whose value is empty is sent empty.
    public var headers: [(String, String)]
    /// Request body; `nil` sends none.
    public var body: [UInt8]?
    /// Deadline for the whole request; `nil` means none (the connect timeout still applies).
    /// For streams it covers the stream's whole life; use `idleTimeout` for watches.
    public var timeout: Duration?

    public init(
        method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        timeout: Duration? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}
