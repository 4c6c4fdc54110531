import VigilHTTP

/// The Kubernetes client: verbs over any resource, typed or dynamic, on
/// Vigil's libcurl HTTP client. Credentials are fetched per request (token
/// files and exec plugins rotate); a client-side token bucket limits the
/// request rate; `429` is retried after `Retry-After`; a `401` refreshes
/// credentials once.
public final class KubeClient: Sendable {
    /// Client-side behaviour.
    public struct Options: Sendable {
        /// Requests per second (≤ 0: unlimited) and burst, like client-go's QPS/Burst.
        public var qps: Double
        public var burst: Int
        /// How many times a 429 is retried (honouring Retry-After) before it is returned.
        public var maxRetriesOn429: Int
        /// Sent as `User-Agent` (the API server uses it as the default field manager).
        public var userAgent: String
        /// Whole-request timeout for non-watch requests.
        public var requestTimeout: Duration
        /// Called once per HTTP exchange with the API server (each retry is
        /// one), for metrics: the request's verb and the status code, or 0
        /// when no response came (a transport error).
        public var onResponse: (@Sendable (_ verb: String, _ code: Int) -> Void)?

        public init(qps: Double = 50, burst: Int = 100, maxRetriesOn429: Int = 5, userAgent: String = "vigil/0.1",
            requestTimeout: Duration = .seconds(30))
        {
            self.qps = qps
            self.burst = burst
            self.maxRetriesOn429 = maxRetriesOn429
            self.userAgent = userAgent
            self.requestTimeout = requestTimeout
        }
    }

    public let http: HTTPClient
    public let server: String
    public let defaultNamespace: String
    public let options: Options
    let credentials: CredentialProvider?
    let limiter: RateLimiter

    /// A client for a resolved kubeconfig or in-cluster configuration.
    public init(config: ResolvedConfig, options: Options = Options()) async throws(KubeError) {
        let provider = CredentialProvider(config: config)
        var tls: TLSConfiguration? = nil
        if config.endpoint.server.hasPrefix("https") {
            var t = TLSConfiguration()
            t.caPEM = config.endpoint.caPEM
            t.caFile = config.endpoint.caFile
            t.insecureSkipVerify = config.endpoint.insecureSkipVerify
            t.serverName = config.endpoint.serverName
            var cert = config.clientCertificate
            do {
                if let c = try await provider.clientCertificate() { cert = ClientCertificate(certPEM: c.cert, keyPEM: c.key) }
            } catch {
                throw .configuration("\(config.source): cannot get a client certificate: \(error)")
            }
            if let cert {
                t.clientCertificatePEM = cert.certPEM
                t.clientKeyPEM = cert.keyPEM
            }
            tls = t
        }
        var httpConfig = HTTPClientConfiguration()
        httpConfig.tls = tls
        httpConfig.proxy = config.endpoint.proxyURL
        do { http = try HTTPClient(configuration: httpConfig) } catch { throw .transport(error) }
        server = config.endpoint.server.hasSuffix("/") ? String(config.endpoint.server.dropLast()) : config.endpoint.server
        defaultNamespace = config.namespace
        credentials = provider
        self.options = options
        limiter = RateLimiter(qps: options.qps, burst: options.burst)
    }

    /// A client for a plain URL (tests, kube-sim), optionally with a bearer token.
    public init(server: String, token: String? = nil, tls: TLSConfiguration? = nil, namespace: String = "default", options: Options = Options()) throws(KubeError) {
        var httpConfig = HTTPClientConfiguration()
        httpConfig.tls = tls
        do { http = try HTTPClient(configuration: httpConfig) } catch { throw .transport(error) }
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        defaultNamespace = namespace
        credentials = token.map { CredentialProvider(.token($0)) }
        self.options = options
        limiter = RateLimiter(qps: options.qps, burst: options.burst)
    }

    deinit { http.shutdown() }

    // MARK: Sending

    func httpRequest(_ r: KubeRequest, accept: String = "application/json", timeout: Duration?) async throws(KubeError) -> HTTPRequest {
        var headers: [(String, String)] = [("Accept", accept), ("User-Agent", options.userAgent)]
        if let ct = r.contentType { headers.append(("Content-Type", ct)) }
        if let credentials {
            do { headers += try await credentials.headers() } catch { throw .configuration("cannot get credentials: \(error)") }
        }
        return HTTPRequest(method: r.method, url: server + r.target, headers: headers, body: r.body, timeout: timeout)
    }

    /// Sends a request and returns the response if its status is 2xx;
    /// otherwise the API error. 429 and one 401 are retried.
    public func send(_ r: KubeRequest, accept: String = "application/json") async throws(KubeError) -> HTTPResponse {
        var attempts429 = 0
        var refreshed = false
        while true {
            do { try await limiter.acquire() } catch { throw .transport(HTTPClientError(kind: .cancelled, message: "cancelled while rate limited", url: server + r.target)) }
            let req = try await httpRequest(r, accept: accept, timeout: options.requestTimeout)
            let resp: HTTPResponse
            do { resp = try await http.execute(req) } catch {
                options.onResponse?(r.verb, 0)
                throw .transport(error)
            }
            options.onResponse?(r.verb, resp.status)
            if (200..<300).contains(resp.status) { return resp }
            let e = APIStatusError.from(httpStatus: resp.status, body: resp.body, retryAfter: resp.header("retry-after"))
            if resp.status == 429 && attempts429 < options.maxRetriesOn429 {
                attempts429 += 1
                let wait = min(max(e.retryAfterSeconds ?? 1, 0.05), 60)
                do { try await Task.sleep(for: .milliseconds(Int64(wait * 1000))) } catch {
                    throw .transport(HTTPClientError(kind: .cancelled, message: "cancelled while waiting to retry", url: req.url))
                }
                continue
            }
            if resp.status == 401 && !refreshed, let credentials {
                refreshed = true
                await credentials.invalidate()
                continue
            }
            if resp.status == 410 { throw .gone(e.message) }
            throw .api(e)
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ r: KubeRequest) async throws(KubeError) -> T {
        let resp = try await send(r)
        return try KubeJSON.decode(T.self, from: resp.body)
    }

    // MARK: Typed verbs

    public func get<T: KubeResource>(_ type: T.Type, namespace: String? = nil, name: String) async throws(KubeError) -> T {
        try await decode(T.self, .get(T.descriptor, namespace: namespace ?? defaultNamespace, name: name))
    }

    /// One page of a list.
    public func list<T: KubeResource>(_ type: T.Type, namespace: String? = nil, options: ListOptions = ListOptions()) async throws(KubeError) -> ObjectList<T> {
        try await decode(ObjectList<T>.self, .list(T.descriptor, namespace: namespace, options: options))
    }

    /// Every page of a list; the resourceVersion is the first page's.
    public func listAll<T: KubeResource>(_ type: T.Type, namespace: String? = nil, options: ListOptions = ListOptions(), pageSize: Int = 500) async throws(KubeError) -> (items: [T], resourceVersion: String) {
        try await listAll(ObjectList<T>.self, descriptor: T.descriptor, namespace: namespace, options: options, pageSize: pageSize)
    }

    // MARK: Dynamic verbs (any resource, custom resources included)

    public func get(_ r: ResourceDescriptor, namespace: String? = nil, name: String, subresource: String? = nil) async throws(KubeError) -> DynamicObject {
        try await decode(DynamicObject.self, .get(r, namespace: namespace ?? defaultNamespace, name: name, subresource: subresource))
    }

    public func list(_ r: ResourceDescriptor, namespace: String? = nil, options: ListOptions = ListOptions()) async throws(KubeError) -> ObjectList<DynamicObject> {
        try await decode(ObjectList<DynamicObject>.self, .list(r, namespace: namespace, options: options))
    }

    public func listAll(_ r: ResourceDescriptor, namespace: String? = nil, options: ListOptions = ListOptions(), pageSize: Int = 500) async throws(KubeError) -> (items: [DynamicObject], resourceVersion: String) {
        try await listAll(ObjectList<DynamicObject>.self, descriptor: r, namespace: namespace, options: options, pageSize: pageSize)
    }

    func listAll<Item: Codable & Sendable>(_ type: ObjectList<Item>.Type, descriptor: ResourceDescriptor, namespace: String?, options: ListOptions, pageSize: Int) async throws(KubeError) -> (items: [Item], resourceVersion: String) {
        var opts = options
        opts.limit = pageSize
        var items: [Item] = []
        var rv = ""
        repeat {
            let page = try await decode(ObjectList<Item>.self, .list(descriptor, namespace: namespace, options: opts))
            items += page.items
            if rv.isEmpty { rv = page.metadata.resourceVersion ?? "" }
            opts.continueToken = page.metadata.continue
        } while !(opts.continueToken ?? "").isEmpty
        return (items, rv)
    }

    /// Creates an object; returns what the server stored.
    public func create<T: Encodable>(_ r: ResourceDescriptor, namespace: String? = nil, _ object: T, options: WriteOptions = WriteOptions()) async throws(KubeError) -> DynamicObject {
        let body = try KubeJSON.encode(object)
        return try await decode(DynamicObject.self, .create(r, namespace: r.namespaced ? (namespace ?? defaultNamespace) : nil, body: body, options: options))
    }

    /// Patches an object (or a subresource: `status`, `scale`, `ephemeralcontainers`, `resize`).
    public func patch(
        _ r: ResourceDescriptor, namespace: String? = nil, name: String, subresource: String? = nil, type: PatchType, body: [UInt8],
        options: WriteOptions = WriteOptions()
    ) async throws(KubeError) -> DynamicObject {
        try await decode(DynamicObject.self, .patch(r, namespace: r.namespaced ? (namespace ?? defaultNamespace) : nil, name: name,
            subresource: subresource, type: type, body: body, options: options))
    }

    /// Replaces the status of an object read from the server (its
    /// resourceVersion is the precondition: a 409 means someone else wrote
    /// first). Pass a `DynamicObject` read with `get(_:namespace:name:)`, so
    /// status fields Vigil does not model are sent back unchanged.
    public func replaceStatus<T: Encodable>(_ r: ResourceDescriptor, namespace: String? = nil, name: String, _ object: T, options: WriteOptions = WriteOptions()) async throws(KubeError) -> DynamicObject {
        let body = try KubeJSON.encode(object)
        return try await decode(DynamicObject.self, .replaceStatus(r, namespace: r.namespaced ? (namespace ?? defaultNamespace) : nil, name: name, body: body, options: options))
    }

    /// Deletes an object. Returns the server's answer (the object while
    /// finalizers hold it, or a Success Status).
    @discardableResult
    public func delete(_ r: ResourceDescriptor, namespace: String? = nil, name: String, options: DeleteOptions = DeleteOptions()) async throws(KubeError) -> HTTPResponse {
        try await send(.delete(r, namespace: r.namespaced ? (namespace ?? defaultNamespace) : nil, name: name, options: options))
    }

    /// A container's log as text.
    public func logs(namespace: String? = nil, pod: String, container: String? = nil, tailLines: Int? = nil, previous: Bool = false) async throws(KubeError) -> String {
        let resp = try await send(.logs(namespace: namespace ?? defaultNamespace, pod: pod, container: container, tailLines: tailLines, previous: previous), accept: "*/*")
        return String(decoding: resp.body, as: UTF8.self)
    }
}
