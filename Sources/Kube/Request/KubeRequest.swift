import VigilJSON

/// A Kubernetes API request, built with no I/O: method, path, query and
/// body. `KubeClient` sends it; tests inspect it.
public struct KubeRequest: Sendable, Equatable {
    public var method: String
    public var path: String
    public var query: [(String, String)]
    public var contentType: String?
    public var body: [UInt8]?
    /// The Kubernetes verb (`get`, `list`, `watch`, `create`, `update`,
    /// `patch`, `delete`), for metrics and logs.
    public var verb: String

    /// `verb` defaults from the method: GET `get`, POST `create`, PUT
    /// `update`, PATCH `patch`, DELETE `delete`.
    public init(method: String, path: String, query: [(String, String)] = [], contentType: String? = nil, body: [UInt8]? = nil, verb: String? = nil) {
        self.verb = verb ?? Self.defaultVerb(method)
        self.method = method
        self.path = path
        self.query = query
        self.contentType = contentType
        self.body = body
    }

    public static func == (a: KubeRequest, b: KubeRequest) -> Bool {
        a.method == b.method && a.path == b.path && a.query.map { "\($0)=\($1)" } == b.query.map { "\($0)=\($1)" }
            && a.contentType == b.contentType && a.body == b.body
    }

    static func defaultVerb(_ method: String) -> String {
        switch method {
        case "GET": "get"
        case "POST": "create"
        case "PUT": "update"
        case "PATCH": "patch"
        case "DELETE": "delete"
        default: method.lowercased()
        }
    }

    /// Path and percent-encoded query: `/api/v1/pods?labelSelector=app%3Dweb`.
    public var target: String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { "\(Self.encode($0))=\(Self.encode($1))" }.joined(separator: "&")
    }

    static func encode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case 0x30...0x39, 0x41...0x5a, 0x61...0x7a, 0x2d, 0x2e, 0x5f, 0x7e: out.unicodeScalars.append(Unicode.Scalar(b))
            default: out += "%" + String(b, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }

    // MARK: Verbs

    public static func get(_ r: ResourceDescriptor, namespace: String?, name: String, subresource: String? = nil) -> KubeRequest {
        KubeRequest(method: "GET", path: r.path(namespace: namespace, name: name, subresource: subresource))
    }

    public static func list(_ r: ResourceDescriptor, namespace: String?, options: ListOptions = ListOptions()) -> KubeRequest {
        KubeRequest(method: "GET", path: r.path(namespace: namespace), query: options.queryItems, verb: "list")
    }

    public static func watch(_ r: ResourceDescriptor, namespace: String?, options: ListOptions) -> KubeRequest {
        KubeRequest(method: "GET", path: r.path(namespace: namespace), query: [("watch", "true")] + options.queryItems, verb: "watch")
    }

    public static func create(_ r: ResourceDescriptor, namespace: String?, body: [UInt8], options: WriteOptions = WriteOptions()) -> KubeRequest {
        KubeRequest(method: "POST", path: r.path(namespace: namespace), query: options.queryItems, contentType: "application/json", body: body)
    }

    public static func patch(
        _ r: ResourceDescriptor, namespace: String?, name: String, subresource: String? = nil, type: PatchType, body: [UInt8],
        options: WriteOptions = WriteOptions()
    ) -> KubeRequest {
        var q = options.queryItems
        if case .apply(let manager, let force) = type {
            q.removeAll { $0.0 == "fieldManager" }
            q.append(("fieldManager", manager))
            if force { q.append(("force", "true")) }
        }
        return KubeRequest(method: "PATCH", path: r.path(namespace: namespace, name: name, subresource: subresource), query: q,
            contentType: type.contentType, body: body)
    }

    /// PUT of the status subresource. The body must be an object read from
    /// the server with its resourceVersion (the server checks it).
    public static func replaceStatus(_ r: ResourceDescriptor, namespace: String?, name: String, body: [UInt8], options: WriteOptions = WriteOptions()) -> KubeRequest {
        KubeRequest(method: "PUT", path: r.path(namespace: namespace, name: name, subresource: "status"), query: options.queryItems,
            contentType: "application/json", body: body)
    }

    public static func delete(_ r: ResourceDescriptor, namespace: String?, name: String, options: DeleteOptions = DeleteOptions()) -> KubeRequest {
        var body: JSON = ["kind": "DeleteOptions", "apiVersion": "v1"]
        if let u = options.preconditionUID { body[path: ["preconditions", "uid"]] = .string(u) }
        if let v = options.preconditionResourceVersion { body[path: ["preconditions", "resourceVersion"]] = .string(v) }
        if let p = options.propagationPolicy { body["propagationPolicy"] = .string(p) }
        if let g = options.gracePeriodSeconds { body["gracePeriodSeconds"] = .int(g) }
        if options.dryRun { body["dryRun"] = ["All"] }
        return KubeRequest(method: "DELETE", path: r.path(namespace: namespace, name: name), query: options.dryRun ? [("dryRun", "All")] : [],
            contentType: "application/json", body: body.serialized())
    }

    /// `pods/log` as text.
    public static func logs(namespace: String, pod: String, container: String? = nil, tailLines: Int? = nil, previous: Bool = false) -> KubeRequest {
        var q: [(String, String)] = []
        if let container { q.append(("container", container)) }
        if let tailLines { q.append(("tailLines", String(tailLines))) }
        if previous { q.append(("previous", "true")) }
        return KubeRequest(method: "GET", path: ResourceDescriptor.pods.path(namespace: namespace, name: pod, subresource: "log"), query: q)
    }

    /// `pods/eviction`.
    public static func evict(namespace: String, pod: String, options: DeleteOptions = DeleteOptions()) -> KubeRequest {
        let body: JSON = ["apiVersion": "policy/v1", "kind": "Eviction", "metadata": ["name": .string(pod), "namespace": .string(namespace)]]
        return KubeRequest(method: "POST", path: ResourceDescriptor.pods.path(namespace: namespace, name: pod, subresource: "eviction"),
            query: options.dryRun ? [("dryRun", "All")] : [], contentType: "application/json", body: body.serialized())
    }
}
