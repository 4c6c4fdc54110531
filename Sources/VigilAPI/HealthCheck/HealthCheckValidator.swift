import VigilJSON

/// Checks `HealthCheck` documents and returns every problem, each with its
/// field, value and message. Pure: used by `vigil validate` and by the
/// reconciler. On top of decoding it applies what depends on the cluster
/// configuration: a promql check's source must be configured, and
/// `level: cluster` must be allowed (`healthCheck.allowClusterLevel`).
public struct HealthCheckValidator: Sendable {
    public struct Options: Sendable, Hashable {
        /// The configured Prometheus source names; nil skips the check (no vigil.yaml given).
        public var sources: Set<String>?
        /// vigil.yaml's `healthCheck.allowClusterLevel`; nil skips the check.
        public var allowClusterLevel: Bool?
        public var allowUnknownFields: Bool
        public init(sources: Set<String>? = nil, allowClusterLevel: Bool? = nil, allowUnknownFields: Bool = false) {
            self.sources = sources
            self.allowClusterLevel = allowClusterLevel
            self.allowUnknownFields = allowUnknownFields
        }
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    public func problems(in json: JSON) -> [ValidationProblem] {
        var r = FieldReader(allowUnknownFields: options.allowUnknownFields)
        let check = HealthCheck.read(json, &r)
        var problems = r.problems
        guard let check else { return problems }
        if let sources = options.sources, case .promql(let q) = check.spec.check {
            let source = q.source ?? CounterMeasureSpec.defaultSource
            if let p = ValidationProblem.unknownSource(source, field: "spec.check.promql.source", configured: sources) { problems.append(p) }
        }
        if options.allowClusterLevel == false, check.spec.level == .cluster {
            problems.append(ValidationProblem(
                field: "spec.level", value: .string("cluster"),
                message: "cluster-level checks are not allowed in this cluster: a cluster administrator sets healthCheck.allowClusterLevel: true in vigil.yaml (the check's pod would get a ClusterRole)"))
        }
        return problems
    }
}
