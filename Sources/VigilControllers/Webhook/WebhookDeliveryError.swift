import VigilHTTP

/// Why the last attempt of a webhook failed: the URL and either the status
/// with the first 200 bytes of the answer, or the transport error.
public struct WebhookDeliveryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Cause: Sendable, Hashable {
        /// The receiver answered `status` (a retryable one: 408, 429, 5xx).
        case status(Int, bodySnippet: String)
        /// No answer: the client's error class and message.
        case transport(HTTPClientError.Kind, message: String)
    }

    /// Bytes of a response body kept in errors.
    public static let snippetLimit = 200

    public var url: String
    public var cause: Cause

    public init(url: String, cause: Cause) {
        self.url = url
        self.cause = cause
    }

    public var description: String {
        switch cause {
        case .status(let status, let snippet):
            return "POST \(url) answered \(status)" + (snippet.isEmpty ? " with an empty body" : ": \(snippet)")
        case .transport(let kind, let message):
            return "POST \(url) failed (\(kind)): \(message)"
        }
    }

    /// The first ``snippetLimit`` bytes of `body` as text, line breaks made
    /// spaces, `…` appended when cut.
    public static func snippet(_ body: [UInt8]) -> String {
        let cut = body.count > snippetLimit
        var text = String(decoding: body.prefix(snippetLimit), as: UTF8.self)
        text = String(text.map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" || $0 == "\t" ? " " : $0 })
        return cut ? text + "…" : text
    }
}
