/// One Prometheus server Vigil reads, as configured: where it is, how often to poll it, how long
/// a request may take, and how to authenticate.
public struct PrometheusSource: Sendable, Hashable {
    /// Username and password for HTTP basic auth.
    public struct BasicAuth: Sendable, Hashable {
        public var username: String
        public var password: String

        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    /// The name subscribers refer to (`PrometheusRegistration.source`) and metrics carry.
    public var name: String
    /// Base URL, e.g. `http://prometheus.monitoring:9090` (a path prefix such as
    /// `/prometheus` is kept; `/api/v1/...` is appended).
    public var url: String
    /// Seconds between polls while the source answers.
    public var interval: Double
    /// Seconds one request may take, end to end.
    public var timeout: Double
    /// File holding a bearer token (a mounted Secret); re-read when it changes.
    public var bearerTokenFile: String?
    public var basicAuth: BasicAuth?
    /// PEM file with the CA certificates to trust for an `https` URL.
    public var caFile: String?
    /// Skip TLS verification. Never a default.
    public var insecureSkipVerify: Bool

    public init(
        name: String, url: String, interval: Double = 15, timeout: Double = 10,
        bearerTokenFile: String? = nil, basicAuth: BasicAuth? = nil,
        caFile: String? = nil, insecureSkipVerify: Bool = false
    ) {
        self.name = name
        self.url = url
        self.interval = interval
        self.timeout = timeout
        self.bearerTokenFile = bearerTokenFile
        self.basicAuth = basicAuth
        self.caFile = caFile
        self.insecureSkipVerify = insecureSkipVerify
    }
}
