import VigilJSON

/// Checks `CounterMeasure` documents and returns every problem, each with
/// its field, value and message. Pure: used by `vigil validate` and by the
/// reconciler before it acts. On top of decoding it applies what depends on
/// the cluster configuration: the Prometheus source must be configured.
public struct CounterMeasureValidator: Sendable {
    public struct Options: Sendable, Hashable {
        /// The configured source names; nil skips the check (offline, no vigil.yaml given).
        public var sources: Set<String>?
        public var allowUnknownFields: Bool
        public init(sources: Set<String>? = nil, allowUnknownFields: Bool = false) {
            self.sources = sources
            self.allowUnknownFields = allowUnknownFields
        }
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    public func problems(in json: JSON) -> [ValidationProblem] {
        var r = FieldReader(allowUnknownFields: options.allowUnknownFields)
        _ = CounterMeasure.read(json, &r)
        var problems = r.problems
        // With no source configured at all, an alert trigger without spec.source is served by Alertmanager's pushes.
        let pushOnly = options.sources?.isEmpty == true && json[path: ["spec", "source"]] == nil && json[path: ["spec", "trigger", "alert"]] != nil
        if let sources = options.sources, !pushOnly {
            let source = json[path: ["spec", "source"]]?.stringValue ?? CounterMeasureSpec.defaultSource
            if let p = ValidationProblem.unknownSource(source, field: "spec.source", configured: sources) { problems.append(p) }
        }
        return problems
    }

    public func validate(_ json: JSON) throws(ResourceValidationError) -> CounterMeasure {
        let found = problems(in: json)
        if !found.isEmpty { throw ResourceValidationError(subject: CounterMeasure.subject(of: json), problems: found) }
        return try CounterMeasure(json: json, allowUnknownFields: options.allowUnknownFields)
    }
}
