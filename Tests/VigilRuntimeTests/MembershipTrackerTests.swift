import Kube
import Testing
import VigilJSON
import VigilRuntime

/// The pure parts of membership: the leader's liveness judgement, the member
/// lease record, and config validation.
@Suite struct MembershipTrackerTests {
    static func lease(
        _ id: String, holder: String? = nil, renew: Int64 = 1, duration: Int = 2, ack: Int? = nil, leaving: Bool = false, dead: Int? = nil,
        rv: String = "1"
    ) -> MemberLeaseRecord {
        MemberLeaseRecord(
            name: "vigil-member-\(id)", ring: "r", holderIdentity: holder ?? id, leaseDurationSeconds: duration,
            renewTime: RFC3339Time(microsecondsSinceEpoch: renew), ackEpoch: ack, leaving: leaving, deadInEpoch: dead, resourceVersion: rv)
    }

    @Test func aLeaseExpiresWhenNotSeenToChangeForItsDuration() {
        var t = MemberLivenessTracker(defaultLeaseDuration: 4)
        var j = t.observe([Self.lease("a", ack: 3)], now: 100)
        #expect(j.map(\.status) == [MemberLeaseStatus(id: "a", ackEpoch: 3, state: .live)])
        #expect(t.nextExpiry(j) == 102)
        j = t.observe([Self.lease("a", ack: 3)], now: 101.9)
        #expect(j[0].status.state == .live)
        // Renewed: the clock starts again from when the change was seen.
        j = t.observe([Self.lease("a", renew: 2)], now: 101.95)
        #expect(j[0].status.state == .live)
        j = t.observe([Self.lease("a", renew: 2)], now: 103.9)
        #expect(j[0].status.state == .live)
        j = t.observe([Self.lease("a", renew: 2)], now: 103.95)
        #expect(j[0].status.state == .expired)
        #expect(j[0].needsMark)
        #expect(t.nextExpiry(j) == nil)
    }

    @Test func releasedAndMarkedLeasesAreExpiredAndNeedNoMark() {
        var t = MemberLivenessTracker(defaultLeaseDuration: 4)
        let j = t.observe([Self.lease("a", holder: ""), Self.lease("b", dead: 7), Self.lease("c", ack: 5, leaving: true)], now: 0)
        #expect(j.map(\.status.state) == [.expired, .expired, .leaving])
        #expect(j.map(\.needsMark) == [false, false, false])
        #expect(j[2].status.ackEpoch == 5)
    }

    @Test func aNewTrackerCountsEveryLeaseLiveForAFullDuration() {
        var t = MemberLivenessTracker(defaultLeaseDuration: 4)
        // A lease with no stated duration uses the default.
        var j = t.observe([Self.lease("a", duration: 0)], now: 50)
        j = t.observe([Self.lease("a", duration: 0)], now: 53.99)
        #expect(j[0].status.state == .live)
        j = t.observe([Self.lease("a", duration: 0)], now: 54)
        #expect(j[0].status.state == .expired)
        // Forgotten when no longer listed, so it starts over when it returns.
        _ = t.observe([], now: 55)
        j = t.observe([Self.lease("a", duration: 0)], now: 56)
        #expect(j[0].status.state == .live)
    }

    @Test func leasesThatAreNotMemberLeasesAreSkipped() {
        var t = MemberLivenessTracker(defaultLeaseDuration: 4)
        var other = Self.lease("a")
        other.name = "vigil-leader"
        var bad = Self.lease("a")
        bad.name = "vigil-member-Bad_Name"
        #expect(t.observe([other, bad, Self.lease("b")], now: 0).map(\.status.id) == ["b"])
    }

    @Test func theRecordKeepsForeignLabelsAndAnnotations() {
        let lease = Lease(
            metadata: ObjectMeta(
                name: "vigil-member-vigil-0", namespace: "default", labels: ["vigil.dev/ring": "main", "app": "vigil"],
                annotations: [
                    "vigil.dev/address": "10.0.0.1:8080", "vigil.dev/ack-epoch": "12", "vigil.dev/leaving": "true",
                    "vigil.dev/dead-in-epoch": "13", "note": "kept",
                ]),
            spec: Lease.Spec(holderIdentity: "vigil-0", leaseDurationSeconds: 4, renewTime: "2026-11-22T11:05:29.123456Z"))
        let r = MemberLeaseRecord(lease)
        #expect(r.member == "vigil-0")
        #expect(r.ring == "main")
        #expect(r.address == "10.0.0.1:8080")
        #expect(r.ackEpoch == 12)
        #expect(r.leaving)
        #expect(r.deadInEpoch == 13)
        #expect(r.otherAnnotations == ["note": "kept"])
        #expect(r.labels == ["vigil.dev/ring": "main", "app": "vigil"])
        #expect(r.annotations == lease.metadata.annotations)
        #expect(r.leaseSpec.renewTime == "2026-11-22T11:05:29.123456Z")
    }

    @Test func configErrorsNameTheField() throws {
        let timing = LeaderElectionConfig.Timing(leaseDuration: 2, renewDeadline: 1.5, retryPeriod: 0.25)
        _ = try MembershipConfig(namespace: "default", ring: "main", member: "vigil-0", address: "10.0.0.1:8080", timing: timing)
        #expect(throws: MembershipConfigError.self) {
            try MembershipConfig(namespace: "", ring: "main", member: "vigil-0", address: "a:1", timing: timing)
        }
        do {
            _ = try MembershipConfig(namespace: "default", ring: "bad ring", member: "vigil-0", address: "a:1", timing: timing)
            Issue.record("accepted a ring with a space")
        } catch {
            #expect(error.field == "ring")
        }
        do {
            _ = try MembershipConfig(namespace: "default", ring: "main", member: "Vigil_0", address: "a:1", timing: timing)
            Issue.record("accepted an invalid member id")
        } catch {
            #expect(error.field == "member")
        }
        do {
            let tight = LeaderElectionConfig.Timing(leaseDuration: 2, renewDeadline: 0.25, retryPeriod: 0.25)
            _ = try MembershipConfig(namespace: "default", ring: "main", member: "vigil-0", address: "a:1", timing: tight)
            Issue.record("accepted renewDeadline <= retryPeriod × 1.2")
        } catch {
            #expect(error.field == "timing.renewDeadline")
            #expect(error.description.contains("retryPeriod"))
        }
    }
}
