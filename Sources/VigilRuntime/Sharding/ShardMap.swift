/// The leader's published assignment of namespaces to members, stored in the
/// ConfigMap `vigil-shardmap` (docs/architecture.md, "Sharding").
///
/// - `epoch` grows by one every time the live member set changes.
/// - `members` are the members of that epoch, sorted and unique; namespace
///   ownership follows from them by `Rendezvous`.
/// - `committedEpoch` is the latest epoch every live member has acknowledged
///   (drained everything it no longer owns). A member starts work on a
///   namespace it *gained* in epoch N only once `committedEpoch >= N`.
public struct ShardMap: Hashable, Sendable, CustomStringConvertible {
    /// The epoch of this assignment.
    public let epoch: Int
    /// The members of this epoch, sorted by id, without duplicates.
    public let members: [MemberID]
    /// The latest epoch known to be acknowledged by every live member
    /// (`0...epoch`).
    public let committedEpoch: Int

    /// The map before any leader has published one: epoch 0, no members.
    public static let initial = ShardMap(epoch: 0, members: [], committedEpoch: 0)

    /// A map; `members` are sorted and de-duplicated, `epoch` is clamped to
    /// `>= 0` and `committedEpoch` to `0...epoch`.
    public init(epoch: Int, members: [MemberID], committedEpoch: Int) {
        self.epoch = max(0, epoch)
        self.members = Array(Set(members)).sorted()
        self.committedEpoch = min(max(0, committedEpoch), self.epoch)
    }

    /// Whether every live member has acknowledged this epoch.
    public var isCommitted: Bool { committedEpoch >= epoch }

    /// The member that owns `namespace` in this epoch (nil with no members).
    public func owner(of namespace: String) -> MemberID? {
        Rendezvous.owner(of: namespace, among: members)
    }

    /// This epoch's assignment as seen by `member`.
    public func assignment(for member: MemberID) -> ShardAssignment {
        ShardAssignment(member: member, epoch: epoch, members: members)
    }

    public var description: String {
        "ShardMap(epoch: \(epoch), committedEpoch: \(committedEpoch), members: [\(members.map(\.rawValue).joined(separator: ", "))])"
    }
}
