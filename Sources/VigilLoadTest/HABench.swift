import Foundation
import Synchronization
import VigilJSON
import VigilRuntime

/// `make bench-ha`: the figures of issue 4, each measured, printed as JSON
/// with a readable summary.
///
/// - Failover: replica processes of the test controller on kube-sim, one
///   heartbeat `HATask` per namespace (reconciled on every take-over). For
///   each kill (alternately the leader and a non-leader) the ring first
///   settles; the time is from SIGKILL (reaped) until every namespace the
///   victim owned (its `/shards`) was begun by another replica at the
///   receiver.
/// - Graceful hand-off: the same after SIGTERM.
/// - Balance and movement: rendezvous assignment of 10,000 namespace names
///   over 3 and 10 members (pure computation, the code the replicas use).
/// - Work-queue throughput: keys through a `WorkQueue` with workers, in
///   process.
/// - RSS: one replica owning 10,000 namespaces (one task each), after it
///   reconciled them all.
public struct HABench: Sendable {
    public struct Configuration: Sendable {
        public var kills = 30
        public var graceful = 6
        public var namespaces = 300
        public var replicas = 3
        public var rssNamespaces = 10_000
        public var profile = "fast"
        public init() {}
    }

    public let configuration: Configuration
    public let options: HACluster.Options

    public init(configuration: Configuration, options: HACluster.Options) {
        self.configuration = configuration
        self.options = options
    }

    // MARK: Pure figures

    /// max/mean of namespaces per member.
    public static func balance(namespaces: Int, members: Int) -> Double {
        let ids = (0..<members).map { MemberID("vigil-\($0)") }
        var counts: [MemberID: Int] = [:]
        for i in 0..<namespaces { counts[Rendezvous.owner(of: "ns-\(i)", among: ids)!, default: 0] += 1 }
        let mean = Double(namespaces) / Double(members)
        return Double(counts.values.max() ?? 0) / mean
    }

    /// Fraction of namespaces whose owner changes when one member leaves
    /// (`join: false`) or one joins (`join: true`) a ring of `members`.
    public static func moved(namespaces: Int, members: Int, join: Bool) -> Double {
        let before = (0..<members).map { MemberID("vigil-\($0)") }
        let after = join ? before + [MemberID("vigil-\(members)")] : Array(before.dropLast())
        var moved = 0
        for i in 0..<namespaces where Rendezvous.owner(of: "ns-\(i)", among: before) != Rendezvous.owner(of: "ns-\(i)", among: after) {
            moved += 1
        }
        return Double(moved) / Double(namespaces)
    }

    /// Keys per second through add → get → done with `workers` workers.
    public static func queueThroughput(keys: Int, workers: Int) async -> Double {
        let queue = WorkQueue<Int>(name: "bench")  // plain adds: the token bucket applies to rate-limited adds only
        final class Count: Sendable { let value = Atomic(0) }
        let processed = Count()
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    while let k = await queue.get() {
                        queue.done(k)
                        if processed.value.add(1, ordering: .relaxed).newValue == keys { queue.shutDown() }
                    }
                }
            }
            for k in 0..<keys { queue.add(k) }
        }
        return Double(keys) / Self.seconds(ContinuousClock.now - start)
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

    // MARK: Processes

    public func run(log: @escaping @Sendable (String) -> Void) async throws -> JSON {
        let c = configuration
        var out = JSONObject()
        out["profile"] = .string(c.profile)

        var shard = JSONObject()
        for n in [3, 10] {
            shard["balanceMaxOverMean_\(n)"] = .double(Self.balance(namespaces: 10_000, members: n))
            shard["movedOnLeave_\(n)"] = .double(Self.moved(namespaces: 10_000, members: n, join: false))
            shard["movedOnJoin_\(n)"] = .double(Self.moved(namespaces: 10_000, members: n, join: true))
            shard["movedOnLeaveAim_\(n)"] = .double(1.1 / Double(n))
            shard["movedOnJoinAim_\(n)"] = .double(1.1 / Double(n + 1))
        }
        out["sharding10000"] = .object(shard)
        log("sharding 10,000 namespaces: " + String(decoding: JSON.object(shard).serialized(), as: UTF8.self))

        out["workQueueKeysPerSecond_4workers"] = .double(await Self.queueThroughput(keys: 200_000, workers: 4))
        out["workQueueKeysPerSecond_1worker"] = .double(await Self.queueThroughput(keys: 200_000, workers: 1))
        log("work queue: \(Int(out["workQueueKeysPerSecond_4workers"]?.doubleValue ?? 0)) keys/s with 4 workers, \(Int(out["workQueueKeysPerSecond_1worker"]?.doubleValue ?? 0)) with 1")

        var opts = options
        opts.profile = c.profile
        let cluster = try await HACluster.start(opts)
        do {
            try await failover(cluster, into: &out, log: log)
            await cluster.shutdown()
        } catch {
            await cluster.shutdown()
            throw error
        }

        var rssOptions = opts
        rssOptions.runDirectory += "/rss"
        let rssCluster = try await HACluster.start(rssOptions)
        do {
            try await rss(rssCluster, into: &out, log: log)
            await rssCluster.shutdown()
        } catch {
            await rssCluster.shutdown()
            throw error
        }
        return .object(out)
    }

    func failover(_ cluster: HACluster, into out: inout JSONObject, log: @escaping @Sendable (String) -> Void) async throws {
        let c = configuration
        // Only the bench-* namespaces have a task (default, kube-system… are owned but never reconciled).
        for i in 0..<c.namespaces {
            try await cluster.createTask(namespace: String(format: "bench-%04d", i), effects: 0, periodSeconds: 600, workMillis: 0, heartbeat: true)
        }
        for slot in 0..<c.replicas { try await cluster.startReplica(slot: slot) }
        try await cluster.waitUntilStable(namespaces: c.namespaces, timeout: 90)
        log("ring settled: \(c.replicas) replicas, \(c.namespaces) namespaces")

        var leaderTimes: [Double] = []
        var otherTimes: [Double] = []
        var misses = 0
        for k in 0..<c.kills {
            try await cluster.waitUntilStable(namespaces: c.namespaces, timeout: 90)
            let live = await cluster.liveReplicas
            guard let leader = await cluster.leader() else { continue }
            let victim = k % 2 == 0 ? leader : live.filter { $0 != leader }.first ?? leader
            guard let slot = await cluster.slot(of: victim), let owned = await cluster.shards(victim)?.owned.filter({ $0.hasPrefix("bench-") }), !owned.isEmpty else {
                throw HARunError(message: "kill \(k + 1): victim \(victim) owns nothing in a settled ring")
            }
            let at = await cluster.kill(victim)
            let done = await cluster.waitUntilWorked(Set(owned), excluding: victim, after: at, timeout: 60)
            if let done {
                (victim == leader ? { leaderTimes.append(done - at) } : { otherTimes.append(done - at) })()
                log("kill \(k + 1)/\(c.kills): \(victim)\(victim == leader ? " (leader)" : "") owned \(owned.count); worked again after \(String(format: "%.2f", done - at)) s")
            } else {
                misses += 1
                log("kill \(k + 1): \(victim)'s namespaces were not all worked again within 60 s")
            }
            try await cluster.startReplica(slot: slot)
        }
        var graceful: [Double] = []
        var gracefulLeader: [Double] = []
        for k in 0..<c.graceful {
            try await cluster.waitUntilStable(namespaces: c.namespaces, timeout: 90)
            let live = await cluster.liveReplicas
            guard let leader = await cluster.leader() else { continue }
            let victim = k % 2 == 0 ? live.filter { $0 != leader }.first ?? leader : leader
            guard let slot = await cluster.slot(of: victim), let owned = await cluster.shards(victim)?.owned.filter({ $0.hasPrefix("bench-") }), !owned.isEmpty else {
                throw HARunError(message: "SIGTERM \(k + 1): victim \(victim) owns nothing in a settled ring")
            }
            let sent = cluster.receiver.now()
            async let stopped = cluster.terminate(victim)
            let done = await cluster.waitUntilWorked(Set(owned), excluding: victim, after: sent, timeout: 30)
            _ = await stopped
            if let done {
                (victim == leader ? { gracefulLeader.append(done - sent) } : { graceful.append(done - sent) })()
                log("SIGTERM \(victim)\(victim == leader ? " (leader)" : ""): handed over \(owned.count) in \(String(format: "%.3f", done - sent)) s")
            }
            try await cluster.startReplica(slot: slot)
        }
        func summary(_ xs: [Double]) -> JSON {
            let s = xs.sorted()
            return [
                "count": .int(Int64(s.count)), "p50": .double(Stats.percentile(s, 0.5)), "p99": .double(Stats.percentile(s, 0.99)),
                "max": .double(s.last ?? 0),
            ]
        }
        out["failoverAfterSIGKILL_leader_seconds"] = summary(leaderTimes)
        out["failoverAfterSIGKILL_nonLeader_seconds"] = summary(otherTimes)
        out["failoverAfterSIGKILL_all_seconds"] = summary(leaderTimes + otherTimes)
        out["failoverMisses"] = .int(Int64(misses))
        out["handoffAfterSIGTERM_nonLeader_seconds"] = summary(graceful)
        out["handoffAfterSIGTERM_leader_seconds"] = summary(gracefulLeader)
        out["namespaces"] = .int(Int64(c.namespaces))
        func line(_ name: String, _ xs: [Double]) {
            let s = xs.sorted()
            log(name + String(format: ": p50 %.2f s, p99 %.2f s, max %.2f s over %d", Stats.percentile(s, 0.5), Stats.percentile(s, 0.99), s.last ?? 0, s.count))
        }
        line("failover after SIGKILL of the leader", leaderTimes)
        line("failover after SIGKILL of a non-leader", otherTimes)
        line("failover after SIGKILL, all", leaderTimes + otherTimes)
        line("hand-off after SIGTERM of a non-leader", graceful)
        line("hand-off after SIGTERM of the leader", gracefulLeader)
    }

    func rss(_ cluster: HACluster, into out: inout JSONObject, log: @escaping @Sendable (String) -> Void) async throws {
        let n = configuration.rssNamespaces
        let started = ContinuousClock.now
        // Created concurrently in batches (the client is the bound, not kube-sim).
        var i = 0
        while i < n {
            let batch = i..<min(i + 200, n)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for j in batch {
                    group.addTask {
                        try await cluster.createTask(
                            namespace: String(format: "rss-%05d", j), effects: 0, periodSeconds: 600, workMillis: 0, heartbeat: true)
                    }
                }
                try await group.waitForAll()
            }
            i = batch.upperBound
        }
        log("created \(n) namespaces with a task each in \(String(format: "%.1f", Self.seconds(ContinuousClock.now - started))) s")
        let id = try await cluster.startReplica(slot: 0)
        let t0 = cluster.receiver.now()
        try await cluster.waitUntilStable(namespaces: n, timeout: 300)
        let all = Set((0..<n).map { String(format: "rss-%05d", $0) })
        let done = await cluster.waitUntilWorked(all, excluding: "", after: 0, timeout: 300)
        let process = await cluster.process(id)
        try await Task.sleep(for: .seconds(2))
        let rss = process?.residentBytes ?? 0
        let cpu = process?.cpuSeconds ?? 0
        out["rss"] = [
            "namespaces": .int(Int64(n)), "residentMiB": .double(Double(rss) / 1_048_576), "cpuSecondsToOwnAndReconcileAll": .double(cpu),
            "secondsUntilAllReconciled": .double((done ?? t0) - t0),
        ]
        log("one replica holding \(n) namespaces: RSS \(String(format: "%.1f", Double(rss) / 1_048_576)) MiB, CPU \(String(format: "%.1f", cpu)) s")
    }
}
