import VigilAPI
import VigilJSON

/// What the reconciler read from the cluster for one `NamespacePolicy`
/// evaluation: the current time, the managed namespace, the pods in it and
/// what the previous status remembered. Plain values, so the evaluator stays
/// pure and tests can build any situation.
public struct NamespacePolicyFacts: Sendable, Hashable {
    /// The managed namespace as the namespace informer sees it.
    public struct TargetNamespace: Sendable, Hashable {
        /// False when the namespace does not exist (not in the store).
        public var exists: Bool
        /// `metadata.creationTimestamp`; nil when it does not exist.
        public var creationTimestamp: RFC3339Time?
        /// True when `metadata.deletionTimestamp` is set or `status.phase` is `Terminating`.
        public var terminating: Bool
        /// `metadata.uid` (the precondition of its deletion); nil when unknown.
        public var uid: String?

        public init(exists: Bool, creationTimestamp: RFC3339Time?, terminating: Bool = false, uid: String? = nil) {
            self.exists = exists
            self.creationTimestamp = creationTimestamp
            self.terminating = terminating
            self.uid = uid
        }

        /// A namespace created at `creationTimestamp`, not being deleted.
        public static func active(createdAt creationTimestamp: RFC3339Time) -> TargetNamespace {
            TargetNamespace(exists: true, creationTimestamp: creationTimestamp)
        }

        /// A namespace created at `creationTimestamp` that is being deleted.
        public static func terminating(createdAt creationTimestamp: RFC3339Time) -> TargetNamespace {
            TargetNamespace(exists: true, creationTimestamp: creationTimestamp, terminating: true)
        }

        /// A namespace that does not exist.
        public static let missing = TargetNamespace(exists: false, creationTimestamp: nil)
    }

    /// One pod of the managed namespace (the evaluator applies each
    /// `podsSucceeded` selector to `labels` itself).
    public struct Pod: Sendable, Hashable {
        /// `status.phase`, as Kubernetes spells it.
        public enum Phase: String, Sendable, Hashable, CaseIterable {
            case pending = "Pending"
            case running = "Running"
            case succeeded = "Succeeded"
            case failed = "Failed"
            case unknown = "Unknown"

            /// Reads `status.phase`; a missing or unknown value is `Unknown`.
            public init(phase: String?) {
                self = phase.flatMap(Phase.init(rawValue:)) ?? .unknown
            }
        }

        public var name: String
        /// `metadata.uid`: how a succeeded pod is remembered across reconciles.
        public var uid: String
        public var labels: [String: String]
        public var phase: Phase

        public init(name: String, uid: String, labels: [String: String] = [:], phase: Phase) {
            self.name = name
            self.uid = uid
            self.labels = labels
            self.phase = phase
        }
    }

    /// The instant the evaluation describes (the reconciler's clock).
    public var now: RFC3339Time
    /// The namespace the policies manage (`spec.namespace`, defaulted).
    public var namespace: TargetNamespace
    /// Every pod in the managed namespace that the reconciler knows of; only
    /// needed when a `podsSucceeded` policy exists.
    public var pods: [Pod]
    /// What the previous status remembered (arming, per-policy progress).
    public var progress: NamespacePolicyProgress

    public init(now: RFC3339Time, namespace: TargetNamespace, pods: [Pod] = [], progress: NamespacePolicyProgress = NamespacePolicyProgress()) {
        self.now = now
        self.namespace = namespace
        self.pods = pods
        self.progress = progress
    }
}
