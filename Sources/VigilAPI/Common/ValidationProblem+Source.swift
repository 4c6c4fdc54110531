import VigilJSON

extension ValidationProblem {
    /// The problem of naming a Prometheus source vigil.yaml does not configure (nil when it does).
    static func unknownSource(_ source: String, field: String, configured sources: Set<String>) -> ValidationProblem? {
        guard !sources.contains(source) else { return nil }
        let known = sources.sorted()
        return ValidationProblem(
            field: field, value: .string(source),
            message: "\(quoted(source)) is not a configured Prometheus source: "
                + (known.isEmpty ? "vigil.yaml configures none (add prometheus.sources.\(source).url)" : "configured are \(alternatives(known.map(quoted), conjunction: "and"))"))
    }
}
