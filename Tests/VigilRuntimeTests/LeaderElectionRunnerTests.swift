import Synchronization
import Testing
import VigilRuntime

/// `LeaderElector` on a `ManualClock` with leases in memory.
@Suite struct LeaderElectionRunnerTests {
    /// A lease store in memory that logs what happens, with writes that can be made to fail.
    final class MemoryLeaseStore: LeaseStore {
        struct State {
            var record: LeaseRecord?
            var version = 0
            var failWrites = false
            var log: [String] = []
        }

        let state = Mutex(State())

        func getLease(namespace: String, name: String) async throws -> LeaseRecord? { state.withLock { $0.record } }

        func createLease(namespace: String, name: String, _ record: LeaseRecord) async throws -> LeaseRecord {
            try state.withLock { s in
                guard s.record == nil else { throw LeaseConflictError(namespace: namespace, name: name, detail: "exists") }
                return try Self.store(record, &s)
            }
        }

        func updateLease(namespace: String, name: String, _ record: LeaseRecord, precondition rv: String) async throws -> LeaseRecord {
            try state.withLock { s in
                guard s.record?.resourceVersion == rv else { throw LeaseConflictError(namespace: namespace, name: name, detail: "moved") }
                return try Self.store(record, &s)
            }
        }

        static func store(_ record: LeaseRecord, _ s: inout State) throws -> LeaseRecord {
            if s.failWrites { throw TestFailure() }
            s.version += 1
            var r = record
            r.resourceVersion = String(s.version)
            s.record = r
            s.log.append(r.holderIdentity.isEmpty ? "released" : "held by \(r.holderIdentity)")
            return r
        }

        func note(_ line: String) { state.withLock { $0.log.append(line) } }
        var record: LeaseRecord? { state.withLock { $0.record } }
        var log: [String] { state.withLock { $0.log } }
    }

    struct TestFailure: Error {}

    func elector(_ store: MemoryLeaseStore, _ clock: ManualClock) throws -> LeaderElector {
        let config = try LeaderElectionConfig(leaseNamespace: "vigil", leaseName: "vigil-leader", identity: "a", timing: .fast, pollJitter: 0)
        return LeaderElector(config: config, store: store, clock: clock, seed: 1)
    }

    func waitUntil(_ condition: () -> Bool) async {
        for _ in 0..<10_000 where !condition() { await Task.yield() }
    }

    @Test func leadsReleasesAfterItsWorkEndsAndFinishesTheStream() async throws {
        let store = MemoryLeaseStore()
        let clock = ManualClock(start: 100)
        let elector = try elector(store, clock)
        let changes = elector.changes()
        let task = Task {
            await elector.run(whileLeading: {
                store.note("work started")
                while !Task.isCancelled { try? await clock.sleep(for: 1000) }
                store.note("work ended")
            })
        }
        await waitUntil { store.log.contains("work started") }
        #expect(elector.isLeader)
        #expect(elector.currentLeader == "a")
        task.cancel()
        await task.value
        #expect(!elector.isLeader)
        #expect(store.log == ["held by a", "work started", "work ended", "released"])
        #expect(store.record?.leaseDurationSeconds == 1)
        var seen: [LeadershipChange] = []
        for await c in changes { seen.append(c) }
        #expect(seen == [.newLeader("a"), .becameLeader, .lostLeadership(.shutdown)])
    }

    @Test func stopsLeadingAtTheRenewDeadlineWhenWritesFail() async throws {
        let store = MemoryLeaseStore()
        let clock = ManualClock()
        let elector = try elector(store, clock)
        let task = Task { await elector.run() }
        await waitUntil { elector.isLeader }
        #expect(elector.isLeader)
        store.state.withLock { $0.failWrites = true }
        // Renewals at 0.5, 1.0, … fail; the acquisition was sent at 0, so the deadline is 3.0.
        for _ in 0..<5 {
            await waitUntil { clock.sleeperCount > 0 }
            clock.advance(by: 0.5)
            await waitUntil { false }
        }
        #expect(elector.isLeader)  // at 2.5
        clock.advance(by: 0.5)  // 3.0
        await waitUntil { !elector.isLeader }
        #expect(!elector.isLeader)
        #expect(store.record?.holderIdentity == "a")  // still named, but no longer acting
        task.cancel()
        await task.value
    }
}
