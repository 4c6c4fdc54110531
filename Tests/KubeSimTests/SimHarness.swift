import Testing

@testable import KubeSim

/// An in-process API server for tests: requests go straight to
/// `APIServer.handle`, no sockets.
struct SimHarness {
    let store: ClusterStore
    let api: APIServer

    init(eventWindow: Int = 10_000) async throws {
        store = ClusterStore(eventWindow: eventWindow)
        api = APIServer(store: store)
        try await Bootstrap.seed(store)
    }

    @discardableResult
    func call(_ method: String, _ target: String, _ body: JSON? = nil, contentType: String = "application/json", headers: [String: String] = [:]) async -> APIResponse {
        var h = headers
        h["content-type"] = contentType
        return await api.handle(APIRequest(method: method, target: target, headers: h, body: body?.serialized() ?? []))
    }

    func json(_ method: String, _ target: String, _ body: JSON? = nil, contentType: String = "application/json") async -> (Int, JSON) {
        let r = await call(method, target, body, contentType: contentType)
        return (r.status, r.json ?? .null)
    }

    /// Reads a watch response until it ends or `count` events arrived.
    func watchEvents(_ target: String, count: Int = Int.max) async -> [JSON] {
        let r = await call("GET", target)
        guard case .stream(let s) = r.body else { return r.json.map { [$0] } ?? [] }
        var out: [JSON] = []
        var buffer: [UInt8] = []
        for await chunk in s {
            buffer += chunk
            while let nl = buffer.firstIndex(of: 10) {
                let line = Array(buffer[..<nl])
                buffer.removeSubrange(...nl)
                if let j = try? JSON.parse(line) { out.append(j) }
                if out.count >= count { return out }
            }
        }
        return out
    }

    static func configMap(_ name: String, ns: String = "default", labels: JSON? = nil, data: JSON = ["k": "v"]) -> JSON {
        var cm: JSON = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "namespace": .string(ns)], "data": data]
        if let labels { cm[path: ["metadata", "labels"]] = labels }
        return cm
    }
}
