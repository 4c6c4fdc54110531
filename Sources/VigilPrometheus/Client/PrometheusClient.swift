import VigilHTTP

/// A client of one Prometheus server's HTTP API v1 over VigilHTTP (libcurl): instant queries and
/// active alerts, with bearer-token (re-read on rotation) or basic auth and the source's TLS
/// settings. Every failure is a ``PrometheusError`` naming the URL.
public final class PrometheusClient: Sendable {
    public let source: PrometheusSource
    let builder: PrometheusRequestBuilder
    let http: HTTPClient
    let token: BearerTokenFile?

    /// Makes a client with its own `HTTPClient` (TLS from `caFile` / `insecureSkipVerify`).
    public init(source: PrometheusSource) throws(PrometheusError) {
        guard source.timeout > 0 else { throw .configuration(url: source.url, message: "timeout must be positive, got \(source.timeout)") }
        var tls: TLSConfiguration?
        if source.caFile != nil || source.insecureSkipVerify {
            tls = TLSConfiguration(caFile: source.caFile, insecureSkipVerify: source.insecureSkipVerify)
        }
        let connect = Duration.milliseconds(max(1, Int64(source.timeout * 1000)))
        do {
            http = try HTTPClient(configuration: HTTPClientConfiguration(tls: tls, connectTimeout: connect, maxConnectionsPerHost: 4))
        } catch {
            throw .configuration(url: source.url, message: error.message)
        }
        self.source = source
        builder = PrometheusRequestBuilder(source: source)
        token = source.bearerTokenFile.map(BearerTokenFile.init(path:))
    }

    /// Evaluates `expr` at the current time (`GET /api/v1/query`).
    public func query(_ expr: String) async throws(PrometheusError) -> PrometheusQueryResult {
        let request = builder.query(expr, authorization: try authorization())
        let response = try await send(request)
        do {
            return try PrometheusResponse.decodeQuery(response.body)
        } catch {
            throw Self.failure(error, url: request.url, status: response.status)
        }
    }

    /// The active alerts, pending and firing (`GET /api/v1/alerts`).
    public func alerts() async throws(PrometheusError) -> [PrometheusAlert] {
        let request = builder.alerts(authorization: try authorization())
        let response = try await send(request)
        do {
            return try PrometheusResponse.decodeAlerts(response.body)
        } catch {
            throw Self.failure(error, url: request.url, status: response.status)
        }
    }

    /// Stops the HTTP client's driver thread.
    public func shutdown() { http.shutdown() }

    private func authorization() throws(PrometheusError) -> String? {
        if let token {
            do {
                return "Bearer " + (try token.token())
            } catch {
                throw .tokenFile(url: source.url, path: token.path, message: error.message)
            }
        }
        return builder.basicAuthorization
    }

    /// Sends the request; a transport failure or a non-2xx status is thrown.
    private func send(_ request: HTTPRequest) async throws(PrometheusError) -> HTTPResponse {
        let response: HTTPResponse
        do {
            response = try await http.execute(request)
        } catch {
            if error.kind == .cancelled { throw .cancelled(url: request.url) }
            throw .unreachable(url: request.url, kind: error.kind, message: error.message)
        }
        guard (200..<300).contains(response.status) else {
            if let e = PrometheusResponse.decodeError(response.body) {
                throw .http(url: request.url, status: response.status, errorType: e.errorType, error: e.error)
            }
            let text = String(decoding: response.body.prefix(300), as: UTF8.self)
            throw .http(url: request.url, status: response.status, errorType: nil, error: text.trimmingSpaces())
        }
        return response
    }

    static func failure(_ error: PrometheusResponseError, url: String, status: Int) -> PrometheusError {
        if case .api(let errorType, let message) = error {
            return .http(url: url, status: status, errorType: errorType, error: message)
        }
        return .badResponse(url: url, status: status, problem: error)
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
