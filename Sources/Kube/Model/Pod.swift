/// core/v1 Pod: the parts Vigil reads (writes are patches).
public struct Pod: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor.pods

    /// `ResourceRequirements` (quantities as strings, as on the wire).
    public struct Resources: Codable, Sendable, Hashable {
        public var requests: [String: String]?
        public var limits: [String: String]?
        public init(requests: [String: String]? = nil, limits: [String: String]? = nil) {
            self.requests = requests
            self.limits = limits
        }
    }
    /// `Container` (and ephemeral containers, which share the shape Vigil uses).
    public struct Container: Codable, Sendable, Hashable {
        public var name: String
        public var image: String?
        public var command: [String]?
        public var args: [String]?
        public var resources: Resources?
        public var targetContainerName: String?
        public init(name: String, image: String? = nil, command: [String]? = nil, args: [String]? = nil) {
            self.name = name
            self.image = image
            self.command = command
            self.args = args
        }
    }
    /// `PodSpec`.
    public struct Spec: Codable, Sendable, Hashable {
        public var containers: [Container]
        public var initContainers: [Container]?
        public var ephemeralContainers: [Container]?
        public var nodeName: String?
        public var restartPolicy: String?
        public var serviceAccountName: String?
    }
    /// `ContainerState*` collapsed to what Vigil reads.
    public struct ContainerState: Codable, Sendable, Hashable {
        /// `running`, `waiting`, `terminated` details.
        public struct Detail: Codable, Sendable, Hashable {
            public var startedAt: String?
            public var finishedAt: String?
            public var reason: String?
            public var message: String?
            public var exitCode: Int?
        }
        public var running: Detail?
        public var waiting: Detail?
        public var terminated: Detail?
    }
    /// `ContainerStatus`.
    public struct ContainerStatus: Codable, Sendable, Hashable {
        public var name: String
        public var ready: Bool?
        public var restartCount: Int?
        public var state: ContainerState?
        public var lastState: ContainerState?
        public var resources: Resources?
        public var containerID: String?
    }
    /// `PodCondition`.
    public struct Condition: Codable, Sendable, Hashable {
        public var type: String
        public var status: String
        public var reason: String?
        public var message: String?
        public var lastTransitionTime: String?
    }
    /// `PodStatus`.
    public struct Status: Codable, Sendable, Hashable {
        public var phase: String?
        public var reason: String?
        public var podIP: String?
        public var qosClass: String?
        public var startTime: String?
        public var conditions: [Condition]?
        public var containerStatuses: [ContainerStatus]?
        public var ephemeralContainerStatuses: [ContainerStatus]?
    }
    public var apiVersion: String? = "v1"
    public var kind: String? = "Pod"
    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: Status?
}
