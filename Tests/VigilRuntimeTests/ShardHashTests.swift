import Testing
import VigilRuntime

@Suite("StableHash and Rendezvous")
struct ShardHashTests {
    @Test("FNV-1a 64 matches the published test vectors")
    func fnvVectors() {
        #expect(StableHash.fnv1a64("".utf8) == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a64("a".utf8) == 0xaf63_dc4c_8601_ec8c)
        #expect(StableHash.fnv1a64("foobar".utf8) == 0x8594_4171_f739_67e8)
    }

    @Test("fmix64 matches MurmurHash3's finalizer")
    func fmixVectors() {
        #expect(StableHash.fmix64(0) == 0)
        #expect(StableHash.fmix64(1) == 0xb456_bcfc_34c2_cb2c)
        #expect(StableHash.fmix64(0xdead_beef) == 0xd24b_d59f_862a_1dac)
    }

    /// Fixed vectors computed by an independent implementation (Python) of
    /// the documented algorithm; any change here re-shards every cluster.
    @Test("hash64(namespace, member) fixed vectors")
    func hashVectors() {
        let vectors: [(String, String, UInt64)] = [
            ("default", "vigil-0", 0x2312_c22d_6ffc_b5e2),
            ("default", "vigil-1", 0xab64_3ec0_2597_88dd),
            ("kube-system", "vigil-0", 0x1458_d8e3_c408_ead4),
            ("team-42", "vigil-2", 0x80f1_25b6_1b68_ceec),
            ("ab", "c", 0xc87d_91e7_dc16_f99d),
            ("a", "bc", 0xdf52_f2b0_1fb6_2dc7),
            ("", "", 0xb903_4ad3_7056_f5fb),
            ("café", "vigil-0", 0x165e_dac0_1e24_cc88),
        ]
        for (ns, m, expected) in vectors {
            #expect(StableHash.hash64(namespace: ns, member: m) == expected, "hash64(\(ns), \(m))")
            #expect(StableHash.hash64(namespace: ns, member: MemberID(m)) == expected)
        }
    }

    @Test("owner is the highest weight, independent of member order")
    func ownerFixed() {
        let members: [MemberID] = ["vigil-0", "vigil-1", "vigil-2"]
        let expected: [String: MemberID] = [
            "default": "vigil-1", "kube-system": "vigil-2", "team-1": "vigil-0", "team-2": "vigil-2", "team-3": "vigil-0",
        ]
        for (ns, owner) in expected {
            #expect(Rendezvous.owner(of: ns, among: members) == owner)
            #expect(Rendezvous.owner(of: ns, among: members.reversed()) == owner)
            let best = members.max { StableHash.hash64(namespace: ns, member: $0) < StableHash.hash64(namespace: ns, member: $1) }
            #expect(best == owner)
        }
        #expect(Rendezvous.owner(of: "default", among: [MemberID]()) == nil)
        #expect(Rendezvous.owner(of: "default", among: ["solo"] as [MemberID]) == "solo")
    }

    static let namespaces = (0..<10_000).map { "ns-\($0)" }

    static func members(_ n: Int) -> [MemberID] { (0..<n).map { MemberID("vigil-\($0)") } }

    static func owners(_ members: [MemberID]) -> [MemberID] {
        namespaces.map { Rendezvous.owner(of: $0, among: members)! }
    }

    @Test("a member leaving or joining moves only its namespaces, about 1/N", arguments: [3, 10])
    func moves(n: Int) {
        let full = Self.members(n)
        let before = Self.owners(full)
        var worst = 0.0
        var fractions: [String] = []
        // Each member leaving (N -> N-1), and the same member joining back (N-1 -> N).
        for leaver in full {
            let after = Self.owners(full.filter { $0 != leaver })
            var moved = 0
            for i in before.indices where before[i] != after[i] {
                moved += 1
                #expect(before[i] == leaver, "only the leaver's namespaces may move")
            }
            // Joining is the same transition reversed: exactly the namespaces the joiner gets move.
            let fraction = Double(moved) / Double(Self.namespaces.count)
            worst = max(worst, fraction)
            fractions.append("\(leaver.rawValue): \(fraction)")
            #expect(fraction <= 1.3 / Double(n))
            #expect(fraction >= 0.7 / Double(n))
        }
        // A brand-new member joining N-1 others.
        let joined = Self.owners(Self.members(n - 1) + [MemberID("vigil-new")])
        let base = Self.owners(Self.members(n - 1))
        var joinMoved = 0
        for i in base.indices where base[i] != joined[i] {
            joinMoved += 1
            #expect(joined[i] == "vigil-new", "only namespaces the joiner gains may move")
        }
        let joinFraction = Double(joinMoved) / Double(Self.namespaces.count)
        #expect(joinFraction <= 1.3 / Double(n))
        print("[shard-measure] moves N=\(n) (1/N=\(1.0 / Double(n))): leave per member {\(fractions.joined(separator: ", "))}; worst leave \(worst); join of vigil-new \(joinFraction)")
    }

    @Test("10,000 namespaces balance across members (max/mean)", arguments: [3, 10])
    func balance(n: Int) {
        var counts: [MemberID: Int] = [:]
        for o in Self.owners(Self.members(n)) { counts[o, default: 0] += 1 }
        let mean = Double(Self.namespaces.count) / Double(n)
        let maxCount = counts.values.max() ?? 0
        let ratio = Double(maxCount) / mean
        #expect(counts.count == n)
        #expect(ratio <= 1.15)
        let sorted = counts.sorted { $0.key < $1.key }.map { "\($0.key.rawValue)=\($0.value)" }
        print("[shard-measure] balance N=\(n): max/mean \(ratio) (\(sorted.joined(separator: " ")))")
    }

    @Test("balance also holds for pod-like member ids and other namespace names", arguments: [3, 10])
    func balanceOtherNames(n: Int) {
        let members = (0..<n).map { MemberID("vigil-controller-7d9f8c\($0)b-x\(($0 * 7919) % 97)") }
        let names = (0..<10_000).map { "team-\($0 % 100)-env-\($0 / 100)" }
        var counts: [MemberID: Int] = [:]
        for ns in names { counts[Rendezvous.owner(of: ns, among: members)!, default: 0] += 1 }
        let ratio = Double(counts.values.max() ?? 0) / (Double(names.count) / Double(n))
        #expect(ratio <= 1.15)
        print("[shard-measure] balance (pod-like ids, team-x-env-y names) N=\(n): max/mean \(ratio)")
    }
}
