/// One member's share of one epoch: which namespaces `member` owns when the
/// members are `members`. A value the runner can keep and query (e.g. to
/// decide which in-flight work a `.drain` must wait for).
public struct ShardAssignment: Hashable, Sendable {
    /// The member whose share this is.
    public let member: MemberID
    /// The epoch the members belong to.
    public let epoch: Int
    /// The members of the epoch, sorted.
    public let members: [MemberID]

    /// A share; `members` are sorted and de-duplicated.
    public init(member: MemberID, epoch: Int, members: [MemberID]) {
        self.member = member
        self.epoch = epoch
        self.members = Array(Set(members)).sorted()
    }

    /// Whether `member` is one of the epoch's members (a member that is
    /// leaving, or was judged dead, owns nothing).
    public var includesMember: Bool { members.contains(member) }

    /// Whether `member` owns `namespace` in this epoch.
    public func owns(_ namespace: String) -> Bool {
        Rendezvous.owner(of: namespace, among: members) == member
    }
}
