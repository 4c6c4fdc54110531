/// Rendezvous (highest-random-weight) assignment of namespaces to members:
/// a namespace belongs to the member with the largest
/// `StableHash.hash64(namespace:member:)`. When a member joins or leaves,
/// only the namespaces it gains or loses move (about 1/N of them).
public enum Rendezvous {
    /// The owner of `namespace` among `members`, or nil when there are no
    /// members. Equal weights (vanishingly rare) go to the smaller id, so the
    /// answer never depends on the order of `members`.
    public static func owner<Members: Sequence>(of namespace: String, among members: Members) -> MemberID?
    where Members.Element == MemberID {
        var best: MemberID?
        var bestWeight: UInt64 = 0
        for m in members {
            let w = StableHash.hash64(namespace: namespace, member: m)
            if let b = best {
                if w > bestWeight || (w == bestWeight && m < b) {
                    best = m
                    bestWeight = w
                }
            } else {
                best = m
                bestWeight = w
            }
        }
        return best
    }
}
