import VigilHTTP

/// What ``WebhookDelivery`` needs from an HTTP client: one buffered exchange.
/// ``HTTPClient`` is the real one; tests may script their own.
public protocol WebhookTransport: Sendable {
    /// Sends `request`; any status is a response, failures without one throw.
    func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse
}

extension HTTPClient: WebhookTransport {}
