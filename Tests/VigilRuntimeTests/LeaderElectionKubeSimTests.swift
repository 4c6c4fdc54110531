import Kube
import Synchronization
import ProcessFixtures
import Testing
import VigilJSON
import VigilRuntime

/// Several `LeaderElector`s in this process, each with its own `KubeClient`,
/// on one kube-sim Lease with the fast profile.
@Suite struct LeaderElectionKubeSimTests {
    /// Counts the replicas whose leader-only work is running, and remembers
    /// the most that ever ran at once (must be 1).
    final class Fence: Sendable {
        struct State {
            var active: Set<String> = []
            var maxActive = 0
            var starts: [(String, Double)] = []
        }

        let state = Mutex(State())
        let clock = SystemClock()

        func work(_ id: String) -> @Sendable () async -> Void {
            { [self] in
                let now = clock.now()
                state.withLock { s in
                    s.active.insert(id)
                    s.maxActive = max(s.maxActive, s.active.count)
                    s.starts.append((id, now))
                }
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(60)) }
                _ = state.withLock { $0.active.remove(id) }
            }
        }

        var maxActive: Int { state.withLock { $0.maxActive } }
        var active: Set<String> { state.withLock { $0.active } }
    }

    struct Replica {
        let elector: LeaderElector
        let task: Task<Void, Never>
        let changes: Task<[(LeadershipChange, Double)], Never>
    }

    static func start(_ ids: [String], sim: KubeSimProcess, fence: Fence, release: Bool = true) throws -> [String: Replica] {
        var replicas: [String: Replica] = [:]
        for id in ids {
            let config = try LeaderElectionConfig(leaseNamespace: "default", leaseName: "vigil-leader", identity: id, timing: .fast, releaseOnCancel: release)
            let client = try KubeClient(server: sim.url)
            let elector = LeaderElector(config: config, store: client)
            let stream = elector.changes()
            let clock = fence.clock
            let changes = Task {
                var seen: [(LeadershipChange, Double)] = []
                for await c in stream { seen.append((c, clock.now())) }
                return seen
            }
            let task = Task { await elector.run(whileLeading: fence.work(id)) }
            replicas[id] = Replica(elector: elector, task: task, changes: changes)
        }
        return replicas
    }

    /// Waits until exactly one replica leads (and the lease names it), polling
    /// every 10 ms and failing if two ever lead at once.
    static func awaitLeader(_ replicas: [String: Replica], excluding: Set<String> = [], within seconds: Double, clock: SystemClock) async throws -> String {
        let end = clock.now() + seconds
        while clock.now() < end {
            let leaders = replicas.filter { !excluding.contains($0.key) && $0.value.elector.isLeader }.map(\.key)
            #expect(leaders.count <= 1, "two leaders at once: \(leaders)")
            if leaders.count == 1 { return leaders[0] }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw ChildProcessError(message: "no leader within \(seconds) s")
    }

    @Test func oneLeaderAndAQuickHandOffOnRelease() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let fence = Fence()
        let clock = fence.clock
        let replicas = try Self.start(["r1", "r2", "r3"], sim: sim, fence: fence)
        let first = try await Self.awaitLeader(replicas, within: 3, clock: clock)
        let client = try KubeClient(server: sim.url)
        let lease = try await client.get(Lease.self, namespace: "default", name: "vigil-leader")
        #expect(lease.spec?.holderIdentity == first)
        #expect(lease.spec?.leaseDurationSeconds == 4)
        #expect(lease.spec?.renewTime.flatMap(RFC3339Time.init) != nil)
        #expect(replicas.values.allSatisfy { $0.elector.currentLeader == first || $0.elector.currentLeader == nil })

        // The leader shuts down gracefully: it stops its work, releases, and another takes over quickly.
        let stoppedAt = clock.now()
        replicas[first]!.task.cancel()
        await replicas[first]!.task.value
        let released = try await client.get(Lease.self, namespace: "default", name: "vigil-leader")
        #expect(released.spec?.holderIdentity == "" || released.spec?.holderIdentity != first)
        let second = try await Self.awaitLeader(replicas, excluding: [first], within: 2, clock: clock)
        let handOff = clock.now() - stoppedAt
        #expect(second != first)
        #expect(handOff < 2.0, "hand-off after release took \(handOff) s")  // ~0.4 s measured; slack for loaded CI machines
        let after = try await client.get(Lease.self, namespace: "default", name: "vigil-leader")
        #expect(after.spec?.holderIdentity == second)
        #expect(after.spec?.leaseTransitions == 1)
        #expect(fence.maxActive == 1)

        for r in replicas.values { r.task.cancel() }
        for r in replicas.values { await r.task.value }
        let log = await replicas[first]!.changes.value.map(\.0)
        #expect(log.contains(.becameLeader))
        #expect(log.contains(.lostLeadership(.shutdown)))
        #expect(fence.active.isEmpty)
        print("leader election: hand-off after release \(handOff) s")
    }

    @Test func takeoverAfterACrashWithinLeaseDurationPlusRetry() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let fence = Fence()
        let clock = fence.clock
        let replicas = try Self.start(["c1", "c2"], sim: sim, fence: fence, release: false)
        let first = try await Self.awaitLeader(replicas, within: 3, clock: clock)
        try await Task.sleep(for: .milliseconds(700))  // a few renewals
        // "Crash": stop renewing without releasing.
        let crashedAt = clock.now()
        replicas[first]!.task.cancel()
        await replicas[first]!.task.value
        let second = try await Self.awaitLeader(replicas, excluding: [first], within: 6, clock: clock)
        let takeover = clock.now() - crashedAt
        #expect(second != first)
        // Not before the lease could have expired (last renewal ≤ one retry period before the crash) …
        #expect(takeover > 4.0 - 0.5 - 0.05, "took over after \(takeover) s")
        // … and within lease duration + one retry period (small slack for scheduling).
        #expect(takeover < 4.0 + 0.5 + 1.0, "took over after \(takeover) s")  // lease + retry period, plus scheduling slack
        #expect(fence.maxActive == 1)
        let client = try KubeClient(server: sim.url)
        let lease = try await client.get(Lease.self, namespace: "default", name: "vigil-leader")
        #expect(lease.spec?.holderIdentity == second)
        #expect(lease.spec?.leaseTransitions == 1)
        for r in replicas.values { r.task.cancel() }
        for r in replicas.values { await r.task.value }
        print("leader election: takeover after crash \(takeover) s")
    }

    @Test func aStalledAPIServerMakesTheLeaderStepDown() async throws {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let fence = Fence()
        let clock = fence.clock
        let replicas = try Self.start(["s1", "s2"], sim: sim, fence: fence)
        let first = try await Self.awaitLeader(replicas, within: 3, clock: clock)
        let stallAt = clock.now()
        try await sim.setFaults(#"{"stallSeconds":4.5}"#)
        // The leader cannot renew: it stops at its renew deadline (≤ 3 s after its last renewal).
        while replicas[first]!.elector.isLeader, clock.now() < stallAt + 4 { try await Task.sleep(for: .milliseconds(10)) }
        let stepDown = clock.now() - stallAt
        #expect(!replicas[first]!.elector.isLeader)
        // The safety bound: it must stop before anyone else may take over (lease duration, 4 s);
        // the renew deadline (3 s) is when it should, measured ~2.9–3.0 s.
        #expect(stepDown < 4.0, "stepped down \(stepDown) s after the stall began")
        while !fence.active.isEmpty, clock.now() < stallAt + 4.2 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(fence.active.isEmpty, "the leader's work was not cancelled")
        // After the stall there is a leader again, and never were there two.
        _ = try await Self.awaitLeader(replicas, within: 8, clock: clock)
        #expect(fence.maxActive == 1)
        for r in replicas.values { r.task.cancel() }
        for r in replicas.values { await r.task.value }
        let log = await replicas[first]!.changes.value.map(\.0)
        #expect(log.contains(.lostLeadership(.renewDeadlineExceeded)))
        print("leader election: stepped down \(stepDown) s into a stall")
    }
}
