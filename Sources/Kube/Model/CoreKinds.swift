/// core/v1 Namespace.
public struct Namespace: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor.namespaces
    /// `NamespaceStatus`.
    public struct Status: Codable, Sendable, Hashable { public var phase: String? }
    public var apiVersion: String? = "v1"
    public var kind: String? = "Namespace"
    public var metadata: ObjectMeta
    public var status: Status?
    public init(metadata: ObjectMeta) { self.metadata = metadata }
}

/// core/v1 ConfigMap.
public struct ConfigMap: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor.configMaps
    public var apiVersion: String? = "v1"
    public var kind: String? = "ConfigMap"
    public var metadata: ObjectMeta
    public var data: [String: String]?
    public var binaryData: [String: String]?
    public init(metadata: ObjectMeta, data: [String: String]? = nil) {
        self.metadata = metadata
        self.data = data
    }
}

/// core/v1 Secret (`data` values are base64, as on the wire).
public struct Secret: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor.secrets
    public var apiVersion: String? = "v1"
    public var kind: String? = "Secret"
    public var metadata: ObjectMeta
    public var type: String?
    public var data: [String: String]?
    public init(metadata: ObjectMeta, type: String? = nil, data: [String: String]? = nil) {
        self.metadata = metadata
        self.type = type
        self.data = data
    }
}

/// core/v1 Event (the `events.k8s.io/v1` fields map onto these on the server).
public struct Event: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor.events
    /// `ObjectReference`.
    public struct Reference: Codable, Sendable, Hashable {
        public var apiVersion: String?
        public var kind: String?
        public var name: String?
        public var namespace: String?
        public var uid: String?
        public var resourceVersion: String?
        public var fieldPath: String?
        public init(apiVersion: String? = nil, kind: String? = nil, name: String? = nil, namespace: String? = nil, uid: String? = nil) {
            self.apiVersion = apiVersion
            self.kind = kind
            self.name = name
            self.namespace = namespace
            self.uid = uid
        }
    }
    /// `EventSource`.
    public struct Source: Codable, Sendable, Hashable {
        public var component: String?
        public var host: String?
        public init(component: String? = nil, host: String? = nil) {
            self.component = component
            self.host = host
        }
    }
    public var apiVersion: String? = "v1"
    public var kind: String? = "Event"
    public var metadata: ObjectMeta
    public var involvedObject: Reference
    public var reason: String?
    public var message: String?
    public var type: String?
    public var source: Source?
    public var count: Int?
    public var firstTimestamp: String?
    public var lastTimestamp: String?
    public var eventTime: String?
    public var reportingComponent: String?
    public var reportingInstance: String?
    public var action: String?

    public init(metadata: ObjectMeta, involvedObject: Reference, reason: String?, message: String?, type: String?) {
        self.metadata = metadata
        self.involvedObject = involvedObject
        self.reason = reason
        self.message = message
        self.type = type
    }
}
