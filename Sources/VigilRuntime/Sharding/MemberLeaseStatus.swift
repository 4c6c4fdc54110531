/// What the leader knows about one member lease `vigil-member-<id>` when it
/// computes the next shard map: the member's acknowledged epoch
/// (`vigil.dev/ack-epoch`) and whether the lease is live, as judged by the
/// caller from its own clock (client-go rules: expired when not seen to change
/// for `leaseDurationSeconds`, or released).
public struct MemberLeaseStatus: Hashable, Sendable {
    /// How the leader regards the lease.
    public enum State: Hashable, Sendable {
        /// Held and renewed: the member is part of the ring.
        case live
        /// Held and renewed, but the member asked to leave (graceful
        /// shutdown): it gets no namespaces, yet must still acknowledge
        /// epochs until it releases its lease, because it may still be
        /// finishing work.
        case leaving
        /// Expired or released. The member has stopped all work (it fences
        /// itself before its lease can expire), so it needs no ack.
        case expired
    }

    /// The member.
    public var id: MemberID
    /// The epoch the member last acknowledged, nil when it has not yet.
    public var ackEpoch: Int?
    /// Live, leaving or expired.
    public var state: State

    public init(id: MemberID, ackEpoch: Int?, state: State) {
        self.id = id
        self.ackEpoch = ackEpoch
        self.state = state
    }
}
