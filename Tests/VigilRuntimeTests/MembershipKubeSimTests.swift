import Kube
import Synchronization
import ProcessFixtures
import Testing
import VigilRuntime

/// Several replicas in this process, each with its own `KubeClient`, a
/// `LeaderElector` whose leader runs a `ShardCoordinator`, and a
/// `ShardMember`, on one kube-sim, with durations scaled down (lease 2 s,
/// renew deadline 1.5 s, retry 0.25 s). Each replica runs a simulated
/// workload (short work items started through `startIfAllowed`, which its
/// `drain` waits for), and a sampler checks, throughout, that no namespace is
/// ever startable or in flight on two members at once.
@Suite struct MembershipKubeSimTests {
    static let timing = LeaderElectionConfig.Timing(leaseDuration: 2, renewDeadline: 1.5, retryPeriod: 0.25)
    static let namespaces = (0..<300).map { "tenant-\($0)" }

    /// One simulated replica.
    final class Replica: Sendable {
        let id: MemberID
        let member: ShardMember
        let elector: LeaderElector
        let coordinator: ShardCoordinator
        let tasks: Mutex<[Task<Void, Never>]>
        let drains: DrainLog
        let workload: Workload

        init(_ id: MemberID, sim: KubeSimProcess) throws {
            self.id = id
            let client = try KubeClient(server: sim.url)
            let config = try MembershipConfig(
                namespace: "default", ring: "test", member: id, address: "\(id).vigil:8080", timing: MembershipKubeSimTests.timing)
            let drains = DrainLog()
            let workload = Workload()
            self.drains = drains
            self.workload = workload
            member = ShardMember(
                config: config, client: client,
                drain: { keeping in
                    drains.epochs.withLock { $0.append(keeping.epoch) }
                    await workload.drain(keeping: keeping)
                }, stopAll: { released in
                    drains.stops.withLock { $0.append(released) }
                    workload.stopAll()
                })
            let election = try LeaderElectionConfig(
                leaseNamespace: "default", leaseName: "vigil-leader", identity: id.rawValue, timing: MembershipKubeSimTests.timing, releaseOnCancel: false)
            elector = LeaderElector(config: election, store: client)
            coordinator = ShardCoordinator(config: config, leases: client, maps: client)
            tasks = Mutex([])
        }

        func start() {
            let member = member, elector = elector, coordinator = coordinator
            let t1 = Task { await member.run() }
            let t2 = Task { await elector.run(whileLeading: { await coordinator.run() }) }
            let workload = workload
            let t3 = Task { await workload.run(member) }
            tasks.withLock { $0 += [t1, t2, t3] }
        }

        /// A crash: every task is cancelled; nothing is released.
        func crash() {
            for t in tasks.withLock({ $0 }) { t.cancel() }
        }

        func startable() -> Set<String> {
            Set(MembershipKubeSimTests.namespaces.filter { member.mayStart($0) })
        }

        /// Startable now or still in flight.
        func active() -> Set<String> {
            startable().union(workload.inFlight(at: SystemClock().now()))
        }
    }

    /// Simulated reconciles: every 10 ms it tries to start work on ten random
    /// namespaces (through `startIfAllowed`); each item runs 50–200 ms.
    /// `drain` waits for items outside the kept assignment; `stopAll` and a
    /// crash drop everything (the work dies with the process).
    final class Workload: Sendable {
        let items = Mutex<[String: Double]>([:])
        let clock = SystemClock()

        func run(_ member: ShardMember) async {
            while !Task.isCancelled {
                let now = clock.now()
                items.withLock { $0 = $0.filter { $0.value > now } }
                for _ in 0..<10 {
                    let ns = MembershipKubeSimTests.namespaces.randomElement()!
                    _ = member.startIfAllowed(ns) {
                        items.withLock { $0[ns] = max($0[ns] ?? 0, now + Double.random(in: 0.05...0.2)) }
                    }
                }
                try? await Task.sleep(for: .milliseconds(10))
            }
            stopAll()
        }

        func inFlight(at now: Double) -> Set<String> {
            items.withLock { Set($0.filter { $0.value > now }.keys) }
        }

        func drain(keeping: ShardAssignment) async {
            while !Task.isCancelled, inFlight(at: clock.now()).contains(where: { !keeping.owns($0) }) {
                try? await Task.sleep(for: .milliseconds(5))
            }
        }

        func stopAll() {
            items.withLock { $0 = [:] }
        }
    }

    /// The epochs each `drain` was asked for.
    final class DrainLog: Sendable {
        let epochs = Mutex<[Int]>([])
        /// `stopAll`'s `released` argument, per call.
        let stops = Mutex<[Bool]>([])
    }

    /// Samples every replica's `mayStart` over all namespaces until stopped.
    final class Sampler: Sendable {
        struct State {
            var samples = 0
            var overlaps: [String] = []
        }

        let state = Mutex(State())

        func run(_ replicas: [Replica]) async {
            while !Task.isCancelled {
                var seen: [String: MemberID] = [:]
                var overlaps: [String] = []
                for r in replicas {
                    for ns in r.active() {
                        if let other = seen[ns] { overlaps.append("\(ns) on \(other) and \(r.id)") }
                        seen[ns] = r.id
                    }
                }
                state.withLock { s in
                    s.samples += 1
                    s.overlaps += overlaps.prefix(10)
                }
                try? await Task.sleep(for: .milliseconds(3))
            }
        }

        var samples: Int { state.withLock { $0.samples } }
        var overlaps: [String] { state.withLock { $0.overlaps } }
    }

    /// Waits until the published map is committed with exactly `members` and
    /// every one of them has adopted it; returns the map and the seconds taken.
    static func waitForCommitted(
        _ members: [Replica], reader: KubeClient, timeout: Double, clock: SystemClock = SystemClock()
    ) async throws -> (ShardMap, Double) {
        let start = clock.now()
        let wanted = members.map(\.id).sorted()
        while clock.now() - start < timeout {
            let (map, _) = try await reader.readShardMap(namespace: "default")
            if map.isCommitted, map.members == wanted,
                members.allSatisfy({ r in
                    let v = r.member.view
                    return v.phase == .active && v.epoch == map.epoch && (v.map?.isCommitted ?? false)
                })
            {
                return (map, clock.now() - start)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let (map, _) = try await reader.readShardMap(namespace: "default")
        let views = members.map { "\($0.id): \($0.member.view.phase) \($0.member.view.map.map(\.description) ?? "-")" }
        Issue.record("no committed epoch with \(wanted) within \(timeout) s; last map \(map); views \(views)")
        return (map, clock.now() - start)
    }

    /// Every namespace startable on exactly one of `members`.
    static func expectPartition(_ members: [Replica], sourceLocation: SourceLocation = #_sourceLocation) {
        var count: [String: Int] = [:]
        for r in members {
            for ns in r.startable() { count[ns, default: 0] += 1 }
        }
        let missing = namespaces.filter { count[$0] == nil }
        let doubled = namespaces.filter { (count[$0] ?? 0) > 1 }
        #expect(missing.isEmpty, "not startable anywhere: \(missing.prefix(5))", sourceLocation: sourceLocation)
        #expect(doubled.isEmpty, "startable twice: \(doubled.prefix(5))", sourceLocation: sourceLocation)
    }

    /// A member that cannot reach the API server when told to leave fences
    /// itself (renew deadline) and `leave` returns then, instead of waiting
    /// out the whole hand-off timeout for a hand-off that cannot happen.
    /// One that never joined owns nothing and returns at once.
    @Test(.timeLimit(.minutes(1)))
    func leavingWithoutTheAPIServerEndsAtTheFenceNotTheTimeout() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let reader = try KubeClient(server: sim.url)
        let clock = SystemClock()

        let idle = try Replica(MemberID("vigil-idle"), sim: sim)
        #expect(await idle.member.leave(timeout: 30) == .ownedNothing)

        let replica = try Replica(MemberID("vigil-0"), sim: sim)
        replica.start()
        defer { replica.crash() }
        _ = try await Self.waitForCommitted([replica], reader: reader, timeout: 8)
        #expect(!replica.startable().isEmpty)

        try await sim.setFaults(#"{"stallSeconds":8}"#)
        let started = clock.now()
        let result = await replica.member.leave(timeout: 30)
        let took = clock.now() - started
        #expect(result == .ownedNothing)
        #expect(replica.startable().isEmpty, "fenced: owns nothing")
        // Fenced within the renew deadline (1.5 s) of the last renewal, then one bounded release attempt.
        #expect(took < 2 * Self.timing.renewDeadline + 1.5, "leave took \(took) s (the timeout was 30 s)")
        try await sim.setFaults(#"{}"#)
    }

    @Test(.timeLimit(.minutes(1)))
    func joinLeaveAndCrashNeverOverlap() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let reader = try KubeClient(server: sim.url)
        let clock = SystemClock()
        let replicas = try ["vigil-0", "vigil-1", "vigil-2"].map { try Replica(MemberID($0), sim: sim) }
        let sampler = Sampler()
        let sampling = Task { await sampler.run(replicas) }
        defer { sampling.cancel() }
        for r in replicas { r.start() }

        // Three members join: one committed epoch with all three.
        let (joined, joinTime) = try await Self.waitForCommitted(replicas, reader: reader, timeout: 8)
        Self.expectPartition(replicas)
        let leader = try #require(replicas.first { $0.elector.isLeader })
        let others = replicas.filter { $0 !== leader }
        let lease = try await reader.getMemberLease(namespace: "default", name: "vigil-member-\(others[0].id)")
        #expect(lease?.address == "\(others[0].id).vigil:8080")
        #expect(lease?.ring == "test")
        #expect(lease?.ackEpoch == joined.epoch)

        // A graceful leave: handed off without waiting for any lease to expire.
        let leaving = others[0]
        let leaveStart = clock.now()
        let handedOff = await leaving.member.leave(timeout: 5)
        let leaveTime = clock.now() - leaveStart
        #expect(handedOff == .handedOff)
        leaving.crash()  // its elector (not leader); the member's run already ended
        let stay = replicas.filter { $0 !== leaving }
        let (afterLeave, committedAfterLeave) = try await Self.waitForCommitted(stay, reader: reader, timeout: 4)
        #expect(afterLeave.epoch > joined.epoch)
        // `.handedOff` above is the proof that no lease had to expire; the time only bounds it (the
        // suites run in parallel on shared cores, so the same bound as a graceful leave's below).
        #expect(leaveTime < 2 * Self.timing.renewDeadline + 1.5, "a graceful leave took \(leaveTime) s")
        Self.expectPartition(stay)
        let released = try await reader.getMemberLease(namespace: "default", name: "vigil-member-\(leaving.id)")
        #expect(released?.holderIdentity == "")
        // Owning nothing after a graceful leave is reported as the release it is, not as a lost lease.
        let stops = clock.now()
        while leaving.drains.stops.withLock({ $0.isEmpty }) && clock.now() - stops < 2 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(leaving.drains.stops.withLock { $0 } == [true])

        // A crash: the member stops renewing; its namespaces move within
        // lease duration + retry period + hand-off.
        let victim = others[1]
        let lost = victim.startable()
        #expect(!lost.isEmpty)
        victim.crash()
        let survivors = stay.filter { $0 !== victim }
        let (afterCrash, crashTime) = try await Self.waitForCommitted(survivors, reader: reader, timeout: 8)
        #expect(afterCrash.epoch > afterLeave.epoch)
        #expect(victim.startable().isEmpty, "the crashed member must have fenced itself")
        Self.expectPartition(survivors)
        let takenOver = lost.filter { ns in survivors.contains { $0.member.mayStart(ns) } }
        #expect(takenOver.count == lost.count)
        let bound = Self.timing.leaseDuration + Self.timing.retryPeriod + 1.5
        #expect(crashTime < bound, "failover took \(crashTime) s (bound \(bound) s)")
        let marked = try await reader.getMemberLease(namespace: "default", name: "vigil-member-\(victim.id)")
        #expect(marked?.deadInEpoch == afterCrash.epoch)

        sampling.cancel()
        _ = await sampling.value
        #expect(sampler.overlaps.isEmpty, "startable or in flight on two members at once: \(sampler.overlaps.prefix(5))")
        #expect(sampler.samples > 100)
        print(
            "membership: join \(joinTime) s (epoch \(joined.epoch)), leave \(leaveTime) s + commit \(committedAfterLeave) s (epoch \(afterLeave.epoch)), crash → committed \(crashTime) s (epoch \(afterCrash.epoch)), \(sampler.samples) samples, coordinator writes \(leader.coordinator.mapWrites), marks \(leader.coordinator.marks)"
        )
        for r in replicas { r.crash() }
    }

    @Test(.timeLimit(.minutes(1)))
    func leaderCrashFailsOverAndTheMemberRejoins() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let reader = try KubeClient(server: sim.url)
        let clock = SystemClock()
        let replicas = try ["vigil-0", "vigil-1", "vigil-2"].map { try Replica(MemberID($0), sim: sim) }
        for r in replicas { r.start() }
        let (joined, _) = try await Self.waitForCommitted(replicas, reader: reader, timeout: 8)
        let leader = try #require(replicas.first { $0.elector.isLeader })
        // The same member id restarted later (a new process).
        let restarted = try Replica(leader.id, sim: sim)
        let sampler = Sampler()
        let sampling = Task { await sampler.run(replicas + [restarted]) }
        defer { sampling.cancel() }

        // The leader crashes: leadership moves first, then the new leader's
        // coordinator drops its member lease after a full lease duration.
        let crashStart = clock.now()
        leader.crash()
        let survivors = replicas.filter { $0 !== leader }
        let (afterCrash, crashTime) = try await Self.waitForCommitted(survivors, reader: reader, timeout: 10)
        #expect(afterCrash.epoch > joined.epoch)
        #expect(leader.startable().isEmpty)
        Self.expectPartition(survivors)
        let bound = 2 * Self.timing.leaseDuration + 2 * Self.timing.retryPeriod + 1.5
        #expect(crashTime < bound, "leader failover took \(crashTime) s (bound \(bound) s)")
        let marked = try await reader.getMemberLease(namespace: "default", name: "vigil-member-\(leader.id)")
        #expect(marked?.deadInEpoch == afterCrash.epoch)

        // The member comes back: it takes over its lease (removing the dead
        // mark) and is given namespaces again in a new committed epoch.
        restarted.start()
        let back = survivors + [restarted]
        let (rejoined, rejoinTime) = try await Self.waitForCommitted(back, reader: reader, timeout: 6)
        #expect(rejoined.epoch > afterCrash.epoch)
        Self.expectPartition(back)
        let renewed = try await reader.getMemberLease(namespace: "default", name: "vigil-member-\(leader.id)")
        #expect(renewed?.deadInEpoch == nil)
        #expect(renewed?.holderIdentity == leader.id.rawValue)
        #expect(restarted.member.lease.declaredDeadInEpoch == afterCrash.epoch)

        sampling.cancel()
        _ = await sampling.value
        #expect(sampler.overlaps.isEmpty, "startable or in flight on two members at once: \(sampler.overlaps.prefix(5))")
        print(
            "membership: leader crash → committed \(crashTime) s (epoch \(afterCrash.epoch)), rejoin \(rejoinTime) s (epoch \(rejoined.epoch)), \(sampler.samples) samples, total \(clock.now() - crashStart) s"
        )
        for r in back { r.crash() }
    }
}
