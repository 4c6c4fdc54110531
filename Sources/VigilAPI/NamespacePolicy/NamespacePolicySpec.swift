import VigilJSON

/// `spec` of a `NamespacePolicy`: the policies, the switches that hold them
/// back (`deactivated`, `dryRun`) and the namespace they manage.
public struct NamespacePolicySpec: Sendable, Hashable {
    /// The most policies one resource may hold.
    public static let maxPolicies = 32

    /// At least one, at most 32, names unique.
    public var policies: [NamespacePolicyRule]
    /// When true nothing is evaluated or done; set by Vigil after a policy
    /// fired, cleared by a person to re-arm. Nil means false.
    public var deactivated: Bool?
    /// When true conditions are evaluated but actions are only recorded in
    /// `status.dryRunActions`. Nil means false.
    public var dryRun: Bool?
    /// The namespace the policies manage; nil means the resource's own.
    /// Another namespace is allowed only when the cluster configuration
    /// allows cross-namespace policies.
    public var namespace: String?

    public init(policies: [NamespacePolicyRule], deactivated: Bool? = nil, dryRun: Bool? = nil, namespace: String? = nil) {
        self.policies = policies
        self.deactivated = deactivated
        self.dryRun = dryRun
        self.namespace = namespace
    }

    /// `deactivated`, or false.
    public var isDeactivated: Bool { deactivated ?? false }
    /// `dryRun`, or false.
    public var isDryRun: Bool { dryRun ?? false }

    /// The spec as stored (absent optionals left out).
    public var json: JSON {
        var o = JSONObject()
        o["policies"] = .array(policies.map(\.json))
        if let deactivated { o["deactivated"] = .bool(deactivated) }
        if let dryRun { o["dryRun"] = .bool(dryRun) }
        if let namespace { o["namespace"] = .string(namespace) }
        return .object(o)
    }

    init?(_ value: JSON, at path: String, _ r: inout FieldReader) {
        let before = r.count
        guard let o = r.object(value, at: path) else { return nil }
        r.rejectUnknown(o, known: ["policies", "deactivated", "dryRun", "namespace"], at: path)
        let hint = "at least one policy is required, e.g. [{name: ttl, condition: {ttl: 8h}, action: {deleteNamespace: {}}}]"
        var rules: [NamespacePolicyRule] = []
        if let list = r.array(o, "policies", at: path, required: hint) {
            let pp = FieldReader.child(path, "policies")
            if list.isEmpty { r.report(pp, .array([]), hint) }
            if list.count > NamespacePolicySpec.maxPolicies {
                r.report(pp, nil, "\(list.count) policies given, at most \(NamespacePolicySpec.maxPolicies) are allowed: split them over several NamespacePolicies")
            }
            var firstUse: [String: Int] = [:]
            for (i, item) in list.enumerated() {
                let ip = FieldReader.item(pp, i)
                if let rule = NamespacePolicyRule.read(item, at: ip, index: i, in: pp, firstUse: &firstUse, &r) { rules.append(rule) }
            }
        }
        let deactivated = r.bool(o, "deactivated", at: path)
        let dryRun = r.bool(o, "dryRun", at: path)
        let namespace = r.string(o, "namespace", at: path, nonEmpty: false)
        if let namespace, !KubernetesNames.isDNS1123Label(namespace) {
            r.report(FieldReader.child(path, "namespace"), .string(namespace), "\(quoted(namespace)) is not a valid namespace name: \(KubernetesNames.dns1123LabelRule)")
        }
        guard r.count == before else { return nil }
        self.init(policies: rules, deactivated: deactivated, dryRun: dryRun, namespace: namespace)
    }
}
