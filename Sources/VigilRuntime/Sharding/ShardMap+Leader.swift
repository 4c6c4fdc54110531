extension ShardMap {
    /// The leader's rule (pure; docs/architecture.md, "Sharding"): the map to
    /// publish after this one, given the member leases as the leader sees
    /// them now. Returns `self` when nothing changes, so the caller writes
    /// only on a difference.
    ///
    /// 1. When the live members (state `.live`) differ from `members`, a new
    ///    epoch `epoch + 1` with those members (`committedEpoch` unchanged).
    /// 2. The current epoch N is committed (`committedEpoch = N`) once every
    ///    lease that is not expired (`.live` or `.leaving`) has
    ///    `ackEpoch >= N`. Expired members need no ack: they fenced
    ///    themselves before their lease could expire.
    ///
    /// Rule 2 asks more than "every live member of epochs N−1 and N": it asks
    /// every live lease, so it needs no memory of earlier epochs (a new
    /// leader after failover applies it from the ConfigMap alone) and it stays
    /// safe when an epoch is superseded before it commits. With the narrower
    /// rule, a member P that owned a namespace at N−2, left at N−1 and is
    /// still draining would not be asked for N's ack although N−1 never
    /// committed, and the namespace's owner at N could start while P still
    /// works on it. A lease that is live but not yet in the map triggers
    /// rule 1 instead, so rule 2 never waits on a member that cannot ack.
    ///
    /// Several entries for one id are merged conservatively (the most alive
    /// state, the smallest ack).
    public func next(given leases: [MemberLeaseStatus]) -> ShardMap {
        var merged: [MemberID: MemberLeaseStatus] = [:]
        for lease in leases {
            if var m = merged[lease.id] {
                m.state = Self.moreAlive(m.state, lease.state)
                m.ackEpoch = Self.smaller(m.ackEpoch, lease.ackEpoch)
                merged[lease.id] = m
            } else {
                merged[lease.id] = lease
            }
        }
        let live = merged.values.filter { $0.state == .live }.map(\.id).sorted()

        var result = self
        if live != members {
            result = ShardMap(epoch: epoch + 1, members: live, committedEpoch: committedEpoch)
        }
        if !result.isCommitted {
            let n = result.epoch
            let allAcked = merged.values.allSatisfy { lease in
                lease.state == .expired || (lease.ackEpoch ?? Int.min) >= n
            }
            if allAcked {
                result = ShardMap(epoch: n, members: result.members, committedEpoch: n)
            }
        }
        return result
    }

    private static func moreAlive(_ a: MemberLeaseStatus.State, _ b: MemberLeaseStatus.State) -> MemberLeaseStatus.State {
        func rank(_ s: MemberLeaseStatus.State) -> Int {
            switch s {
            case .live: 2
            case .leaving: 1
            case .expired: 0
            }
        }
        return rank(a) >= rank(b) ? a : b
    }

    private static func smaller(_ a: Int?, _ b: Int?) -> Int? {
        guard let a, let b else { return nil }
        return min(a, b)
    }
}
