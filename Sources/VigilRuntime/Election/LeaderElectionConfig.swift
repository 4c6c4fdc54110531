/// What a replica needs to take part in leader election on one
/// `coordination.k8s.io/v1` Lease: which lease, who it is, and how long the
/// lease lasts (client-go's `LeaderElectionConfig`). Checked when made, so a
/// config that exists is valid.
public struct LeaderElectionConfig: Sendable, Hashable {
    /// The three durations of an election, in seconds.
    ///
    /// - `leaseDuration`: how long a candidate waits, from when it last saw
    ///   the lease change, before it takes the lease over;
    /// - `renewDeadline`: how long a leader keeps acting as leader, from when
    ///   it sent its last successful renewal, without another one;
    /// - `retryPeriod`: how often a leader renews and a candidate looks.
    public struct Timing: Sendable, Hashable {
        public var leaseDuration: Double
        public var renewDeadline: Double
        public var retryPeriod: Double

        public init(leaseDuration: Double, renewDeadline: Double, retryPeriod: Double) {
            self.leaseDuration = leaseDuration
            self.renewDeadline = renewDeadline
            self.retryPeriod = retryPeriod
        }

        /// client-go's defaults: lease 15 s, renew deadline 10 s, retry 2 s.
        public static let conservative = Timing(leaseDuration: 15, renewDeadline: 10, retryPeriod: 2)
        /// Quick failover: lease 4 s, renew deadline 3 s, retry 0.5 s (what
        /// Vigil's failover goals are measured with).
        public static let fast = Timing(leaseDuration: 4, renewDeadline: 3, retryPeriod: 0.5)
    }

    /// client-go's `JitterFactor`: `renewDeadline` must exceed
    /// `retryPeriod` × this, so a leader gets more than one try per deadline.
    public static let jitterFactor = 1.2

    public let leaseNamespace: String
    public let leaseName: String
    /// This replica's name in `holderIdentity`; unique among candidates.
    public let identity: String
    public let timing: Timing
    /// Whether a leader that shuts down gracefully clears the lease (empty
    /// holder, `leaseDurationSeconds` 1, like client-go's `ReleaseOnCancel`)
    /// so another replica takes over at once instead of after the lease
    /// duration.
    public let releaseOnCancel: Bool
    /// Candidates look every `retryPeriod × (1 − pollJitter × u)`, u uniform
    /// in [0, 1), so replicas started together spread out; 0 turns jitter off.
    public let pollJitter: Double

    public var leaseDuration: Double { timing.leaseDuration }
    public var renewDeadline: Double { timing.renewDeadline }
    public var retryPeriod: Double { timing.retryPeriod }

    /// The `leaseDurationSeconds` written to the lease: the lease duration
    /// rounded up to whole seconds (other candidates then wait at least as
    /// long as this replica promises).
    public var leaseDurationSeconds: Int { Int(timing.leaseDuration.rounded(.up)) }

    /// Throws `LeaderElectionConfigError`, naming the field, if a name is
    /// empty or the durations do not satisfy
    /// `leaseDuration > renewDeadline > retryPeriod × 1.2 > 0`.
    public init(
        leaseNamespace: String, leaseName: String, identity: String, timing: Timing = .conservative, releaseOnCancel: Bool = true,
        pollJitter: Double = 0.2
    ) throws(LeaderElectionConfigError) {
        for (field, value) in [("leaseNamespace", leaseNamespace), ("leaseName", leaseName), ("identity", identity)] where value.isEmpty {
            throw LeaderElectionConfigError(field: field, value: "\"\"", requirement: "must not be empty")
        }
        for (field, value) in [("leaseDuration", timing.leaseDuration), ("renewDeadline", timing.renewDeadline), ("retryPeriod", timing.retryPeriod)]
        where !(value.isFinite && value > 0) {
            throw LeaderElectionConfigError(field: field, value: "\(value) s", requirement: "must be a positive number of seconds")
        }
        guard timing.leaseDuration > timing.renewDeadline else {
            throw LeaderElectionConfigError(
                field: "leaseDuration", value: "\(timing.leaseDuration) s",
                requirement: "must be greater than renewDeadline (\(timing.renewDeadline) s), or a leader could still act after others take over")
        }
        let minimum = timing.retryPeriod * Self.jitterFactor
        guard timing.renewDeadline > minimum else {
            throw LeaderElectionConfigError(
                field: "renewDeadline", value: "\(timing.renewDeadline) s",
                requirement: "must be greater than retryPeriod × \(Self.jitterFactor) (\(minimum) s); raise it or lower retryPeriod")
        }
        guard pollJitter >= 0 && pollJitter < 1 else {
            throw LeaderElectionConfigError(field: "pollJitter", value: "\(pollJitter)", requirement: "must be in [0, 1)")
        }
        self.leaseNamespace = leaseNamespace
        self.leaseName = leaseName
        self.identity = identity
        self.timing = timing
        self.releaseOnCancel = releaseOnCancel
        self.pollJitter = pollJitter
    }
}

/// A leader election setting that cannot work, with the field, its value and
/// what would be valid.
public struct LeaderElectionConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var value: String
    public var requirement: String

    public var description: String { "leader election: \(field) = \(value) \(requirement)" }
}
