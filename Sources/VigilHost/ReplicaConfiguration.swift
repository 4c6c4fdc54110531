import VigilRuntime

/// Who one replica is and how it takes part in leader election and the shard
/// ring (docs/architecture.md, "Leader election" and "Sharding"). Checked
/// when made: a configuration that exists can run.
public struct ReplicaConfiguration: Sendable, Hashable {
    /// This replica's member ID (its pod name in a cluster).
    public let identity: MemberID
    /// Where the leader lease, the member leases and `vigil-shardmap` live.
    public let namespace: String
    /// The ring, written as label `vigil.dev/ring` on member leases.
    public let ring: String
    /// `host:port` other replicas reach this one's HTTP server at.
    public let address: String
    /// Lease duration, renew deadline and retry period, for the leader lease
    /// and the member lease alike.
    public let timing: LeaderElectionConfig.Timing
    /// The leader lease's name.
    public let leaderLeaseName: String
    /// How long a graceful shutdown waits for the hand-off of this replica's
    /// namespaces before it releases its lease anyway.
    public let handoffTimeout: Double

    /// The membership part.
    public let membership: MembershipConfig
    /// The leader-election part.
    public let leaderElection: LeaderElectionConfig

    /// Throws an error naming the field (`MembershipConfigError`,
    /// `LeaderElectionConfigError`, `ReplicaConfigurationError`).
    public init(
        identity: String, namespace: String, address: String, ring: String = "vigil", timing: LeaderElectionConfig.Timing = .conservative,
        leaderLeaseName: String = "vigil-leader", handoffTimeout: Double = 10
    ) throws {
        guard handoffTimeout.isFinite, handoffTimeout > 0 else {
            throw ReplicaConfigurationError(field: "handoffTimeout", value: "\(handoffTimeout) s", requirement: "must be a positive number of seconds")
        }
        let member = MemberID(identity)
        membership = try MembershipConfig(namespace: namespace, ring: ring, member: member, address: address, timing: timing)
        leaderElection = try LeaderElectionConfig(
            leaseNamespace: namespace, leaseName: leaderLeaseName, identity: identity, timing: timing, releaseOnCancel: true)
        self.identity = member
        self.namespace = namespace
        self.ring = ring
        self.address = address
        self.timing = timing
        self.leaderLeaseName = leaderLeaseName
        self.handoffTimeout = handoffTimeout
    }
}

/// A replica setting that cannot work, with the field, its value and what
/// would be valid.
public struct ReplicaConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var value: String
    public var requirement: String

    public var description: String { "replica: \(field) = \(value) \(requirement)" }
}
