import VigilJSON

/// A `MemoryScaler` (`vigil.dev/v1alpha1`, namespaced, short name `msc`):
/// gives a container more memory when its working set nears its limit
/// (`thresholdPercent`) or, with `onOOMKilled`, when it was OOM-killed —
/// request and limit × `multiplier`, rounded up to a whole Mi, never above
/// `maxMemory`, at most once per `cooldown` per workload — in place
/// (`pods/resize`) or through the owning Deployment or StatefulSet (`mode`).
///
/// The pods are those `selector` selects and those that opt in with the
/// annotation `vigil.dev/memory-scaler: <name>` (`optInAnnotation`).
/// `status` is the controller's and kept as JSON; `metadata` is kept as read.
public struct MemoryScaler: SpecifiedResource, Equatable {
    public static let group = "vigil.dev"
    public static let version = "v1alpha1"
    public static let kind = "MemoryScaler"
    public static let plural = "memoryscalers"
    public static let singular = "memoryscaler"
    public static let shortName = "msc"

    /// A pod annotated `vigil.dev/memory-scaler: <name>` is watched by the
    /// MemoryScaler of that name in its namespace, whatever the selector says.
    public static let optInAnnotation = "vigil.dev/memory-scaler"

    public var metadata: JSONObject
    public var spec: MemoryScalerSpec
    public var status: JSON?

    public init(metadata: JSONObject, spec: MemoryScalerSpec, status: JSON? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    public static func json(_ spec: MemoryScalerSpec) -> JSON { spec.json }

    /// Decodes a resource, checking every rule that depends on it alone.
    public init(json: JSON, allowUnknownFields: Bool = false) throws(ResourceValidationError) {
        self = try Self.decode(json, allowUnknownFields: allowUnknownFields, Self.read)
    }

    /// Whether a pod of this MemoryScaler's namespace with these labels and
    /// annotations is watched: it opts in by annotation, or the selector
    /// (when there is one) selects it.
    public func selects(labels: [String: String], annotations: [String: String]) -> Bool {
        if annotations[Self.optInAnnotation] == name { return true }
        return spec.selector?.matches(labels: labels) ?? false
    }

    static func read(_ json: JSON, _ r: inout FieldReader) -> MemoryScaler? {
        read(json, &r, example: "at least maxMemory, e.g. spec: {selector: {matchLabels: {app: cache}}, maxMemory: 2Gi}") { MemoryScalerSpec($0, at: "spec", &$1) }
    }
}
