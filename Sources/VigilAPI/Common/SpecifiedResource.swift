import VigilJSON

/// A Vigil kind made of metadata (kept as read), a typed spec and a status
/// the controller owns (kept as JSON): CounterMeasure, HealthCheck and MemoryScaler. It
/// gets its document form, a constructor by name, and decoding with every
/// rule that depends on the resource alone.
public protocol SpecifiedResource: VigilResource {
    associatedtype Spec: Sendable
    var spec: Spec { get }
    var status: JSON? { get }
    init(metadata: JSONObject, spec: Spec, status: JSON?)
    /// The spec as JSON.
    static func json(_ spec: Spec) -> JSON
}

extension SpecifiedResource {
    public init(name: String, namespace: String, spec: Spec) {
        var m = JSONObject()
        m["name"] = .string(name)
        m["namespace"] = .string(namespace)
        self.init(metadata: m, spec: spec, status: nil)
    }

    public var json: JSON {
        var o = JSONObject()
        o["apiVersion"] = .string(Self.apiVersion)
        o["kind"] = .string(Self.kind)
        o["metadata"] = .object(metadata)
        o["spec"] = Self.json(spec)
        if let status { o["status"] = status }
        return .object(o)
    }

    /// Reads the header, metadata and `spec` (with `decodeSpec`), reporting every problem into `r`;
    /// nil when any was found. `example` is what a missing spec's message suggests.
    static func read(_ json: JSON, _ r: inout FieldReader, example: String, _ decodeSpec: (JSON, inout FieldReader) -> Spec?) -> Self? {
        let before = r.count
        guard let (o, metadata) = r.resourceHeader(json, apiVersion: apiVersion, kind: kind) else { return nil }
        var spec: Spec?
        if let s = o["spec"] {
            spec = decodeSpec(s, &r)
        } else {
            r.required("spec", example)
        }
        guard r.count == before, let metadata, let spec else { return nil }
        return Self(metadata: metadata, spec: spec, status: o["status"])
    }

    /// Decodes with `read`, throwing every problem found.
    static func decode(_ json: JSON, allowUnknownFields: Bool, _ read: (JSON, inout FieldReader) -> Self?) throws(ResourceValidationError) -> Self {
        var r = FieldReader(allowUnknownFields: allowUnknownFields)
        let resource = read(json, &r)
        guard let resource, r.problems.isEmpty else { throw ResourceValidationError(subject: Self.subject(of: json), problems: r.problems) }
        return resource
    }
}
