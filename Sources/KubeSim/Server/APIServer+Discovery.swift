extension APIServer {
    func rootPaths() -> [String] {
        var paths = ["/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz", "/metrics/cadvisor", "/openapi/v2", "/openapi/v3", "/version", "/sim/faults", "/sim/requests", "/sim/stats"]
        for gv in groupVersions() where !gv.group.isEmpty { paths.append("/apis/\(gv.group)"); paths.append("/apis/\(gv.group)/\(gv.version)") }
        return paths.sorted()
    }

    func apiVersions(_ req: APIRequest) -> JSON {
        [
            "kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(req.headers["host"] ?? "127.0.0.1")]],
        ]
    }

    /// (group, version) pairs, core first, then groups in discovery order,
    /// custom resource groups last; versions of a group newest first.
    func groupVersions() -> [(group: String, version: String)] {
        var seen: [String: [String]] = [:]
        var order: [String] = []
        for rt in registry.all {
            if seen[rt.group] == nil {
                order.append(rt.group)
                seen[rt.group] = []
            }
            if !seen[rt.group]!.contains(rt.version) { seen[rt.group]!.append(rt.version) }
        }
        let builtinOrder = [""] + BuiltinResources.groupOrder
        order.sort { a, b in
            let ia = builtinOrder.firstIndex(of: a) ?? Int.max
            let ib = builtinOrder.firstIndex(of: b) ?? Int.max
            return ia != ib ? ia < ib : a < b
        }
        var out: [(String, String)] = []
        for g in order {
            for v in seen[g]!.sorted(by: { Self.versionPriority($0) > Self.versionPriority($1) }) { out.append((g, v)) }
        }
        return out
    }

    /// Kubernetes version ordering: GA > beta > alpha, higher numbers first.
    static func versionPriority(_ v: String) -> Int {
        let b = Array(v)
        guard b.first == "v" else { return 0 }
        var i = 1
        var major = 0
        while i < b.count, let d = b[i].wholeNumberValue {
            major = major * 10 + d
            i += 1
        }
        let rest = String(b[i...])
        var stage = 3
        var minor = 0
        if rest.hasPrefix("beta") {
            stage = 2
            minor = Int(rest.dropFirst(4)) ?? 0
        } else if rest.hasPrefix("alpha") {
            stage = 1
            minor = Int(rest.dropFirst(5)) ?? 0
        } else if !rest.isEmpty {
            return 0
        }
        return stage * 1_000_000 + major * 1000 + minor
    }

    func groupJSON(_ group: String) -> JSON? {
        let versions = groupVersions().filter { $0.group == group }.map(\.version)
        guard let preferred = versions.first else { return nil }
        return [
            "name": .string(group),
            "versions": .array(versions.map { ["groupVersion": .string("\(group)/\($0)"), "version": .string($0)] }),
            "preferredVersion": ["groupVersion": .string("\(group)/\(preferred)"), "version": .string(preferred)],
        ]
    }

    func groupList() -> JSON {
        var groups: [JSON] = []
        var done: Set<String> = []
        for gv in groupVersions() where !gv.group.isEmpty && !done.contains(gv.group) {
            done.insert(gv.group)
            if let g = groupJSON(gv.group) { groups.append(g) }
        }
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)]
    }

    func group(_ name: String) -> JSON? {
        guard var g = groupJSON(name) else { return nil }
        g["kind"] = "APIGroup"
        g["apiVersion"] = "v1"
        return g
    }

    func resourceList(group: String, version: String) -> JSON {
        var resources: [JSON] = []
        for rt in registry.all where rt.group == group && rt.version == version {
            var r: JSON = [
                "name": .string(rt.plural), "singularName": .string(rt.singular), "namespaced": .bool(rt.namespaced),
                "kind": .string(rt.kind), "verbs": .array(rt.verbs.map { .string($0) }),
            ]
            if !rt.shortNames.isEmpty { r["shortNames"] = .array(rt.shortNames.map { .string($0) }) }
            if !rt.categories.isEmpty { r["categories"] = .array(rt.categories.map { .string($0) }) }
            r["storageVersionHash"] = .string(Self.storageVersionHash(rt))
            resources.append(r)
            for sub in rt.subresources {
                var s: JSON = ["name": .string("\(rt.plural)/\(sub)"), "singularName": "", "namespaced": .bool(rt.namespaced)]
                switch sub {
                case "scale":
                    s["group"] = "autoscaling"
                    s["version"] = "v1"
                    s["kind"] = "Scale"
                    s["verbs"] = ["get", "patch", "update"]
                case "eviction":
                    s["group"] = "policy"
                    s["version"] = "v1"
                    s["kind"] = "Eviction"
                    s["verbs"] = ["create"]
                case "binding":
                    s["kind"] = "Binding"
                    s["verbs"] = ["create"]
                case "log":
                    s["kind"] = "Pod"
                    s["verbs"] = ["get"]
                case "finalize":
                    s["kind"] = .string(rt.kind)
                    s["verbs"] = ["update"]
                default:
                    s["kind"] = .string(rt.kind)
                    s["verbs"] = ["get", "patch", "update"]
                }
                resources.append(s)
            }
        }
        return [
            "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"),
            "resources": .array(resources),
        ]
    }

    static func storageVersionHash(_ rt: ResourceType) -> String {
        // A stable, short digest of group/version/kind (FNV-1a, base64).
        var h: UInt64 = 0xcbf29ce484222325
        for b in "\(rt.group)/\(rt.version)/\(rt.kind)".utf8 {
            h ^= UInt64(b)
            h = h &* 0x100000001b3
        }
        let bytes = (0..<8).map { UInt8(truncatingIfNeeded: h >> (8 * UInt64($0))) }
        return Base64.encode(bytes)
    }

    // MARK: OpenAPI

    /// A minimal OpenAPI v3 that tells kubectl each kind's PATCH accepts
    /// `fieldValidation` (so it validates server-side), with the schema of
    /// every custom resource that has one (`kubectl explain` reads it, as
    /// from a real API server); built-in kinds have no schemas.
    func openAPI(_ segs: [String], _ req: APIRequest) throws -> APIResponse {
        if segs.count == 2, segs[1] == "v2" {
            let body = OpenAPIV2.document(types: registry.all, version: serverVersion["gitVersion"]?.stringValue ?? "v1.33.1")
            return APIResponse(status: 200, headers: [("Content-Type", "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")], body: .bytes(body))
        }
        guard segs.count >= 2, segs[1] == "v3" else { throw APIError.notFoundPath() }
        if segs.count == 2 {
            var paths: JSON = [:]
            for gv in groupVersions() {
                let p = gv.group.isEmpty ? "api/\(gv.version)" : "apis/\(gv.group)/\(gv.version)"
                paths[p] = ["serverRelativeURL": .string("/openapi/v3/\(p)?hash=\(Self.storageVersionHash(ResourceType(group: gv.group, version: gv.version, kind: "\(registry.all.count)", plural: "", namespaced: false)))")]
            }
            return .json(["paths": paths])
        }
        let rest = Array(segs[2...])
        let group: String, version: String
        if rest.count == 2 && rest[0] == "api" {
            group = ""
            version = rest[1]
        } else if rest.count == 3 && rest[0] == "apis" {
            group = rest[1]
            version = rest[2]
        } else {
            throw APIError.notFoundPath()
        }
        let types = registry.all.filter { $0.group == group && $0.version == version }
        guard !types.isEmpty else { throw APIError.notFoundPath() }
        var paths: JSON = [:]
        var schemas = JSONObject()
        for rt in types {
            let gvk: JSON = ["group": .string(rt.group), "version": .string(rt.version), "kind": .string(rt.kind)]
            if case .object(var schema)? = registry.customInfo(storageKey: rt.storageKey)?.version(rt.version)?.schema {
                schema["x-kubernetes-group-version-kind"] = [gvk]
                let reversed = rt.group.split(separator: ".").reversed().joined(separator: ".")
                schemas["\(reversed).\(rt.version).\(rt.kind)"] = .object(schema)
            }
            let params: JSON = [
                ["name": "dryRun", "in": "query", "schema": ["type": "string", "uniqueItems": true]],
                ["name": "fieldManager", "in": "query", "schema": ["type": "string", "uniqueItems": true]],
                ["name": "fieldValidation", "in": "query", "schema": ["type": "string", "uniqueItems": true]],
            ]
            let op: JSON = [
                "operationId": .string("patch\(rt.kind)"), "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": gvk, "parameters": params,
                "responses": ["200": ["description": "OK"]],
            ]
            let path = rt.namespaced ? "\(rt.urlPrefix)/namespaces/{namespace}/\(rt.plural)/{name}" : "\(rt.urlPrefix)/\(rt.plural)/{name}"
            paths[path] = ["patch": op]
        }
        return .json([
            "openapi": "3.0.0", "info": ["title": "Kubernetes", "version": "v1.33.1"], "paths": paths,
            "components": ["schemas": .object(schemas)],
        ])
    }
}
