import VigilJSON

/// Checks `MemoryScaler` documents and returns every problem, each with its
/// field, value and message. Pure: used by `vigil validate` and by the
/// reconciler before it acts. Every rule depends on the resource alone
/// (no cluster configuration is consulted).
public struct MemoryScalerValidator: Sendable {
    public struct Options: Sendable, Hashable {
        public var allowUnknownFields: Bool
        public init(allowUnknownFields: Bool = false) {
            self.allowUnknownFields = allowUnknownFields
        }
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    public func problems(in json: JSON) -> [ValidationProblem] {
        var r = FieldReader(allowUnknownFields: options.allowUnknownFields)
        _ = MemoryScaler.read(json, &r)
        return r.problems
    }

    public func validate(_ json: JSON) throws(ResourceValidationError) -> MemoryScaler {
        try MemoryScaler(json: json, allowUnknownFields: options.allowUnknownFields)
    }
}
