import VigilJSON

/// A `HealthCheck` (`vigil.dev/v1alpha1`, namespaced, short name `hc`): an
/// active check (an HTTP probe, a Kubernetes Job or a PromQL expression) run
/// on a schedule (`every` or `cron` with a time zone), with remedy actions
/// after `failureThreshold` failures in a row, bounded by `runsLimit` and
/// `resetInterval`. The schedule lives in status, so no restart or
/// fail-over skips or doubles a run. See docs/healthcheck.md.
public struct HealthCheck: SpecifiedResource, Equatable {
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

    public static func json(_ spec: HealthCheckSpec) -> JSON { spec.json }

    /// Decodes a resource, checking every rule that depends on it alone.
    public init(json: JSON, allowUnknownFields: Bool = false) throws(ResourceValidationError) {
        self = try Self.decode(json, allowUnknownFields: allowUnknownFields, Self.read)
    }

    static func read(_ json: JSON, _ r: inout FieldReader) -> HealthCheck? {
        read(json, &r, example: "a schedule and a check, e.g. spec: {schedule: {every: 30s}, check: {http: {url: \"http://app:8080/healthz\"}}}") { HealthCheckSpec($0, at: "spec", &$1) }
    }
}
