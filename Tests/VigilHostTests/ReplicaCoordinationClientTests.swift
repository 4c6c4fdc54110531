import Kube
import Logging
import ProcessFixtures
import Synchronization
import Testing
import VigilHost
import VigilRuntime

/// The leases and the shard map go through their own client, so a replica
/// whose controllers exhaust their qps limit still renews its member lease.
/// The 10,000-namespace load test fenced every replica again and again while
/// renewals queued behind the controllers' requests on one token bucket.
@Suite struct ReplicaCoordinationClientTests {
    /// Runs one replica's elector, coordinator and member on kube-sim for
    /// `seconds` while `flooders` tasks keep the controllers' client (qps
    /// 0.5, burst 1) saturated; returns how often the member went from
    /// active back to fenced, and whether it ever became active.
    func run(separateCoordinationClient: Bool, seconds: Double) async throws -> (becameActive: Bool, fencings: Int) {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let starved = try KubeClient(server: sim.url, options: .init(qps: 0.5, burst: 1))
        let coordination = try KubeClient(server: sim.url, options: Replica.coordinationOptions(from: .init(qps: 0.5, burst: 1)))
        let configuration = try ReplicaConfiguration(
            identity: "vigil-0", namespace: "default", address: "127.0.0.1:1", timing: .fast)
        let replica = Replica(
            configuration: configuration, client: starved, coordinationClient: separateCoordinationClient ? coordination : nil,
            logger: Logger(label: "test"))
        let member = replica.member, elector = replica.elector, coordinator = replica.coordinator
        // On the replica's coordination thread, as its services run them
        // (and so a flood of Swift's pool by another suite cannot interfere).
        let onTime = replica.coordinationExecutor
        var tasks: [Task<Void, Never>] = [
            Task(executorPreference: onTime) { await member.run() },
            Task(executorPreference: onTime) { await elector.run(whileLeading: { await coordinator.run() }) },
        ]
        // The controllers' share: requests queued far beyond the lease's 4 s.
        for _ in 0..<8 {
            tasks.append(Task {
                while !Task.isCancelled { _ = try? await starved.get(ConfigMap.self, namespace: "default", name: "absent") }
            })
        }
        var becameActive = false
        var fencings = 0
        var wasActive = false
        let end = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < end {
            let active = member.view.phase == .active
            if active { becameActive = true }
            if wasActive && member.view.phase == .fenced { fencings += 1 }
            wasActive = active
            try await Task.sleep(for: .milliseconds(50))
        }
        for t in tasks { t.cancel() }
        for t in tasks { await t.value }
        return (becameActive, fencings)
    }

    @Test(.timeLimit(.minutes(1)))
    func aReplicaWhoseControllersExhaustTheirQPSStillRenewsItsMemberLease() async throws {
        let separate = try await run(separateCoordinationClient: true, seconds: 12)
        #expect(separate.becameActive, "the member joins and adopts a map through the coordination client")
        #expect(separate.fencings == 0, "the member lease is renewed on time: no fencing")
    }

    /// The same replica with one shared client: the renewals wait behind the
    /// flood, so the member never gets going or is fenced. This is what the
    /// separate client is for; if it ever stops failing, the test above
    /// proves nothing.
    @Test(.timeLimit(.minutes(1)))
    func withOneSharedClientTheSameFloodStarvesTheMember() async throws {
        let shared = try await run(separateCoordinationClient: false, seconds: 12)
        #expect(!shared.becameActive || shared.fencings > 0)
    }
}
