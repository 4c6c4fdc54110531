import HTTPTypes
import Hummingbird
import ServiceLifecycle
import Logging
import NIOCore

/// Serves `APIServer` over HTTP/1.1 with Hummingbird, adding what sits in
/// front of the API: bearer-token authentication, fault injection, request
/// statistics, the cAdvisor metrics endpoint and one debug log line per request.
public struct SimResponder: HTTPResponder {
    public typealias Context = BasicRequestContext
    let api: APIServer
    let control: SimControl
    let token: String?
    let metrics: (@Sendable () async -> String)?
    let logger: Logger

    public init(api: APIServer, control: SimControl, token: String?, metrics: (@Sendable () async -> String)?, logger: Logger) {
        self.api = api
        self.control = control
        self.token = token
        self.metrics = metrics
        self.logger = logger
    }

    static let publicPaths: Set<String> = ["/version", "/healthz", "/livez", "/readyz", "/metrics/cadvisor"]

    public func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let method = request.method.rawValue
        let (path, query) = APIRequest.splitTarget(request.uri.string)
        var headers: [String: String] = [:]
        for f in request.headers { headers[f.name.canonicalName] = f.value }
        let (verb, resource) = SimControl.classify(method: method, path: path, query: query)

        let response: APIResponse
        if path.hasPrefix("/sim/") {
            response = await simEndpoint(method: method, path: path, query: query, request: request)
        } else if let token, !Self.publicPaths.contains(path), headers["authorization"] != "Bearer \(token)" {
            response = .json([
                "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure", "message": "Unauthorized",
                "reason": "Unauthorized", "code": 401,
            ], status: 401)
        } else if path == "/metrics/cadvisor" {
            response = .text(await metrics?() ?? "")
        } else {
            let decision = control.decide(verb: verb, resource: resource)
            if let delay = decision.delay { try? await Task.sleep(for: delay) }
            if let e = decision.error {
                response = .error(e)
            } else {
                if let buffer = try? await request.body.collect(upTo: APIServer.maxBodyBytes) {
                    let body = Array(buffer.readableBytesView)
                    response = await api.handle(APIRequest(method: method, path: path, query: query, headers: headers, body: body))
                } else {
                    // Over the limit (or the client went away mid-body).
                    response = .error(.tooLarge(limit: APIServer.maxBodyBytes))
                }
            }
        }
        control.record(verb: verb, resource: resource, code: response.status)
        if !path.hasPrefix("/sim/") {
            control.logWrite(method: method, verb: verb, resource: resource, path: path, query: query, code: response.status, userAgent: headers["user-agent"])
        }
        logger.debug("\(method) \(request.uri.string) \(response.status) \(ContinuousClock.now - started)",
            metadata: ["verb": .string(verb), "resource": .string(resource)])
        return makeResponse(response)
    }

    func makeResponse(_ r: APIResponse) -> Response {
        var fields = HTTPFields()
        for (k, v) in r.headers where k.lowercased() != "transfer-encoding" {
            if let name = HTTPField.Name(k) { fields.append(HTTPField(name: name, value: v)) }
        }
        fields[.cacheControl] = "no-cache, private"
        let status = HTTPResponse.Status(code: r.status)
        switch r.body {
        case .bytes(let b):
            return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: b)))
        case .stream(let chunks):
            let control = self.control
            control.watchOpened()
            return Response(status: status, headers: fields, body: ResponseBody { writer in
                defer { control.watchClosed() }
                // Streams end when the server shuts down, so SIGTERM is not held up by open watches.
                for try await chunk in chunks.cancelOnGracefulShutdown() {
                    while let wait = control.stallRemaining() { try await Task.sleep(for: wait) }
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await writer.finish(nil)
            })
        }
    }

    func simEndpoint(method: String, path: String, query: [String: [String]], request: Request) async -> APIResponse {
        switch (method, path) {
        case ("GET", "/sim/requests"):
            return .json(control.writesJSON(since: query["since"]?.first.flatMap { Int($0) } ?? 0))
        case ("GET", "/sim/stats"):
            var s = control.statsJSON()
            s["resourceVersion"] = .string(String(await api.store.currentResourceVersion))
            s["watchers"] = .int(Int64(await api.store.watcherCount))
            var counts = JSONObject()
            for (k, v) in await api.store.objectCounts().sorted(by: { $0.key < $1.key }) { counts[k] = .int(Int64(v)) }
            s["objects"] = .object(counts)
            return .json(s)
        case ("GET", "/sim/faults"):
            return .json(control.faultsJSON())
        case ("POST", "/sim/faults"), ("PUT", "/sim/faults"):
            do {
                let buffer = try await request.body.collect(upTo: 1 << 20)
                let j = try JSON.parse(Array(buffer.readableBytesView))
                if try control.configure(j) {
                    let n = await api.store.closeWatches()
                    control.watchesDropped(n)
                }
                return .json(control.faultsJSON())
            } catch let e as APIError {
                return .error(e)
            } catch {
                return .error(.badRequest("invalid fault configuration: \(error)"))
            }
        case ("DELETE", "/sim/faults"):
            control.clear()
            return .json(control.faultsJSON())
        default:
            return .error(.notFoundPath())
        }
    }
}
