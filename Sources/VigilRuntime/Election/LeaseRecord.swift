import VigilJSON

/// What leader election reads and writes on a Lease: its spec, plus the
/// `resourceVersion` it was read at (client-go's `LeaderElectionRecord`).
public struct LeaseRecord: Sendable, Hashable {
    /// Who holds the lease; empty when nobody does (released).
    public var holderIdentity: String
    /// How long, from when they see this record change, others must wait
    /// before taking the lease over.
    public var leaseDurationSeconds: Int
    /// When the current holder acquired it (the holder's wall clock).
    public var acquireTime: RFC3339Time?
    /// When the holder last renewed it (the holder's wall clock).
    public var renewTime: RFC3339Time?
    /// How many times the lease changed hands.
    public var leaseTransitions: Int
    /// The version the server stored this record at; nil on a record to write.
    public var resourceVersion: String?

    public init(
        holderIdentity: String, leaseDurationSeconds: Int, acquireTime: RFC3339Time? = nil, renewTime: RFC3339Time? = nil, leaseTransitions: Int = 0,
        resourceVersion: String? = nil
    ) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
        self.resourceVersion = resourceVersion
    }
}
