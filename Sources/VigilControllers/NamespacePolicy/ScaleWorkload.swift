import VigilAPI
import VigilJSON

/// A Deployment or StatefulSet as `ScaleDownPlanner` needs to see it.
public struct ScaleWorkload: Sendable, Hashable {
    public var kind: ScaleDownAction.Kind
    public var namespace: String
    public var name: String
    public var labels: [String: String]
    public var annotations: [String: String]
    /// `spec.replicas` (Kubernetes' default 1 when absent).
    public var replicas: Int
    /// `metadata.resourceVersion`, put into each patch as a precondition when known.
    public var resourceVersion: String?

    public init(kind: ScaleDownAction.Kind, namespace: String, name: String, labels: [String: String] = [:], annotations: [String: String] = [:], replicas: Int, resourceVersion: String? = nil) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.labels = labels
        self.annotations = annotations
        self.replicas = replicas
        self.resourceVersion = resourceVersion
    }

    /// Reads a stored Deployment or StatefulSet; nil for other kinds or when
    /// the name is missing.
    public init?(json: JSON) {
        guard let kindText = json["kind"]?.stringValue, let kind = ScaleDownAction.Kind(rawValue: kindText),
            let name = json[path: ["metadata", "name"]]?.stringValue
        else { return nil }
        func strings(_ key: String) -> [String: String] {
            var out: [String: String] = [:]
            for (k, v) in json[path: ["metadata", key]]?.objectValue ?? JSONObject() {
                if let s = v.stringValue { out[k] = s }
            }
            return out
        }
        self.init(
            kind: kind, namespace: json[path: ["metadata", "namespace"]]?.stringValue ?? "", name: name,
            labels: strings("labels"), annotations: strings("annotations"),
            replicas: Int(json[path: ["spec", "replicas"]]?.intValue ?? 1),
            resourceVersion: json[path: ["metadata", "resourceVersion"]]?.stringValue)
    }

    /// The replica count saved in `vigil.dev/scaled-down-from-replicas`, when
    /// it holds a non-negative decimal integer.
    public var savedReplicas: Int? {
        guard let text = annotations[ScaleDownAction.savedReplicasAnnotation], !text.isEmpty,
            text.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(text)
        else { return nil }
        return n
    }

    /// `Deployment demo/web`.
    public var subject: String { "\(kind.rawValue) \(namespace)/\(name)" }
}
