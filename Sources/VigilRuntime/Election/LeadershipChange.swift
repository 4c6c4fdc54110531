/// A change in leadership as one `LeaderElector` sees it.
public enum LeadershipChange: Sendable, Hashable {
    /// This replica became the leader.
    case becameLeader
    /// This replica stopped being the leader; it must stop acting as one now.
    case lostLeadership(LeadershipLossReason)
    /// The lease names a new holder (this replica included).
    case newLeader(String)
}

/// Why a leader stopped leading.
public enum LeadershipLossReason: Sendable, Hashable, CustomStringConvertible {
    /// No renewal succeeded within the renew deadline of the last one.
    case renewDeadlineExceeded
    /// The lease was found held by someone else (empty: cleared by someone else).
    case takenOver(by: String)
    /// The lease was deleted.
    case leaseDeleted
    /// The elector is shutting down.
    case shutdown

    public var description: String {
        switch self {
        case .renewDeadlineExceeded: return "no renewal succeeded within the renew deadline"
        case .takenOver(let by): return by.isEmpty ? "the lease was cleared by another replica" : "the lease is held by \(by)"
        case .leaseDeleted: return "the lease was deleted"
        case .shutdown: return "shutting down"
        }
    }
}
