/// Why a request failed before a complete response was received. HTTP error statuses are not
/// errors; they arrive as responses.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    /// The failure class, for retry and reporting decisions.
    public enum Kind: Sendable, Hashable {
        /// The host name could not be resolved.
        case dns
        /// No TCP connection (refused, unreachable); the message names host and port.
        case connect
        /// The peer's certificate failed verification; the message carries OpenSSL's reason.
        case tlsVerify
        /// Any other TLS failure (handshake, unreadable client certificate or key, bad CA file).
        case tls
        /// The connect timeout or the request's `timeout` elapsed.
        case timeout
        /// A stream received no bytes for its `idleTimeout`.
        case idleTimeout
        /// The task was cancelled, the stream was dropped, or the client was shut down.
        case cancelled
        /// The server broke HTTP (malformed reply, connection cut mid-body, HTTP/2 stream error).
        case protocolError
        /// The request could not be built (malformed URL, unsupported scheme, bad option).
        case invalidRequest
        case other
    }

    public var kind: Kind
    public var message: String
    public var url: String

    public init(kind: Kind, message: String, url: String) {
        self.kind = kind
        self.message = message
        self.url = url
    }

    public var description: String { "\(kind) error for \(url): \(message)" }
}
