import VigilJSON

/// A `NamespacePolicy` (`vigil.dev/v1alpha1`, namespaced, short name `nsp`):
/// policies for one namespace, each a condition (`ttl`, `expiresAt`,
/// `podsSucceeded`) and an action (`deleteNamespace`, `scaleDown`,
/// `webhook`). After a policy fires the resource goes dormant
/// (`spec.deactivated: true`) until a person re-arms it.
///
/// Decoding checks everything that depends on the resource alone and reports
/// every problem at once; `NamespacePolicyValidator` adds the rules that
/// depend on the cluster configuration (cross-namespace policies).
/// `metadata` is kept as read, so encoding gives back what was decoded.
public struct NamespacePolicy: Sendable, Equatable {
    public static let group = "vigil.dev"
    public static let version = "v1alpha1"
    /// `vigil.dev/v1alpha1`.
    public static let apiVersion = "\(group)/\(version)"
    public static let kind = "NamespacePolicy"
    public static let plural = "namespacepolicies"
    public static let singular = "namespacepolicy"
    public static let shortName = "nsp"

    /// `metadata` as read (name, namespace, uid, labels, …).
    public var metadata: JSONObject
    public var spec: NamespacePolicySpec
    /// Nil when the object has no status yet.
    public var status: NamespacePolicyStatus?

    public init(metadata: JSONObject, spec: NamespacePolicySpec, status: NamespacePolicyStatus? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    /// A new resource named `name` in `namespace`.
    public init(name: String, namespace: String?, spec: NamespacePolicySpec) {
        var m = JSONObject()
        m["name"] = .string(name)
        if let namespace { m["namespace"] = .string(namespace) }
        self.init(metadata: m, spec: spec)
    }

    public var name: String { metadata["name"]?.stringValue ?? "" }
    public var namespace: String? { metadata["namespace"]?.stringValue }
    public var uid: String? { metadata["uid"]?.stringValue }
    public var generation: Int64? { metadata["generation"]?.intValue }

    /// The namespace the policies manage: `spec.namespace`, else the resource's own.
    public var targetNamespace: String? { spec.namespace ?? namespace }

    /// `NamespacePolicy demo/ttl-policy`, as messages name the resource.
    public var subject: String { NamespacePolicy.subject(name: name, namespace: namespace) }

    static func subject(name: String?, namespace: String?) -> String {
        let n = (name?.isEmpty ?? true) ? "(unnamed)" : name!
        guard let namespace, !namespace.isEmpty else { return "\(kind) \(n)" }
        return "\(kind) \(namespace)/\(n)"
    }

    /// The subject of a raw document, as far as it can be read.
    public static func subject(of json: JSON) -> String {
        subject(name: json[path: ["metadata", "name"]]?.stringValue, namespace: json[path: ["metadata", "namespace"]]?.stringValue)
    }

    /// The resource as stored.
    public var json: JSON {
        var o = JSONObject()
        o["apiVersion"] = .string(NamespacePolicy.apiVersion)
        o["kind"] = .string(NamespacePolicy.kind)
        o["metadata"] = .object(metadata)
        o["spec"] = spec.json
        if let status { o["status"] = status.json }
        return .object(o)
    }

    /// Decodes a resource, checking every rule that depends on it alone.
    /// Unknown fields are problems unless `allowUnknownFields` (they are
    /// usually typos, such as the old `ttlSeconds`).
    public init(json: JSON, allowUnknownFields: Bool = false) throws(ResourceValidationError) {
        var r = FieldReader(allowUnknownFields: allowUnknownFields)
        let p = NamespacePolicy.read(json, &r)
        guard let p, r.problems.isEmpty else {
            throw ResourceValidationError(subject: NamespacePolicy.subject(of: json), problems: r.problems)
        }
        self = p
    }

    static func read(_ json: JSON, _ r: inout FieldReader) -> NamespacePolicy? {
        let before = r.count
        guard let (o, metadata) = r.resourceHeader(json, apiVersion: apiVersion, kind: kind) else { return nil }
        var spec: NamespacePolicySpec?
        if let s = o["spec"] {
            spec = NamespacePolicySpec(s, at: "spec", &r)
        } else {
            r.required("spec", "the policies, e.g. spec: {policies: [{name: ttl, condition: {ttl: 8h}, action: {deleteNamespace: {}}}]}")
        }
        var status: NamespacePolicyStatus?
        if let s = o["status"] { status = NamespacePolicyStatus(s, at: "status", &r) }
        guard r.count == before, let metadata, let spec else { return nil }
        return NamespacePolicy(metadata: metadata, spec: spec, status: status)
    }
}
