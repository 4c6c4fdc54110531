/// Settings shared by every request of one ``HTTPClient``.
public struct HTTPClientConfiguration: Sendable {
    /// TLS settings for `https` URLs; `nil` uses the system trust store and no client certificate.
    public var tls: TLSConfiguration?
    /// Limit for establishing a connection (TCP and TLS handshake).
    public var connectTimeout: Duration = .seconds(10)
    /// Connections kept open to one host; further requests queue (or multiplex over HTTP/2).
    public var maxConnectionsPerHost: Int = 16
    /// Negotiate HTTP/2 over TLS via ALPN (multiplexed); plain `http` always uses HTTP/1.1.
    public var http2: Bool = true
    /// Proxy URL. `nil` follows libcurl's environment variables (`https_proxy`, `no_proxy`, …)
    /// like client-go does; an empty string disables proxies.
    public var proxy: String?
    /// Bytes a streamed body may hold unread before the transfer is paused (back-pressure).
    /// The buffer may exceed this by at most one network read (≤ 16 KiB on HTTP/1.1).
    public var streamBufferLimit: Int = 1 << 20

    public init(
        tls: TLSConfiguration? = nil, connectTimeout: Duration = .seconds(10), maxConnectionsPerHost: Int = 16,
        http2: Bool = true, proxy: String? = nil, streamBufferLimit: Int = 1 << 20
    ) {
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.http2 = http2
        self.proxy = proxy
        self.streamBufferLimit = streamBufferLimit
    }
}
