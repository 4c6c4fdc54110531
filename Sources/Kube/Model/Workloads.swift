/// A pod template, as workloads carry it.
public struct PodTemplateSpec: Codable, Sendable, Hashable {
    public var metadata: ObjectMeta?
    public var spec: Pod.Spec?
}

/// The spec and status shape Deployments, StatefulSets and ReplicaSets share.
public struct ReplicatedSpec: Codable, Sendable, Hashable {
    public var replicas: Int?
    public var selector: LabelSelector?
    public var template: PodTemplateSpec?
    public var paused: Bool?
}

/// Workload status fields Vigil reads.
public struct ReplicatedStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int64?
    public var replicas: Int?
    public var readyReplicas: Int?
    public var availableReplicas: Int?
    public var updatedReplicas: Int?
    public var currentReplicas: Int?
    public var numberReady: Int?
    public var desiredNumberScheduled: Int?

    public init(observedGeneration: Int64? = nil, replicas: Int? = nil, readyReplicas: Int? = nil, availableReplicas: Int? = nil,
        updatedReplicas: Int? = nil)
    {
        self.observedGeneration = observedGeneration
        self.replicas = replicas
        self.readyReplicas = readyReplicas
        self.availableReplicas = availableReplicas
        self.updatedReplicas = updatedReplicas
    }
}

/// apps/v1 Deployment.
public struct Deployment: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor.deployments
    public var apiVersion: String? = "apps/v1"
    public var kind: String? = "Deployment"
    public var metadata: ObjectMeta
    public var spec: ReplicatedSpec?
    public var status: ReplicatedStatus?
}

/// apps/v1 StatefulSet.
public struct StatefulSet: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor.statefulSets
    public var apiVersion: String? = "apps/v1"
    public var kind: String? = "StatefulSet"
    public var metadata: ObjectMeta
    public var spec: ReplicatedSpec?
    public var status: ReplicatedStatus?
}

/// apps/v1 DaemonSet.
public struct DaemonSet: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor.daemonSets
    public var apiVersion: String? = "apps/v1"
    public var kind: String? = "DaemonSet"
    public var metadata: ObjectMeta
    public var spec: ReplicatedSpec?
    public var status: ReplicatedStatus?
}

/// autoscaling/v1 Scale (the `scale` subresource).
public struct Scale: Codable, Sendable, Hashable {
    /// `ScaleSpec`.
    public struct Spec: Codable, Sendable, Hashable { public var replicas: Int? }
    /// `ScaleStatus`.
    public struct Status: Codable, Sendable, Hashable {
        public var replicas: Int?
        public var selector: String?
    }
    public var apiVersion: String? = "autoscaling/v1"
    public var kind: String? = "Scale"
    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: Status?
}

/// batch/v1 Job.
public struct Job: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor.jobs
    /// `JobSpec`.
    public struct Spec: Codable, Sendable, Hashable {
        public var parallelism: Int?
        public var completions: Int?
        public var backoffLimit: Int?
        public var activeDeadlineSeconds: Int64?
        public var ttlSecondsAfterFinished: Int?
        public var template: PodTemplateSpec?
    }
    /// `JobCondition`.
    public struct Condition: Codable, Sendable, Hashable {
        public var type: String
        public var status: String
        public var reason: String?
        public var message: String?
    }
    /// `JobStatus`.
    public struct Status: Codable, Sendable, Hashable {
        public var active: Int?
        public var succeeded: Int?
        public var failed: Int?
        public var startTime: String?
        public var completionTime: String?
        public var conditions: [Condition]?
    }
    public var apiVersion: String? = "batch/v1"
    public var kind: String? = "Job"
    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: Status?
}

/// coordination.k8s.io/v1 Lease.
public struct Lease: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor.leases
    /// `LeaseSpec` (times are MicroTime strings).
    public struct Spec: Codable, Sendable, Hashable {
        public var holderIdentity: String?
        public var leaseDurationSeconds: Int?
        public var acquireTime: String?
        public var renewTime: String?
        public var leaseTransitions: Int?
        public init(holderIdentity: String? = nil, leaseDurationSeconds: Int? = nil, acquireTime: String? = nil, renewTime: String? = nil,
            leaseTransitions: Int? = nil)
        {
            self.holderIdentity = holderIdentity
            self.leaseDurationSeconds = leaseDurationSeconds
            self.acquireTime = acquireTime
            self.renewTime = renewTime
            self.leaseTransitions = leaseTransitions
        }
    }
    public var apiVersion: String? = "coordination.k8s.io/v1"
    public var kind: String? = "Lease"
    public var metadata: ObjectMeta
    public var spec: Spec?
    public init(metadata: ObjectMeta, spec: Spec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}
