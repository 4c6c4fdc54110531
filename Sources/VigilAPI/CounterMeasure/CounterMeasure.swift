import VigilJSON

/// A `CounterMeasure` (`vigil.dev/v1alpha1`, namespaced, short name `ctm`):
/// a Prometheus alert or PromQL threshold that runs a runbook of actions,
/// once per trigger instance, within the limits it sets (cooldown, maxRuns,
/// maxTargetsPerWindow, dryRun, paused). See docs/countermeasure.md.
///
/// `status` is the controller's and kept as JSON (the ledger in
/// `status.effects`, runs, per-target memory); `metadata` is kept as read.
public struct CounterMeasure: VigilResource, Equatable {
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

    public init(name: String, namespace: String, spec: CounterMeasureSpec) {
        var m = JSONObject()
        m["name"] = .string(name)
        m["namespace"] = .string(namespace)
        self.init(metadata: m, spec: spec)
    }

    public var json: JSON {
        var o = JSONObject()
        o["apiVersion"] = .string(Self.apiVersion)
        o["kind"] = .string(Self.kind)
        o["metadata"] = .object(metadata)
        o["spec"] = spec.json
        if let status { o["status"] = status }
        return .object(o)
    }

    /// Decodes a resource, checking every rule that depends on it alone.
    public init(json: JSON, allowUnknownFields: Bool = false) throws(ResourceValidationError) {
        var r = FieldReader(allowUnknownFields: allowUnknownFields)
        let c = Self.read(json, &r)
        guard let c, r.problems.isEmpty else { throw ResourceValidationError(subject: Self.subject(of: json), problems: r.problems) }
        self = c
    }

    static func read(_ json: JSON, _ r: inout FieldReader) -> CounterMeasure? {
        let before = r.count
        guard let (o, metadata) = r.resourceHeader(json, apiVersion: apiVersion, kind: kind) else { return nil }
        var spec: CounterMeasureSpec?
        if let s = o["spec"] {
            spec = CounterMeasureSpec(s, at: "spec", &r)
        } else {
            r.required("spec", "a trigger and actions, e.g. spec: {trigger: {alert: {name: HighCPU}}, actions: [{deletePod: {name: \"{{labels.pod}}\"}}]}")
        }
        guard r.count == before, let metadata, let spec else { return nil }
        return CounterMeasure(metadata: metadata, spec: spec, status: o["status"])
    }
}
