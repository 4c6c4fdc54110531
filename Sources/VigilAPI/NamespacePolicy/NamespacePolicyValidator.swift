import VigilJSON

/// Checks `NamespacePolicy` documents and returns every problem, each with
/// its field, value and a message saying what would be valid. Pure: used
/// offline by `vigil validate` and by the reconciler before it acts.
///
/// On top of what decoding checks, it applies the rules that depend on the
/// cluster configuration: a policy may manage a namespace other than its own
/// only when `allowCrossNamespace` is set.
public struct NamespacePolicyValidator: Sendable {
    /// What the cluster configuration allows.
    public struct Options: Sendable, Hashable {
        /// Whether `spec.namespace` may name a namespace other than the resource's own.
        public var allowCrossNamespace: Bool
        /// The namespace a document without `metadata.namespace` will be
        /// created in (kubectl's current namespace; `default` when unknown).
        public var defaultNamespace: String
        /// Whether fields the model does not know are accepted.
        public var allowUnknownFields: Bool

        public init(allowCrossNamespace: Bool = false, defaultNamespace: String = "default", allowUnknownFields: Bool = false) {
            self.allowCrossNamespace = allowCrossNamespace
            self.defaultNamespace = defaultNamespace
            self.allowUnknownFields = allowUnknownFields
        }
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Every problem with `json`, in document order; empty when it is valid.
    public func problems(in json: JSON) -> [ValidationProblem] {
        var r = FieldReader(allowUnknownFields: options.allowUnknownFields)
        _ = NamespacePolicy.read(json, &r)
        var problems = r.problems
        if case .string(let target) = json[path: ["spec", "namespace"]] {
            let own = json[path: ["metadata", "namespace"]]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? options.defaultNamespace
            problems += crossNamespace(target: target, own: own)
        }
        return problems
    }

    /// Every problem with a typed resource (built in code or decoded earlier).
    public func problems(in policy: NamespacePolicy) -> [ValidationProblem] {
        problems(in: policy.json)
    }

    /// The problems a resource that decoded can still have: those that
    /// depend on the cluster configuration (a policy managing another
    /// namespace). Decoding already checked the rest, so the reconciler
    /// checks a decoded resource with this instead of encoding it again.
    public func configurationProblems(in policy: NamespacePolicy) -> [ValidationProblem] {
        guard let target = policy.spec.namespace else { return [] }
        return crossNamespace(target: target, own: policy.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? options.defaultNamespace)
    }

    func crossNamespace(target: String, own: String) -> [ValidationProblem] {
        guard target != own && !options.allowCrossNamespace else { return [] }
        return [
            ValidationProblem(
                field: "spec.namespace", value: .string(target),
                message: "\(quoted(target)) is not the policy's own namespace \(quoted(own)): managing another namespace is allowed only when the cluster configuration sets allowCrossNamespace: true; create the NamespacePolicy in \(quoted(target)) instead, or leave spec.namespace unset")
        ]
    }

    /// The resource, decoded, if `json` has no problems; otherwise an error
    /// listing them all under the resource's name.
    public func validate(_ json: JSON) throws(ResourceValidationError) -> NamespacePolicy {
        let found = problems(in: json)
        if !found.isEmpty { throw ResourceValidationError(subject: NamespacePolicy.subject(of: json), problems: found) }
        return try NamespacePolicy(json: json, allowUnknownFields: options.allowUnknownFields)
    }

    /// The lines a person reads: `NamespacePolicy demo/ttl-policy: spec.policies[0].condition: exactly one of …`.
    public func messages(for json: JSON) -> [String] {
        let subject = NamespacePolicy.subject(of: json)
        return problems(in: json).map { "\(subject): \($0)" }
    }
}
