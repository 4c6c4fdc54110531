import Testing
import VigilJSON
import VigilRuntime

/// A lease "server" in memory for driving machines by hand: answers their
/// I/O actions the way the API server would.
private struct FakeLease {
    var record: LeaseRecord?
    var version = 0

    mutating func answer(_ action: LeaderElectionMachine.Action, now: Double) -> LeaderElectionMachine.Event? {
        switch action {
        case .read:
            return record.map { .observed($0, now: now) } ?? .notFound(now: now)
        case .create(let r):
            guard record == nil else { return .writeConflict }
            return store(r, now)
        case .update(let r, let rv), .release(let r, let rv):
            guard let cur = record, cur.resourceVersion == rv else { return .writeConflict }
            return store(r, now)
        default:
            return nil
        }
    }

    mutating func store(_ r: LeaseRecord, _ now: Double) -> LeaderElectionMachine.Event {
        version += 1
        var stored = r
        stored.resourceVersion = String(version)
        record = stored
        return .writeSucceeded(stored, now: now)
    }
}

private func config(_ identity: String, release: Bool = true, jitter: Double = 0) throws -> LeaderElectionConfig {
    try LeaderElectionConfig(leaseNamespace: "vigil", leaseName: "vigil-leader", identity: identity, timing: .fast, releaseOnCancel: release, pollJitter: jitter)
}

/// Steps `m` with `event`, then answers its I/O actions from `lease` at the
/// same instant until it only waits; returns every action emitted.
@discardableResult
private func run(_ m: inout LeaderElectionMachine, _ event: LeaderElectionMachine.Event, _ lease: inout FakeLease, now: Double) -> [LeaderElectionMachine.Action] {
    var all: [LeaderElectionMachine.Action] = []
    var queue = [event]
    while !queue.isEmpty {
        let actions = m.step(queue.removeFirst())
        all += actions
        for a in actions { if let reply = lease.answer(a, now: now) { queue.append(reply) } }
    }
    return all
}

/// The time of the last `sleep` among `actions`.
private func wake(_ actions: [LeaderElectionMachine.Action]) -> Double? {
    actions.reversed().lazy.compactMap { if case .sleep(let t) = $0 { t } else { nil } }.first
}

private func writes(_ actions: [LeaderElectionMachine.Action]) -> [LeaseRecord] {
    actions.compactMap {
        switch $0 {
        case .create(let r), .update(let r, _), .release(let r, _): r
        default: nil
        }
    }
}

@Suite struct LeaderElectionMachineTests {
    let epoch = 1_795_345_529.0  // 2026-11-22T11:05:29Z

    @Test func acquiresAnAbsentLease() throws {
        var m = LeaderElectionMachine(config: try config("a"), wallClockAtZero: epoch)
        #expect(m.step(.tick(now: 0)) == [.read])
        let create = m.step(.notFound(now: 0.25))
        let expected = LeaseRecord(
            holderIdentity: "a", leaseDurationSeconds: 4, acquireTime: RFC3339Time(secondsSinceEpoch: epoch + 0.25),
            renewTime: RFC3339Time(secondsSinceEpoch: epoch + 0.25), leaseTransitions: 0)
        #expect(create == [.create(expected)])
        #expect(!m.isLeader)
        var stored = expected
        stored.resourceVersion = "1"
        #expect(m.step(.writeSucceeded(stored, now: 0.5)) == [.observedNewLeader("a"), .becameLeader, .sleep(until: 1.0)])
        #expect(m.isLeader)
        #expect(m.lastRenewSent == 0.25)
        #expect(m.renewDeadlineAt == 3.25)
        #expect(m.currentLeader == "a")
    }

    @Test func renewsOnTheRecordItWroteAndKeepsAcquireTime() throws {
        var lease = FakeLease()
        var m = LeaderElectionMachine(config: try config("a"), wallClockAtZero: epoch)
        run(&m, .tick(now: 0), &lease, now: 0)
        let acquired = try #require(lease.record)
        let actions = m.step(.tick(now: 0.5))
        #expect(actions.count == 2)
        guard case .update(let r, let rv) = actions.first else { Issue.record("expected an update, got \(actions)"); return }
        #expect(rv == acquired.resourceVersion)
        #expect(r.holderIdentity == "a")
        #expect(r.acquireTime == acquired.acquireTime)
        #expect(r.renewTime == RFC3339Time(secondsSinceEpoch: epoch + 0.5))
        #expect(r.leaseTransitions == acquired.leaseTransitions)
        #expect(actions.last == .sleep(until: 3.0))  // the deadline, while the renewal is out
        let done = m.step(lease.answer(actions[0], now: 0.5)!)
        #expect(done == [.sleep(until: 1.0)])
        #expect(m.lastRenewSent == 0.5)
        #expect(m.isLeader)
    }

    @Test func takesOverOnlyAfterLeaseDurationWithoutChange() throws {
        var lease = FakeLease(record: LeaseRecord(holderIdentity: "x", leaseDurationSeconds: 4, leaseTransitions: 3, resourceVersion: "9"), version: 9)
        var m = LeaderElectionMachine(config: try config("b"))
        var now = 0.0
        var actions = run(&m, .tick(now: now), &lease, now: now)
        #expect(actions.contains(.observedNewLeader("x")))
        var firstWriteAt: Double?
        while now < 10, firstWriteAt == nil {
            now = try #require(wake(actions))
            actions = run(&m, .tick(now: now), &lease, now: now)
            if !writes(actions).isEmpty { firstWriteAt = now }
        }
        #expect(firstWriteAt == 4.0)  // woke exactly at expiry
        #expect(m.isLeader)
        #expect(actions.contains(.becameLeader))
        let rec = try #require(lease.record)
        #expect(rec.holderIdentity == "b")
        #expect(rec.leaseTransitions == 4)
        #expect(rec.acquireTime == RFC3339Time(secondsSinceEpoch: 4.0))
    }

    @Test func noTakeoverWhileTheHolderKeepsRenewing() throws {
        var lease = FakeLease()
        var holder = LeaderElectionMachine(config: try config("a"))
        var other = LeaderElectionMachine(config: try config("b"))
        var holderWake = try #require(wake(run(&holder, .tick(now: 0), &lease, now: 0)))
        var otherWake = try #require(wake(run(&other, .tick(now: 0.1), &lease, now: 0.1)))
        while min(holderWake, otherWake) < 30 {
            if holderWake <= otherWake {
                holderWake = try #require(wake(run(&holder, .tick(now: holderWake), &lease, now: holderWake)))
            } else {
                let actions = run(&other, .tick(now: otherWake), &lease, now: otherWake)
                #expect(writes(actions).isEmpty)
                otherWake = try #require(wake(actions))
            }
        }
        #expect(holder.isLeader)
        #expect(!other.isLeader)
        #expect(lease.record?.holderIdentity == "a")
        #expect(lease.record?.leaseTransitions == 0)
    }

    @Test func simultaneousAcquireHasOneWinner() throws {
        var lease = FakeLease(record: LeaseRecord(holderIdentity: "", leaseDurationSeconds: 1, leaseTransitions: 2, resourceVersion: "7"), version: 7)
        var a = LeaderElectionMachine(config: try config("a"))
        var b = LeaderElectionMachine(config: try config("b"))
        #expect(a.step(.tick(now: 0)) == [.read])
        #expect(b.step(.tick(now: 0)) == [.read])
        let aWrite = a.step(lease.answer(.read, now: 0)!)
        let bWrite = b.step(lease.answer(.read, now: 0)!)
        guard case .update(_, "7")? = aWrite.first, case .update(_, "7")? = bWrite.first else {
            Issue.record("both should try to take the released lease: \(aWrite) \(bWrite)")
            return
        }
        #expect(a.step(lease.answer(aWrite[0], now: 0.1)!) == [.observedNewLeader("a"), .becameLeader, .sleep(until: 0.6)])
        let conflict = lease.answer(bWrite[0], now: 0.1)
        #expect(conflict == .writeConflict)
        #expect(b.step(.writeConflict) == [.read])  // re-read at once
        let after = b.step(lease.answer(.read, now: 0.1)!)
        #expect(after == [.observedNewLeader("a"), .sleep(until: 0.6)])
        #expect(a.isLeader && !b.isLeader)
        #expect(lease.record?.leaseTransitions == 3)
    }

    @Test func losesLeadershipAtTheRenewDeadlineWhenWritesFail() throws {
        var lease = FakeLease()
        var m = LeaderElectionMachine(config: try config("a"))
        #expect(m.step(.tick(now: 0)) == [.read])
        let create = m.step(.notFound(now: 0))
        _ = m.step(lease.answer(create[0], now: 0.25)!)  // sent at 0: deadline 3.0
        #expect(m.renewDeadlineAt == 3.0)
        var now = 0.5
        var lostAt: Double?
        var actions = m.step(.tick(now: now))
        while lostAt == nil, now < 10 {
            if actions.contains(where: { if case .update = $0 { true } else { false } }) {
                now += 0.125
                actions = m.step(.writeFailed("500 InternalError", now: now))
            }
            if actions.contains(.lostLeadership(.renewDeadlineExceeded)) { lostAt = now; break }
            now = try #require(wake(actions))
            actions = m.step(.tick(now: now))
            if actions.contains(.lostLeadership(.renewDeadlineExceeded)) { lostAt = now }
        }
        #expect(lostAt == 3.0)  // lastRenewSent + renewDeadline, before the lease duration (4.0)
        #expect(!m.isLeader)
    }

    @Test func losesLeadershipAtTheDeadlineWhileARenewalHangs() throws {
        var lease = FakeLease()
        var m = LeaderElectionMachine(config: try config("a"))
        run(&m, .tick(now: 0), &lease, now: 0)
        let renew = m.step(.tick(now: 0.5))
        #expect(renew.last == .sleep(until: 3.0))
        #expect(m.step(.tick(now: 2.99)) == [.sleep(until: 3.0)])
        #expect(m.step(.tick(now: 3.0)) == [.lostLeadership(.renewDeadlineExceeded)])
        // The hung renewal finally stored, too late to count: it reads and renews again.
        let late = m.step(lease.answer(renew[0], now: 3.6)!)
        #expect(late == [.read])
        #expect(!m.isLeader)
        let again = run(&m, lease.answer(.read, now: 3.6)!, &lease, now: 3.6)
        #expect(again.contains(.becameLeader))
        #expect(lease.record?.leaseTransitions == 0)
    }

    @Test func aLeaderThatFindsTheLeaseTakenStepsDown() throws {
        var lease = FakeLease()
        var m = LeaderElectionMachine(config: try config("a"))
        run(&m, .tick(now: 0), &lease, now: 0)
        lease.record?.holderIdentity = "z"
        lease.version += 1
        lease.record?.resourceVersion = String(lease.version)
        let actions = run(&m, .tick(now: 0.5), &lease, now: 0.5)
        #expect(actions.contains(.lostLeadership(.takenOver(by: "z"))))
        #expect(actions.contains(.observedNewLeader("z")))
        #expect(!m.isLeader)
        #expect(lease.record?.holderIdentity == "z")
    }

    @Test func releasesOnShutdown() throws {
        var lease = FakeLease()
        var m = LeaderElectionMachine(config: try config("a"), wallClockAtZero: epoch)
        run(&m, .tick(now: 0), &lease, now: 0)
        let held = try #require(lease.record)
        let actions = m.step(.shutdown(now: 1))
        let released = LeaseRecord(
            holderIdentity: "", leaseDurationSeconds: 1, acquireTime: RFC3339Time(secondsSinceEpoch: epoch + 1),
            renewTime: RFC3339Time(secondsSinceEpoch: epoch + 1), leaseTransitions: held.leaseTransitions)
        #expect(actions == [.lostLeadership(.shutdown), .release(released, precondition: held.resourceVersion!)])
        #expect(m.step(lease.answer(actions[1], now: 1)!) == [.finished])
        #expect(lease.record?.holderIdentity == "")
        #expect(lease.record?.leaseDurationSeconds == 1)
        #expect(m.role == .finished)
        #expect(m.step(.tick(now: 2)) == [])
    }

    @Test func shutdownWithoutReleaseLeavesTheLease() throws {
        var lease = FakeLease()
        var m = LeaderElectionMachine(config: try config("a", release: false))
        run(&m, .tick(now: 0), &lease, now: 0)
        #expect(m.step(.shutdown(now: 1)) == [.lostLeadership(.shutdown), .finished])
        #expect(lease.record?.holderIdentity == "a")
    }

    @Test func shutdownDuringAnAcquireReleasesIfItWon() throws {
        var lease = FakeLease()
        var m = LeaderElectionMachine(config: try config("a"))
        #expect(m.step(.tick(now: 0)) == [.read])
        let create = m.step(.notFound(now: 0))
        #expect(m.step(.shutdown(now: 0.1)) == [])  // waits for the create
        let after = m.step(lease.answer(create[0], now: 0.2)!)
        #expect(after.count == 2)
        #expect(after.first == .observedNewLeader("a"))
        guard case .release? = after.last else { Issue.record("expected a release: \(after)"); return }
        #expect(!after.contains(.becameLeader))
    }

    @Test func countsLeaseTransitions() throws {
        var lease = FakeLease()
        var a = LeaderElectionMachine(config: try config("a"))
        var b = LeaderElectionMachine(config: try config("b"))
        run(&a, .tick(now: 0), &lease, now: 0)
        #expect(lease.record?.leaseTransitions == 0)
        run(&b, .tick(now: 0.1), &lease, now: 0.1)
        run(&a, .shutdown(now: 1), &lease, now: 1)  // release: holder empty, count kept
        #expect(lease.record?.holderIdentity == "")
        #expect(lease.record?.leaseTransitions == 0)
        run(&b, .tick(now: 1.1), &lease, now: 1.1)  // b takes the released lease
        #expect(b.isLeader)
        #expect(lease.record?.leaseTransitions == 1)
        run(&b, .tick(now: 1.6), &lease, now: 1.6)  // renewal
        #expect(lease.record?.leaseTransitions == 1)
        // b crashes; c sees the lease at 2 and takes it once it has not changed for 4 s.
        var c = LeaderElectionMachine(config: try config("c"))
        run(&c, .tick(now: 2), &lease, now: 2)
        run(&c, .tick(now: 5.9), &lease, now: 5.9)
        #expect(!c.isLeader)
        run(&c, .tick(now: 6), &lease, now: 6)
        #expect(c.isLeader)
        #expect(lease.record?.holderIdentity == "c")
        #expect(lease.record?.leaseTransitions == 2)
    }

    @Test func spuriousConflictBacksOffInsteadOfLooping() throws {
        var m = LeaderElectionMachine(config: try config("b"))
        let free = LeaseRecord(holderIdentity: "", leaseDurationSeconds: 1, resourceVersion: "4")
        #expect(m.step(.tick(now: 0)) == [.read])
        let write = m.step(.observed(free, now: 0))
        guard case .update(_, "4")? = write.first else { Issue.record("expected an update: \(write)"); return }
        #expect(m.step(.writeConflict) == [.read])
        // The lease did not move, so the "conflict" was something else (say a 422): wait.
        #expect(m.step(.observed(free, now: 0.1)) == [.sleep(until: 0.6)])
    }

    @Test func candidatesPollWithJitterWithinTheRetryPeriod() throws {
        var m = LeaderElectionMachine(config: try config("b", jitter: 0.2), seed: 42)
        let held = LeaseRecord(holderIdentity: "x", leaseDurationSeconds: 4, resourceVersion: "1")
        var now = 0.0
        var periods: [Double] = []
        _ = m.step(.tick(now: now))
        for i in 0..<20 {
            var r = held
            r.resourceVersion = String(i + 1)  // the holder keeps renewing
            let next = try #require(wake(m.step(.observed(r, now: now))))
            periods.append(next - now)
            now = next
            #expect(m.step(.tick(now: now)) == [.read])
        }
        #expect(periods.allSatisfy { $0 > 0.4 - 1e-9 && $0 <= 0.5 })
        #expect(Set(periods).count > 10)
    }
}
