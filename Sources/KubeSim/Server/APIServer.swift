import Synchronization

/// The Kubernetes API, request in, response out. Routing, verbs, content
/// negotiation (JSON, Table), watch encoding and subresources live here;
/// storage semantics live in `ClusterStore`.
public final class APIServer: Sendable {
    public let store: ClusterStore
    public let registry: ResourceRegistry
    public let serverVersion: JSON
    let logSource: Mutex<(any PodLogSource)?>
    /// Default watch timeout range when a client gives none (kube-apiserver:
    /// `--min-request-timeout` 1800 s, randomized up to 2×).
    let minRequestTimeout: Double
    public static let maxBodyBytes = 3 * 1024 * 1024

    public init(store: ClusterStore, minRequestTimeout: Double = 1800) {
        self.store = store
        self.registry = store.registry
        self.minRequestTimeout = minRequestTimeout
        self.logSource = Mutex(nil)
        self.serverVersion = [
            "major": "1", "minor": "33", "emulationMajor": "1", "emulationMinor": "33",
            "minCompatibilityMajor": "1", "minCompatibilityMinor": "32",
            "gitVersion": "v1.33.1-kube-sim", "gitCommit": "0000000000000000000000000000000000000000",
            "gitTreeState": "clean", "buildDate": "2026-11-01T00:00:00Z", "goVersion": "go1.24.2",
            "compiler": "gc", "platform": "linux/amd64",
        ]
    }

    public func setLogSource(_ s: any PodLogSource) { logSource.withLock { $0 = s } }

    /// Handles one request. Never throws: every failure becomes a Status.
    public func handle(_ req: APIRequest) async -> APIResponse {
        do {
            if req.body.count > APIServer.maxBodyBytes { throw APIError.tooLarge(limit: APIServer.maxBodyBytes) }
            return try await route(req)
        } catch let e as APIError {
            return .error(e)
        } catch {
            return .error(.internalError("\(error)"))
        }
    }

    func route(_ req: APIRequest) async throws -> APIResponse {
        let segs = req.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if segs.isEmpty { return .json(["paths": .array(rootPaths().map { .string($0) })]) }
        switch segs[0] {
        case "version" where segs.count == 1:
            return .json(serverVersion)
        case "healthz", "livez", "readyz":
            return .text("ok")
        case "openapi":
            return try openAPI(segs, req)
        case "api":
            if segs.count == 1 { return .json(apiVersions(req)) }
            guard segs[1] == "v1" else { throw APIError.notFoundPath() }
            if segs.count == 2 { return .json(resourceList(group: "", version: "v1")) }
            return try await resourceRequest(group: "", version: "v1", rest: Array(segs[2...]), req)
        case "apis":
            if segs.count == 1 { return .json(groupList()) }
            if segs.count == 2 {
                guard let g = group(segs[1]) else { throw APIError.notFoundPath() }
                return .json(g)
            }
            if segs.count == 3 {
                guard registry.all.contains(where: { $0.group == segs[1] && $0.version == segs[2] }) else {
                    throw APIError.notFoundPath()
                }
                return .json(resourceList(group: segs[1], version: segs[2]))
            }
            return try await resourceRequest(group: segs[1], version: segs[2], rest: Array(segs[3...]), req)
        default:
            throw APIError.notFoundPath()
        }
    }

    // MARK: - Resource requests

    struct Target {
        var rt: ResourceType
        var namespace: String?
        var name: String?
        var subresource: String?
    }

    func resolveTarget(group: String, version: String, rest: [String]) throws -> (Target, watchPrefix: Bool) {
        var rest = rest
        var watchPrefix = false
        if rest.first == "watch" {
            watchPrefix = true
            rest.removeFirst()
        }
        guard !rest.isEmpty else { throw APIError.notFoundPath() }
        if rest[0] == "namespaces", rest.count >= 3, let rt = registry.resolve(group: group, version: version, plural: rest[2]), rt.namespaced {
            guard rest.count <= 5 else { throw APIError.notFoundPath() }
            let t = Target(rt: rt, namespace: rest[1], name: rest.count > 3 ? rest[3] : nil, subresource: rest.count > 4 ? rest[4] : nil)
            return (t, watchPrefix)
        }
        guard let rt = registry.resolve(group: group, version: version, plural: rest[0]), rest.count <= 3 else {
            throw APIError.notFoundPath()
        }
        if rt.namespaced && rest.count > 1 { throw APIError.notFoundPath() }
        return (Target(rt: rt, namespace: nil, name: rest.count > 1 ? rest[1] : nil, subresource: rest.count > 2 ? rest[2] : nil), watchPrefix)
    }

    func resourceRequest(group: String, version: String, rest: [String], _ req: APIRequest) async throws -> APIResponse {
        let (t, watchPrefix) = try resolveTarget(group: group, version: version, rest: rest)
        if let sub = t.subresource, !t.rt.subresources.contains(sub) { throw APIError.notFoundPath() }
        if t.name == "" { throw APIError.notFoundPath() }
        if let dry = req.query["dryRun"] {
            for v in dry where v != "All" {
                throw APIError.badRequest("Invalid dry run value: \(v)")
            }
        }
        switch req.method {
        case "GET":
            if t.name == nil || watchPrefix {
                if watchPrefix || req.boolParam("watch") { return try await watch(t, req) }
                return try await list(t, req)
            }
            return try await get(t, req)
        case "POST":
            if t.name == nil { return try await create(t, req) }
            if t.subresource == "eviction" { return try await evict(t, req) }
            if t.subresource == "binding" { return try await bind(t, req) }
            throw APIError.methodNotAllowed()
        case "PUT":
            guard t.name != nil else { throw APIError.methodNotAllowed() }
            if t.subresource == "scale" { return try await updateScale(t, req, patchType: nil) }
            if t.subresource == "log" || t.subresource == "eviction" { throw APIError.methodNotAllowed() }
            return try await update(t, req)
        case "PATCH":
            guard t.name != nil else { throw APIError.methodNotAllowed() }
            if t.subresource == "scale" { return try await updateScale(t, req, patchType: req.headers["content-type"] ?? "") }
            if t.subresource == "log" || t.subresource == "eviction" { throw APIError.methodNotAllowed() }
            return try await patch(t, req)
        case "DELETE":
            if t.name == nil { return try await deleteCollection(t, req) }
            guard t.subresource == nil else { throw APIError.methodNotAllowed() }
            return try await delete(t, req)
        default:
            throw APIError.methodNotAllowed()
        }
    }

    // MARK: Body decoding

    func decodeBody(_ req: APIRequest, _ rt: ResourceType) throws -> JSON {
        let ct = req.headers["content-type"] ?? "application/json"
        if ct.contains("cbor") {
            throw APIError(code: 415, reason: "UnsupportedMediaType",
                message: "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf")
        }
        if req.body.isEmpty { throw APIError.badRequest("the body of the request was empty") }
        let j: JSON
        if ct.hasPrefix(KubeProtobuf.contentType) {
            do { j = try KubeProtobuf.decode(req.body) } catch {
                switch error.reason {
                case .badMagic, .malformed:
                    throw APIError.badRequest("\(rt.kind) in version \"\(rt.version)\" cannot be handled as a \(rt.kind): \(error.message)")
                default:
                    throw APIError(code: 415, reason: "UnsupportedMediaType",
                        message: "kube-sim cannot decode this protobuf body (\(error.message)); send it as application/json")
                }
            }
        } else if ct.contains("yaml") {
            j = try YAMLBody.parse(req.body, kind: rt.kind, version: rt.version)
        } else {
            do { j = try JSON.parse(req.body) } catch {
                throw APIError.badRequest("\(rt.kind) in version \"\(rt.version)\" cannot be handled as a \(rt.kind): \(error.message)")
            }
        }
        guard case .object = j else {
            throw APIError.badRequest("\(rt.kind) in version \"\(rt.version)\" cannot be handled as a \(rt.kind): json: cannot unmarshal \(j.typeName) into Go value of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }")
        }
        return j
    }

    /// Checks the body's apiVersion/kind against the URL, as the decoder does.
    func checkKind(_ j: JSON, _ rt: ResourceType, expectKind: String? = nil) throws {
        let kind = expectKind ?? rt.kind
        if let k = j["kind"]?.stringValue, !k.isEmpty, k != kind {
            throw APIError.badRequest("the API version in the data (\(j["apiVersion"]?.stringValue ?? "")) does not match the expected API version (\(rt.apiVersion))")
        }
        if let av = j["apiVersion"]?.stringValue, !av.isEmpty, av != rt.apiVersion, expectKind == nil {
            // Custom resources may be written at any served version.
            let otherServed = registry.resolve(group: rt.group, version: String(av.split(separator: "/").last ?? ""), plural: rt.plural) != nil
            if !(rt.isCustom && otherServed && av.hasPrefix(rt.group + "/")) {
                throw APIError.badRequest("the API version in the data (\(av)) does not match the expected API version (\(rt.apiVersion))")
            }
        }
    }

    // MARK: Rendering

    /// The bytes of an object as the requested version presents it.
    func render(_ rt: ResourceType, _ o: StoredObject) -> [UInt8] {
        if rt.group == "events.k8s.io" { return EventConversion.toEventsV1(o.object).serialized() }
        if o.object["apiVersion"]?.stringValue == rt.apiVersion { return o.bytes }
        var j = o.object
        j["apiVersion"] = .string(rt.apiVersion)
        return j.serialized()
    }

    func renderJSON(_ rt: ResourceType, _ o: StoredObject) -> JSON {
        if rt.group == "events.k8s.io" { return EventConversion.toEventsV1(o.object) }
        var j = o.object
        j["apiVersion"] = .string(rt.apiVersion)
        return j
    }

    /// The storage type behind a served type (events.k8s.io/v1 Events are
    /// stored as core/v1 Events).
    func storageRT(_ rt: ResourceType) -> ResourceType {
        if rt.group == "events.k8s.io", let core = registry.resolve(group: "", version: "v1", plural: "events") { return core }
        return rt
    }

    func wantsTable(_ req: APIRequest) -> Bool {
        (req.headers["accept"] ?? "").contains("as=Table")
    }

    func wantsPartialMetadata(_ req: APIRequest) -> Bool {
        (req.headers["accept"] ?? "").contains("as=PartialObjectMetadata")
    }
}
