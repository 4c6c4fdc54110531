import VigilJSON

/// The leader's judgement of member leases, without I/O (client-go's rule):
/// a lease is expired when its holder is empty (released), when the leader
/// has marked it dead and it has not been renewed since, or when its record
/// (holder, acquire and renew times) has not been seen to change for
/// `leaseDurationSeconds` on the leader's own clock. Times written in the
/// lease are never compared with the local clock.
///
/// A tracker that has never seen a lease counts it live for a full lease
/// duration (a new leader is conservative: it delays a failover rather than
/// dropping a live member).
public struct MemberLivenessTracker: Sendable {
    /// One lease as judged now.
    public struct Judgement: Sendable, Hashable {
        /// What `ShardMap.next(given:)` needs.
        public var status: MemberLeaseStatus
        /// The lease as read (its resourceVersion is the precondition of a
        /// mark).
        public var record: MemberLeaseRecord
        /// Expired, still names a holder and not marked yet: the leader must
        /// mark it (with the read resourceVersion as precondition) before
        /// publishing a map that relies on it being dead.
        public var needsMark: Bool
    }

    struct Seen: Sendable, Hashable {
        var holder: String
        var acquireTime: RFC3339Time?
        var renewTime: RFC3339Time?
        var since: Double
    }

    /// The lease duration used when a lease does not state one.
    public let defaultLeaseDuration: Double
    private var seen: [String: Seen] = [:]

    public init(defaultLeaseDuration: Double) {
        self.defaultLeaseDuration = defaultLeaseDuration
    }

    /// Judges `leases` (a full list) at local time `now`; leases that are
    /// not valid member leases are skipped, and leases no longer listed are
    /// forgotten.
    public mutating func observe(_ leases: [MemberLeaseRecord], now: Double) -> [Judgement] {
        var result: [Judgement] = []
        var next: [String: Seen] = [:]
        for lease in leases {
            guard let id = lease.member else { continue }
            var s = seen[lease.name] ?? Seen(holder: lease.holderIdentity, acquireTime: lease.acquireTime, renewTime: lease.renewTime, since: now)
            if s.holder != lease.holderIdentity || s.acquireTime != lease.acquireTime || s.renewTime != lease.renewTime {
                s = Seen(holder: lease.holderIdentity, acquireTime: lease.acquireTime, renewTime: lease.renewTime, since: now)
            }
            next[lease.name] = s
            let duration = lease.leaseDurationSeconds > 0 ? Double(lease.leaseDurationSeconds) : defaultLeaseDuration
            let released = lease.holderIdentity.isEmpty
            let timedOut = now - s.since >= duration
            let expired = released || lease.deadInEpoch != nil || timedOut
            let state: MemberLeaseStatus.State = expired ? .expired : (lease.leaving ? .leaving : .live)
            result.append(
                Judgement(
                    status: MemberLeaseStatus(id: id, ackEpoch: lease.ackEpoch, state: state), record: lease,
                    needsMark: expired && !released && lease.deadInEpoch == nil))
        }
        seen = next
        return result
    }

    /// When the earliest live lease would expire if it is not renewed (local
    /// time), nil when none is live.
    public func nextExpiry(_ judgements: [Judgement]) -> Double? {
        judgements.compactMap { j -> Double? in
            guard j.status.state != .expired, let s = seen[j.record.name] else { return nil }
            let duration = j.record.leaseDurationSeconds > 0 ? Double(j.record.leaseDurationSeconds) : defaultLeaseDuration
            return s.since + duration
        }.min()
    }
}
