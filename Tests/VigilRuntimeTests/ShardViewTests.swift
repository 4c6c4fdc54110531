import Testing
import VigilRuntime

@Suite("ShardView: the member's hand-off state machine")
struct ShardViewTests {
    static let namespaces = (0..<200).map { "ns-\($0)" }

    /// A namespace owned by `owner` among `members` (and, when given, by
    /// `previousOwner` among `previous`).
    static func namespace(ownedBy owner: MemberID, among members: [MemberID], previouslyBy previousOwner: MemberID? = nil, among previous: [MemberID] = []) -> String {
        namespaces.first { ns in
            Rendezvous.owner(of: ns, among: members) == owner
                && (previousOwner == nil || Rendezvous.owner(of: ns, among: previous) == previousOwner)
        }!
    }

    /// A view of `member` that acquired its lease and adopted `map`.
    static func active(_ member: MemberID, map: ShardMap) -> ShardView {
        var v = ShardView(member: member)
        #expect(v.step(.memberLeaseRenewed) == [.readShardMap(token: 1)])
        #expect(v.step(.shardMapRead(map, token: 1)) == [.drain(epoch: map.epoch, keeping: map.assignment(for: member))])
        return v
    }

    @Test("a new view owns nothing until it holds its lease and has read the map")
    func startsFenced() {
        var v = ShardView(member: "a")
        let map = ShardMap(epoch: 1, members: ["a"], committedEpoch: 1)
        #expect(v.phase == .fenced)
        #expect(v.step(.shardMap(map)).isEmpty)
        #expect(!v.owns("ns-0") && !v.mayStart("ns-0"))
        #expect(v.step(.memberLeaseRenewed) == [.readShardMap(token: 1)])
        #expect(v.phase == .awaitingFreshMap(token: 1))
        // A watch event is not a fresh read.
        #expect(v.step(.shardMap(map)).isEmpty)
        #expect(!v.owns("ns-0"))
        // A stale answer (wrong token) is ignored.
        #expect(v.step(.shardMapRead(map, token: 0)).isEmpty)
        #expect(v.step(.shardMapRead(map, token: 1)) == [.drain(epoch: 1, keeping: map.assignment(for: "a"))])
        #expect(v.phase == .active)
        #expect(v.owns("ns-0") && v.mayStart("ns-0"))
        #expect(v.step(.inFlightDrained(epoch: 1)) == [.ack(epoch: 1)])
        #expect(v.step(.inFlightDrained(epoch: 1)).isEmpty, "acks once")
        #expect(v.ackedEpoch == 1)
    }

    @Test("a map watched while waiting for the read is used when it is newer")
    func newerWatchedMapWins() {
        var v = ShardView(member: "a")
        _ = v.step(.memberLeaseRenewed)
        let newer = ShardMap(epoch: 5, members: ["a", "b"], committedEpoch: 4)
        _ = v.step(.shardMap(newer))
        let read = ShardMap(epoch: 4, members: ["a"], committedEpoch: 4)
        #expect(v.step(.shardMapRead(read, token: 1)) == [.drain(epoch: 5, keeping: newer.assignment(for: "a"))])
        #expect(v.epoch == 5)
        #expect(!v.mayStart(Self.namespace(ownedBy: "a", among: ["a", "b"])), "epoch 5 is not committed and this view never saw a committed epoch")
    }

    @Test("lost namespaces stop at once, are drained, then acked; gained ones wait for the commit")
    func handoff() {
        let e1 = ShardMap(epoch: 1, members: ["a"], committedEpoch: 1)
        var a = Self.active("a", map: e1)
        _ = a.step(.inFlightDrained(epoch: 1))
        let e2 = ShardMap(epoch: 2, members: ["a", "b"], committedEpoch: 1)
        let lost = Self.namespace(ownedBy: "b", among: e2.members)
        let kept = Self.namespace(ownedBy: "a", among: e2.members)
        #expect(a.mayStart(lost) && a.mayStart(kept))

        #expect(a.step(.shardMap(e2)) == [.drain(epoch: 2, keeping: e2.assignment(for: "a"))])
        #expect(!a.owns(lost) && !a.mayStart(lost))
        #expect(a.owns(kept) && a.mayStart(kept), "kept namespaces continue throughout")

        var b = Self.active("b", map: e2)
        #expect(b.owns(lost) && !b.mayStart(lost), "gained: not before the commit")
        #expect(b.step(.inFlightDrained(epoch: 2)) == [.ack(epoch: 2)])
        #expect(!b.mayStart(lost))

        #expect(a.step(.inFlightDrained(epoch: 1)).isEmpty, "a drain for an older epoch acks nothing")
        #expect(a.step(.inFlightDrained(epoch: 2)) == [.ack(epoch: 2)])

        let e2c = ShardMap(epoch: 2, members: ["a", "b"], committedEpoch: 2)
        #expect(b.step(.shardMap(e2c)).isEmpty)
        #expect(b.mayStart(lost) && !b.mayStart(kept))
        #expect(a.step(.shardMap(e2c)).isEmpty)
        #expect(a.mayStart(kept) && !a.mayStart(lost))
    }

    @Test("old and reordered maps are ignored; the same epoch only raises the commit")
    func monotonic() {
        let e3 = ShardMap(epoch: 3, members: ["a", "b"], committedEpoch: 2)
        var a = Self.active("a", map: e3)
        #expect(a.step(.shardMap(ShardMap(epoch: 2, members: ["a"], committedEpoch: 2))).isEmpty)
        #expect(a.epoch == 3)
        #expect(a.step(.shardMap(ShardMap(epoch: 3, members: ["a"], committedEpoch: 1))).isEmpty)
        #expect(a.map == e3)
        #expect(a.step(.shardMap(ShardMap(epoch: 3, members: ["a", "b"], committedEpoch: 3))).isEmpty)
        #expect(a.map?.committedEpoch == 3)
    }

    @Test("a namespace gained in an uncommitted epoch stays unstartable across later epochs until one commits")
    func gainedAcrossEpochs() {
        let e1 = ShardMap(epoch: 1, members: ["a", "b"], committedEpoch: 1)
        var a = Self.active("a", map: e1)
        let e2 = ShardMap(epoch: 2, members: ["a"], committedEpoch: 1)
        let gained = Self.namespace(ownedBy: "b", among: e1.members)
        _ = a.step(.shardMap(e2))
        #expect(a.owns(gained) && !a.mayStart(gained))
        let e3 = ShardMap(epoch: 3, members: ["a", "c"], committedEpoch: 1)
        let stillGained = Self.namespace(ownedBy: "a", among: e3.members, previouslyBy: "b", among: e1.members)
        _ = a.step(.shardMap(e3))
        #expect(a.owns(stillGained) && !a.mayStart(stillGained), "e2 never committed: the old owner may still be draining")
        _ = a.step(.shardMap(ShardMap(epoch: 3, members: ["a", "c"], committedEpoch: 3)))
        #expect(a.mayStart(stillGained))
    }

    @Test("a commit of an adopted intermediate epoch re-bases what is startable")
    func intermediateCommit() {
        let e1 = ShardMap(epoch: 1, members: ["a", "b"], committedEpoch: 1)
        var a = Self.active("a", map: e1)
        let e2 = ShardMap(epoch: 2, members: ["a"], committedEpoch: 1)
        _ = a.step(.shardMap(e2))
        let e3 = ShardMap(epoch: 3, members: ["a", "c"], committedEpoch: 2)
        let fromB = Self.namespace(ownedBy: "a", among: e3.members, previouslyBy: "b", among: e1.members)
        _ = a.step(.shardMap(e3))
        #expect(a.mayStart(fromB), "e2 committed (b drained), and a kept it from e2 to e3")
    }

    @Test("losing the member lease fences at once; renewal needs a fresh read")
    func selfFencing() {
        let e1 = ShardMap(epoch: 1, members: ["a"], committedEpoch: 1)
        var a = Self.active("a", map: e1)
        #expect(a.mayStart("ns-0"))
        #expect(a.step(.memberLeaseLost) == [.stopAll])
        #expect(a.phase == .fenced && !a.owns("ns-0") && !a.mayStart("ns-0"))
        #expect(a.step(.memberLeaseLost).isEmpty)
        #expect(a.step(.shardMap(e1)).isEmpty)
        #expect(a.step(.inFlightDrained(epoch: 1)).isEmpty, "no ack while fenced")
        #expect(!a.owns("ns-0"))
        #expect(a.step(.memberLeaseRenewed) == [.readShardMap(token: 2)])
        #expect(a.step(.shardMap(e1)).isEmpty)
        #expect(!a.owns("ns-0"), "a watch event may predate the leader's decision that this member was dead")
        // Lost again before the read came back: that read must not unfence.
        #expect(a.step(.memberLeaseLost) == [.stopAll])
        #expect(a.step(.memberLeaseRenewed) == [.readShardMap(token: 3)])
        #expect(a.step(.shardMapRead(e1, token: 2)).isEmpty)
        #expect(!a.owns("ns-0"))
        #expect(a.step(.shardMapRead(e1, token: 3)) == [.drain(epoch: 1, keeping: e1.assignment(for: "a"))])
        #expect(a.mayStart("ns-0"))
        #expect(a.step(.inFlightDrained(epoch: 1)) == [.ack(epoch: 1)], "acks again after re-acquiring")
    }

    @Test("a fresh read that is not committed makes nothing startable, not even formerly owned namespaces")
    func freshUncommitted() {
        var a = Self.active("a", map: ShardMap(epoch: 1, members: ["a"], committedEpoch: 1))
        _ = a.step(.memberLeaseLost)
        _ = a.step(.memberLeaseRenewed)
        let e2 = ShardMap(epoch: 2, members: ["a"], committedEpoch: 1)
        _ = a.step(.shardMapRead(e2, token: 2))
        #expect(a.owns("ns-0") && !a.mayStart("ns-0"))
        _ = a.step(.shardMap(ShardMap(epoch: 2, members: ["a"], committedEpoch: 2)))
        #expect(a.mayStart("ns-0"))
    }

    @Test("a leaving member hands off everything, then may exit")
    func leaving() {
        let e1 = ShardMap(epoch: 1, members: ["a", "b"], committedEpoch: 1)
        var a = Self.active("a", map: e1)
        _ = a.step(.inFlightDrained(epoch: 1))
        #expect(!a.hasHandedOffEverything)
        let e2 = ShardMap(epoch: 2, members: ["b"], committedEpoch: 1)
        #expect(a.step(.shardMap(e2)) == [.drain(epoch: 2, keeping: e2.assignment(for: "a"))])
        #expect(Self.namespaces.allSatisfy { !a.owns($0) && !a.mayStart($0) })
        #expect(!a.hasHandedOffEverything)
        #expect(a.step(.inFlightDrained(epoch: 2)) == [.ack(epoch: 2)])
        #expect(a.hasHandedOffEverything)
    }
}

@Suite("ShardView: cluster scenarios")
struct ShardViewScenarioTests {
    /// The reason a renewed member needs a fresh read: a late watch event from
    /// before its eviction would hand it back namespaces another member now
    /// works on.
    @Test("a stale map watched after eviction cannot bring back old ownership")
    func staleMapAfterEviction() {
        let e1 = ShardMap(epoch: 1, members: ["a", "b"], committedEpoch: 1)
        var a = ShardViewTests.active("a", map: e1)
        let ns = ShardViewTests.namespace(ownedBy: "a", among: e1.members)
        #expect(a.mayStart(ns))

        // a cannot renew: it fences itself; later the leader judges its lease expired.
        #expect(a.step(.memberLeaseLost) == [.stopAll])
        var leaderMap = e1.next(given: [
            MemberLeaseStatus(id: "a", ackEpoch: 1, state: .expired), MemberLeaseStatus(id: "b", ackEpoch: 1, state: .live),
        ])
        #expect(leaderMap == ShardMap(epoch: 2, members: ["b"], committedEpoch: 1))
        var b = ShardViewTests.active("b", map: e1)
        #expect(b.step(.shardMap(leaderMap)) == [.drain(epoch: 2, keeping: leaderMap.assignment(for: "b"))])
        #expect(b.step(.inFlightDrained(epoch: 2)) == [.ack(epoch: 2)])
        leaderMap = leaderMap.next(given: [
            MemberLeaseStatus(id: "a", ackEpoch: 1, state: .expired), MemberLeaseStatus(id: "b", ackEpoch: 2, state: .live),
        ])
        #expect(leaderMap.isCommitted)
        _ = b.step(.shardMap(leaderMap))
        #expect(b.mayStart(ns), "b took over a's namespace without a's ack: a is dead to the leader")

        // a re-acquires its lease; its lagging watch now delivers the old epoch.
        #expect(a.step(.memberLeaseRenewed) == [.readShardMap(token: 2)])
        _ = a.step(.shardMap(e1))
        #expect(!a.mayStart(ns) && !a.owns(ns))
        // The fresh read shows the truth.
        _ = a.step(.shardMapRead(leaderMap, token: 2))
        #expect(!a.owns(ns) && !a.mayStart(ns))
        #expect(a.assignment?.includesMember == false)
    }
}
