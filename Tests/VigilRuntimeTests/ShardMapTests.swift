import Testing
import VigilRuntime

@Suite("ShardMap: ConfigMap form and the leader's epoch/commit rule")
struct ShardMapTests {
    // MARK: ConfigMap representation

    @Test("round-trips through ConfigMap data")
    func roundTrip() throws {
        let map = ShardMap(epoch: 7, members: ["vigil-1", "vigil-0", "vigil-2"], committedEpoch: 6)
        #expect(map.members == ["vigil-0", "vigil-1", "vigil-2"])
        let data = map.configMapData
        #expect(data == ["epoch": "7", "members": "vigil-0,vigil-1,vigil-2", "committedEpoch": "6"])
        #expect(try ShardMap(configMapData: data) == map)
        #expect(try ShardMap(configMapData: ShardMap.initial.configMapData) == .initial)
        #expect(ShardMap.initial.configMapData["members"] == "")
    }

    @Test("decoding tolerates unknown keys, whitespace and unsorted members")
    func lenientDecoding() throws {
        let map = try ShardMap(configMapData: [
            "epoch": "3", "committedEpoch": "3", "members": " b , a ", "note": "written by hand",
        ])
        #expect(map == ShardMap(epoch: 3, members: ["a", "b"], committedEpoch: 3))
        #expect(map.isCommitted)
    }

    @Test(
        "malformed data gives an error naming the field and the value",
        arguments: [
            (nil, ShardMapError.missingData, "has no data"),
            (["members": "a", "committedEpoch": "0"], .missingField("epoch"), "missing data.epoch"),
            (["epoch": "1", "committedEpoch": "0"], .missingField("members"), "missing data.members"),
            (["epoch": "1", "members": "a"], .missingField("committedEpoch"), "missing data.committedEpoch"),
            (["epoch": "-1", "members": "a", "committedEpoch": "0"], .invalidEpoch(field: "epoch", value: "-1"), "non-negative base-10 integer"),
            (["epoch": "1.5", "members": "a", "committedEpoch": "0"], .invalidEpoch(field: "epoch", value: "1.5"), "\"1.5\""),
            (["epoch": "", "members": "a", "committedEpoch": "0"], .invalidEpoch(field: "epoch", value: ""), "data.epoch"),
            (["epoch": "1", "members": "a", "committedEpoch": "x"], .invalidEpoch(field: "committedEpoch", value: "x"), "data.committedEpoch"),
            (
                ["epoch": "99999999999999999999", "members": "a", "committedEpoch": "0"],
                .invalidEpoch(field: "epoch", value: "99999999999999999999"), "data.epoch"
            ),
            (["epoch": "2", "members": "a", "committedEpoch": "3"], .committedEpochAheadOfEpoch(committedEpoch: 3, epoch: 2), "ahead"),
            (["epoch": "2", "members": "a,,b", "committedEpoch": "1"], .emptyMemberEntry(members: "a,,b"), "empty entry"),
            (["epoch": "2", "members": "a,", "committedEpoch": "1"], .emptyMemberEntry(members: "a,"), "empty entry"),
            (["epoch": "2", "members": "a,b,a", "committedEpoch": "1"], .duplicateMember("a"), "more than once"),
            (
                ["epoch": "2", "members": "a,Vigil-0", "committedEpoch": "1"],
                .invalidMember("Vigil-0", reason: "it contains \"V\"; only lowercase letters, digits, '-' and '.' are allowed"), "\"Vigil-0\""
            ),
            (
                ["epoch": "2", "members": "-a", "committedEpoch": "1"],
                .invalidMember("-a", reason: "it must start and end with a lowercase letter or digit"), "start and end"
            ),
            (["epoch": "2", "members": "[\"a\"]", "committedEpoch": "1"], nil, "only lowercase letters"),
        ] as [([String: String]?, ShardMapError?, String)]
    )
    func malformed(data: [String: String]?, expected: ShardMapError?, messagePart: String) {
        do {
            let map = try ShardMap(configMapData: data)
            Issue.record("decoded \(map) from malformed data \(String(describing: data))")
        } catch {
            if let expected { #expect(error == expected) }
            #expect(error.description.contains(messagePart), "\(error.description)")
            #expect(error.description.contains("vigil-shardmap"))
        }
    }

    @Test("member ids are validated for Lease names")
    func memberValidation() throws {
        #expect(try MemberID(validating: "vigil-0.pod-7") == "vigil-0.pod-7")
        #expect(throws: ShardMapError.self) { try MemberID(validating: "") }
        #expect(throws: ShardMapError.self) { try MemberID(validating: String(repeating: "a", count: 241)) }
        #expect(throws: ShardMapError.self) { try MemberID(validating: "a,b") }
        #expect(throws: ShardMapError.self) { try MemberID(validating: "a.") }
        #expect(throws: ShardMapError.self) { try MemberID(validating: "a b") }
    }

    // MARK: Leader rule

    static func live(_ id: MemberID, ack: Int?) -> MemberLeaseStatus { MemberLeaseStatus(id: id, ackEpoch: ack, state: .live) }

    @Test("a changed live set opens a new epoch; unchanged and unacked keeps the map")
    func newEpoch() {
        let m0 = ShardMap.initial
        let m1 = m0.next(given: [Self.live("a", ack: nil)])
        #expect(m1 == ShardMap(epoch: 1, members: ["a"], committedEpoch: 0))
        #expect(m1.next(given: [Self.live("a", ack: nil)]) == m1)
        #expect(m1.next(given: [Self.live("a", ack: 0)]) == m1)
        let m2 = m1.next(given: [Self.live("a", ack: 1), Self.live("b", ack: nil)])
        #expect(m2 == ShardMap(epoch: 2, members: ["a", "b"], committedEpoch: 0))
    }

    @Test("the epoch commits once every non-expired lease has acked it")
    func commit() {
        let m2 = ShardMap(epoch: 2, members: ["a", "b"], committedEpoch: 1)
        #expect(m2.next(given: [Self.live("a", ack: 2), Self.live("b", ack: 1)]) == m2)
        #expect(m2.next(given: [Self.live("a", ack: 2), Self.live("b", ack: 2)]).committedEpoch == 2)
        // A leaving member (not in the map) must ack too.
        let leaving = MemberLeaseStatus(id: "c", ackEpoch: 1, state: .leaving)
        #expect(m2.next(given: [Self.live("a", ack: 2), Self.live("b", ack: 2), leaving]) == m2)
        let leavingAcked = MemberLeaseStatus(id: "c", ackEpoch: 2, state: .leaving)
        #expect(m2.next(given: [Self.live("a", ack: 2), Self.live("b", ack: 2), leavingAcked]).isCommitted)
        // An expired member needs no ack.
        let dead = MemberLeaseStatus(id: "c", ackEpoch: nil, state: .expired)
        #expect(m2.next(given: [Self.live("a", ack: 2), Self.live("b", ack: 2), dead]).isCommitted)
    }

    @Test("a member that leaves or dies opens a new epoch without it")
    func removal() {
        let m3 = ShardMap(epoch: 3, members: ["a", "b", "c"], committedEpoch: 3)
        let afterLeave = m3.next(given: [
            Self.live("a", ack: 3), Self.live("b", ack: 3), MemberLeaseStatus(id: "c", ackEpoch: 3, state: .leaving),
        ])
        #expect(afterLeave == ShardMap(epoch: 4, members: ["a", "b"], committedEpoch: 3))
        let afterDeath = m3.next(given: [
            Self.live("a", ack: 3), Self.live("b", ack: 3), MemberLeaseStatus(id: "c", ackEpoch: 3, state: .expired),
        ])
        #expect(afterDeath == ShardMap(epoch: 4, members: ["a", "b"], committedEpoch: 3))
        // Everyone gone: an empty epoch that commits at once (nobody can ack).
        let empty = m3.next(given: [MemberLeaseStatus(id: "a", ackEpoch: 3, state: .expired)])
        #expect(empty == ShardMap(epoch: 4, members: [], committedEpoch: 4))
    }

    @Test("duplicate lease entries merge conservatively")
    func duplicates() {
        let m = ShardMap(epoch: 2, members: ["a"], committedEpoch: 1)
        let next = m.next(given: [Self.live("a", ack: 2), MemberLeaseStatus(id: "a", ackEpoch: 1, state: .expired)])
        #expect(next == ShardMap(epoch: 2, members: ["a"], committedEpoch: 1))
    }
}
