import VigilJSON

/// A `HealthCheck` (`vigil.dev/v1alpha1`, namespaced, short name `hc`): an
/// active check (an HTTP probe, a Kubernetes Job or a PromQL expression) run
/// on a schedule (`every` or `cron` with a time zone), with remedy actions
/// after `failureThreshold` failures in a row, bounded by `runsLimit` and
/// `resetInterval`. The schedule lives in status, so no restart or
/// fail-over skips or doubles a run. See docs/healthcheck.md.
public struct HealthCheck: VigilResource, Equatable {
    public static let group = "vigil.dev"
    public static let version = "v1alpha1"
    public static let kind = "HealthCheck"
    public static let plural = "healthchecks"
    public static let singular = "healthcheck"
    public static let shortName = "hc"

    public var metadata: JSONObject
    public var spec: HealthCheckSpec
    public var status: JSON?

    public init(metadata: JSONObject, spec: HealthCheckSpec, status: JSON? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    public init(name: String, namespace: String, spec: HealthCheckSpec) {
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
        let h = Self.read(json, &r)
        guard let h, r.problems.isEmpty else { throw ResourceValidationError(subject: Self.subject(of: json), problems: r.problems) }
        self = h
    }

    static func read(_ json: JSON, _ r: inout FieldReader) -> HealthCheck? {
        let before = r.count
        guard let (o, metadata) = r.resourceHeader(json, apiVersion: apiVersion, kind: kind) else { return nil }
        var spec: HealthCheckSpec?
        if let s = o["spec"] {
            spec = HealthCheckSpec(s, at: "spec", &r)
        } else {
            r.required("spec", "a schedule and a check, e.g. spec: {schedule: {every: 30s}, check: {http: {url: \"http://app:8080/healthz\"}}}")
        }
        guard r.count == before, let metadata, let spec else { return nil }
        return HealthCheck(metadata: metadata, spec: spec, status: o["status"])
    }
}
