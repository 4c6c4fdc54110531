/// Addresses any kind of resource, custom resources included: where its
/// collection lives and what its objects are called.
public struct ResourceDescriptor: Sendable, Hashable {
    public var group: String
    public var version: String
    public var kind: String
    public var plural: String
    public var namespaced: Bool

    public init(group: String, version: String, kind: String, plural: String, namespaced: Bool) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.namespaced = namespaced
    }

    /// `v1` or `apps/v1`.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `/api/v1/namespaces/ns/pods/name/status`, with only the parts given.
    public func path(namespace: String? = nil, name: String? = nil, subresource: String? = nil) -> String {
        var p = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced, let namespace { p += "/namespaces/\(Self.escape(namespace))" }
        p += "/\(plural)"
        if let name { p += "/\(Self.escape(name))" }
        if let subresource { p += "/\(subresource)" }
        return p
    }

    static func escape(_ s: String) -> String {
        // Names are DNS labels/subdomains in practice; escape the rest defensively.
        var out = ""
        for b in s.utf8 {
            switch b {
            case 0x30...0x39, 0x41...0x5a, 0x61...0x7a, 0x2d, 0x2e, 0x5f, 0x7e, 0x3a, 0x40: out.unicodeScalars.append(Unicode.Scalar(b))
            default: out += "%" + String(b, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }

    public static let namespaces = ResourceDescriptor(group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false)
    public static let pods = ResourceDescriptor(group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true)
    public static let events = ResourceDescriptor(group: "", version: "v1", kind: "Event", plural: "events", namespaced: true)
    public static let configMaps = ResourceDescriptor(group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true)
    public static let secrets = ResourceDescriptor(group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true)
    public static let deployments = ResourceDescriptor(group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true)
    public static let statefulSets = ResourceDescriptor(group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets", namespaced: true)
    public static let daemonSets = ResourceDescriptor(group: "apps", version: "v1", kind: "DaemonSet", plural: "daemonsets", namespaced: true)
    public static let replicaSets = ResourceDescriptor(group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets", namespaced: true)
    public static let jobs = ResourceDescriptor(group: "batch", version: "v1", kind: "Job", plural: "jobs", namespaced: true)
    public static let leases = ResourceDescriptor(group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", namespaced: true)
    public static let customResourceDefinitions = ResourceDescriptor(
        group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition", plural: "customresourcedefinitions", namespaced: false)
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
