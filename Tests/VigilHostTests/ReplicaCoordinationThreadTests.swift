import Foundation
import Kube
import Logging
import ProcessFixtures
import ServiceLifecycle
import Synchronization
import Testing
import VigilHost
import VigilRuntime

/// The leases and the shard map run on a thread of their own, so a replica
/// whose reconciles keep Swift's pool busy still renews its member lease.
/// Serialized: each test floods the pool, and two floods would add up.
@Suite(.serialized) struct ReplicaCoordinationThreadTests {
    /// Runs one replica's services on kube-sim until its member is active,
    /// then for `seconds` while CPU-bound jobs keep every thread of Swift's
    /// pool busy for 500 ms at a time; returns how often the member was
    /// fenced under the flood (nil: it never became active before it).
    func fencingsUnderFlood(dedicatedThread: Bool, seconds: Double) async throws -> Int? {
        let sim = try await KubeSimProcess.start()
        defer { sim.stop() }
        let client = try KubeClient(server: sim.url)
        let configuration = try ReplicaConfiguration(identity: "vigil-0", namespace: "default", address: "127.0.0.1:1", timing: .fast)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let replica = Replica(configuration: configuration, client: client, dedicatedCoordinationThread: dedicatedThread, logger: logger)
        let group = ServiceGroup(configuration: .init(services: replica.services().map { .init(service: $0) }, logger: logger))
        let services = Task { try? await group.run() }
        defer { services.cancel() }
        let joined = ContinuousClock.now + .seconds(15)
        while replica.member.view.phase != .active, ContinuousClock.now < joined { try await Task.sleep(for: .milliseconds(50)) }
        guard replica.member.view.phase == .active else { return nil }
        // Several busy jobs per pool thread: a job that becomes ready waits
        // about (jobs ÷ threads) × 500 ms for its turn on the pool, longer
        // than the fast profile's 3 s renew deadline over a few steps.
        let stop = StopFlag()
        var flood: [Task<Void, Never>] = []
        for _ in 0..<(6 * ProcessInfo.processInfo.activeProcessorCount) {
            flood.append(Task.detached {
                while !stop.value.load(ordering: .relaxed) {
                    let until = ContinuousClock.now + .milliseconds(500)
                    while ContinuousClock.now < until {}
                    await Task.yield()
                }
            })
        }
        var fencings = 0
        var wasActive = true
        let end = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < end {
            let phase = replica.member.view.phase
            if wasActive && phase != .active { fencings += 1 }
            wasActive = phase == .active
            // A sleep of the test's own thread: the pool is busy.
            usleep(50_000)
        }
        stop.value.store(true, ordering: .relaxed)
        for t in flood { await t.value }
        services.cancel()
        await services.value
        return fencings
    }

    @Test(.timeLimit(.minutes(1)))
    func aReplicaWhosePoolIsBusyStillRenewsItsMemberLease() async throws {
        let fencings = try await fencingsUnderFlood(dedicatedThread: true, seconds: 10)
        #expect(fencings == 0, "the member lease is renewed on time on its own thread: no fencing")
    }

    /// The same flood with the leases on Swift's pool: the member is fenced.
    /// If this ever stops failing, the test above proves nothing.
    @Test(.timeLimit(.minutes(1)))
    func onTheBusyPoolTheSameReplicaIsFenced() async throws {
        let fencings = try await fencingsUnderFlood(dedicatedThread: false, seconds: 10)
        #expect(fencings != nil, "the member became active before the flood")
        #expect((fencings ?? 0) > 0, "renewals waited behind the flood past the renew deadline")
    }
}

final class StopFlag: Sendable {
    let value = Atomic<Bool>(false)
}
