/// What a `MemberLease` reports to the shard view.
public enum MemberLeaseEvent: Sendable, Hashable {
    /// The lease is held: first acquired, or renewed after a loss.
    case renewed
    /// No renewal succeeded within the renew deadline of the last one (or the
    /// leader declared the member dead, or the lease was released): the
    /// member must stop all work now.
    case lost
}
