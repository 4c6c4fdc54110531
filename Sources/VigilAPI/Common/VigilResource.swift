import VigilJSON

/// What every Vigil resource kind shares: where it is served, its metadata
/// as read, and how messages name it (`HealthCheck shop/checkout-http`).
public protocol VigilResource: Sendable {
    static var group: String { get }
    static var version: String { get }
    static var kind: String { get }
    static var plural: String { get }
    var metadata: JSONObject { get }
}

extension VigilResource {
    /// `vigil.dev/v1alpha1`.
    public static var apiVersion: String { "\(group)/\(version)" }

    public var name: String { metadata["name"]?.stringValue ?? "" }
    public var namespace: String? { metadata["namespace"]?.stringValue }
    public var uid: String? { metadata["uid"]?.stringValue }
    public var generation: Int64? { metadata["generation"]?.intValue }

    /// `Kind namespace/name`, as messages name the resource.
    public var subject: String { Self.subject(of: .obj(["metadata": .object(metadata)])) }

    /// The subject of a raw document, as far as it can be read.
    public static func subject(of json: JSON) -> String {
        let n = json[path: ["metadata", "name"]]?.stringValue ?? "(unnamed)"
        guard let ns = json[path: ["metadata", "namespace"]]?.stringValue, !ns.isEmpty else { return "\(kind) \(n)" }
        return "\(kind) \(ns)/\(n)"
    }
}
