/// One member's side of the shard hand-off (docs/architecture.md,
/// "Sharding"), as a pure state machine: the runner feeds it events (shard
/// maps from the watch, the answer to a fresh read, "in-flight work drained",
/// member lease lost/renewed) and carries out the actions it returns (stop
/// everything, read the map, drain, write the ack). Between steps the runner
/// asks `owns(_:)` and `mayStart(_:)` before it starts work on a namespace.
///
/// The rules:
/// - **New epoch N.** Namespaces no longer owned are no longer startable at
///   once; the machine asks the runner to `.drain` in-flight work outside
///   N's assignment and, when told `.inFlightDrained(N)`, to `.ack(N)`.
/// - **Gained namespaces** become startable only once a map with
///   `committedEpoch >= N` has been seen. Namespaces owned in every epoch
///   this member adopted since the last committed epoch it saw (kept
///   namespaces) stay startable throughout.
/// - **Self-fencing.** `.memberLeaseLost` makes the member own nothing at
///   once and asks the runner to `.stopAll`. After `.memberLeaseRenewed` it
///   still owns nothing until it has a map read *after* the renewal (a
///   quorum GET, asked for with `.readShardMap(token:)` and answered with
///   `.shardMapRead(_:token:)`): a watch event may be older than the leader's
///   decision that this member was dead. A new machine starts fenced: the
///   first `.memberLeaseRenewed` is the acquisition of the member lease.
/// - Maps older than the adopted epoch are ignored (watch events may arrive
///   late or out of order); a map of the same epoch can only raise
///   `committedEpoch`.
///
/// The runner must check `mayStart` and register the work as in flight
/// atomically with respect to `step`, and must not report
/// `.inFlightDrained(N)` while work on a namespace outside
/// `.drain`'s assignment is still running.
public struct ShardView: Hashable, Sendable {
    /// What happened.
    public enum Event: Hashable, Sendable {
        /// A shard map from the watch (possibly late, possibly reordered).
        case shardMap(ShardMap)
        /// The answer to `.readShardMap(token:)`: the map as read with a
        /// quorum GET issued after that action was returned.
        case shardMapRead(ShardMap, token: Int)
        /// Everything in flight outside epoch `epoch`'s assignment finished.
        case inFlightDrained(epoch: Int)
        /// The member lease could not be renewed before its renew deadline.
        case memberLeaseLost
        /// The member lease is held (first acquired, or renewed after a loss).
        case memberLeaseRenewed
    }

    /// What the runner must do.
    public enum Action: Hashable, Sendable {
        /// Cancel all in-flight work now: this member owns nothing.
        case stopAll
        /// Read `vigil-shardmap` with a quorum GET and answer with
        /// `.shardMapRead(map, token:)` (`ShardMap.initial` when absent).
        case readShardMap(token: Int)
        /// Let in-flight work on namespaces that `keeping` does not own
        /// finish (or cancel it), then answer `.inFlightDrained(epoch:)`.
        case drain(epoch: Int, keeping: ShardAssignment)
        /// Write `vigil.dev/ack-epoch=<epoch>` on the member lease.
        case ack(epoch: Int)
    }

    /// Where the member is in the protocol.
    public enum Phase: Hashable, Sendable {
        /// No member lease: owns nothing.
        case fenced
        /// Lease held, waiting for the fresh read `token`.
        case awaitingFreshMap(token: Int)
        /// Lease held and a map adopted.
        case active
    }

    /// One adopted epoch's members.
    struct EpochMembers: Hashable, Sendable {
        let epoch: Int
        let members: [MemberID]
    }

    /// This member.
    public let member: MemberID
    /// Where the member is in the protocol.
    public private(set) var phase: Phase = .fenced
    /// The adopted map (nil unless `.active`).
    public private(set) var map: ShardMap?
    /// The last epoch acknowledged since the lease was (re)acquired.
    public private(set) var ackedEpoch: Int?

    /// The newest map watched while waiting for the fresh read.
    private var watchedWhileAwaiting: ShardMap?
    private var lastToken = 0
    /// Epochs adopted since the last one seen committed; `chain[0]` is
    /// committed, the last entry is the adopted epoch. Empty when no adopted
    /// epoch is known committed. A namespace is startable when owned in every
    /// entry.
    private var chain: [EpochMembers] = []

    /// A member that has not acquired its lease yet (fenced).
    public init(member: MemberID) {
        self.member = member
    }

    /// The adopted epoch, nil unless `.active`.
    public var epoch: Int? { map?.epoch }

    /// The adopted epoch's assignment for this member, nil unless `.active`.
    public var assignment: ShardAssignment? { map?.assignment(for: member) }

    /// Whether this member owns `namespace` in the adopted epoch (and holds
    /// its lease). Owning is not enough to start work: see `mayStart`.
    public func owns(_ namespace: String) -> Bool {
        guard phase == .active, let map else { return false }
        return map.owner(of: namespace) == member
    }

    /// Whether this member may start new work on `namespace` now: owned in
    /// the adopted epoch and, if gained since the last committed epoch seen,
    /// that epoch has been committed.
    public func mayStart(_ namespace: String) -> Bool {
        guard phase == .active, !chain.isEmpty else { return false }
        return chain.allSatisfy { Rendezvous.owner(of: namespace, among: $0.members) == member }
    }

    /// Whether the adopted epoch has no namespaces for this member and it has
    /// acknowledged that epoch: a leaving member may release its lease and
    /// exit.
    public var hasHandedOffEverything: Bool {
        guard phase == .active, let map else { return false }
        return !map.members.contains(member) && ackedEpoch == map.epoch
    }

    /// Advances the machine by one event and returns what the runner must do.
    public mutating func step(_ event: Event) -> [Action] {
        switch (phase, event) {
        case (_, .memberLeaseLost):
            let wasFenced = phase == .fenced
            fence()
            return wasFenced ? [] : [.stopAll]

        case (.fenced, .memberLeaseRenewed):
            lastToken += 1
            phase = .awaitingFreshMap(token: lastToken)
            watchedWhileAwaiting = nil
            return [.readShardMap(token: lastToken)]

        case (.fenced, _):
            return []

        case (.awaitingFreshMap, .shardMap(let m)):
            if let w = watchedWhileAwaiting, !Self.isNewer(m, than: w) { return [] }
            watchedWhileAwaiting = m
            return []

        case (.awaitingFreshMap(let token), .shardMapRead(let m, let answerToken)):
            guard token == answerToken else { return [] }
            var fresh = m
            if let w = watchedWhileAwaiting, Self.isNewer(w, than: m) { fresh = w }
            watchedWhileAwaiting = nil
            phase = .active
            map = fresh
            ackedEpoch = nil
            chain = fresh.isCommitted ? [EpochMembers(epoch: fresh.epoch, members: fresh.members)] : []
            return [.drain(epoch: fresh.epoch, keeping: fresh.assignment(for: member))]

        case (.awaitingFreshMap, _):
            return []

        case (.active, .shardMap(let m)), (.active, .shardMapRead(let m, _)):
            return adopt(m)

        case (.active, .inFlightDrained(let e)):
            guard let map, e == map.epoch, ackedEpoch != e else { return [] }
            ackedEpoch = e
            return [.ack(epoch: e)]

        case (.active, .memberLeaseRenewed):
            return []
        }
    }

    private mutating func adopt(_ m: ShardMap) -> [Action] {
        guard let current = map else { return [] }
        if m.epoch < current.epoch { return [] }
        if m.epoch == current.epoch {
            guard m.committedEpoch > current.committedEpoch else { return [] }
            map = ShardMap(epoch: current.epoch, members: current.members, committedEpoch: m.committedEpoch)
            compactChain()
            return []
        }
        map = m
        if !chain.isEmpty { chain.append(EpochMembers(epoch: m.epoch, members: m.members)) }
        compactChain()
        return [.drain(epoch: m.epoch, keeping: m.assignment(for: member))]
    }

    /// Re-bases the chain on the newest adopted epoch known committed.
    private mutating func compactChain() {
        guard let map else { return }
        if map.isCommitted {
            chain = [EpochMembers(epoch: map.epoch, members: map.members)]
        } else if let i = chain.lastIndex(where: { $0.epoch == map.committedEpoch }), i > 0 {
            chain.removeFirst(i)
        }
    }

    private mutating func fence() {
        phase = .fenced
        map = nil
        chain = []
        ackedEpoch = nil
        watchedWhileAwaiting = nil
    }

    private static func isNewer(_ a: ShardMap, than b: ShardMap) -> Bool {
        a.epoch > b.epoch || (a.epoch == b.epoch && a.committedEpoch > b.committedEpoch)
    }
}
