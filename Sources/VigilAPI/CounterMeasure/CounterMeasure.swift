import VigilJSON

/// A `CounterMeasure` (`vigil.dev/v1alpha1`, namespaced, short name `ctm`):
/// a Prometheus alert or PromQL threshold that runs a runbook of actions,
/// once per trigger instance, within the limits it sets (cooldown, maxRuns,
/// maxTargetsPerWindow, dryRun, paused). See docs/countermeasure.md.
///
/// `status` is the controller's and kept as JSON (the ledger in
/// `status.effects`, runs, per-target memory); `metadata` is kept as read.
public struct CounterMeasure: SpecifiedResource, Equatable {
    public static let group = "vigil.dev"
    public static let version = "v1alpha1"
    public static let kind = "CounterMeasure"
    public static let plural = "countermeasures"
    public static let singular = "countermeasure"
    public static let shortName = "ctm"

    public var metadata: JSONObject
    public var spec: CounterMeasureSpec
    public var status: JSON?

    public init(metadata: JSONObject, spec: CounterMeasureSpec, status: JSON? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    public static func json(_ spec: CounterMeasureSpec) -> JSON { spec.json }

    /// Decodes a resource, checking every rule that depends on it alone.
    public init(json: JSON, allowUnknownFields: Bool = false) throws(ResourceValidationError) {
        self = try Self.decode(json, allowUnknownFields: allowUnknownFields, Self.read)
    }

    static func read(_ json: JSON, _ r: inout FieldReader) -> CounterMeasure? {
        read(json, &r, example: "a trigger and actions, e.g. spec: {trigger: {alert: {name: HighCPU}}, actions: [{deletePod: {name: \"{{labels.pod}}\"}}]}") { CounterMeasureSpec($0, at: "spec", &$1) }
    }
}
