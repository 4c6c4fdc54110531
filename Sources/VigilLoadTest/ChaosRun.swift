import Foundation
import VigilJSON

/// The multi-process HA chaos test (issue 4): replica processes of the test
/// controller work on `HATask`s (each fires its effects one per reconcile
/// through the effect ledger to the receiver) while the driver SIGKILLs the
/// leader and other replicas again and again (each slot is restarted under a
/// new identity), adds namespaces and removes finished ones. Afterwards it
/// waits until every task finished, stops the replicas gracefully and judges
/// the receiver's timeline (`TimelineAnalysis`).
public struct ChaosRun: Sendable {
    public struct Configuration: Sendable {
        public var replicas = 3
        public var initialNamespaces = 24
        public var effectsPerTask = 5
        public var periodSeconds = 0.4
        public var workMillis = 60
        public var kills = 10
        /// Seconds between kills (uniformly in this range).
        public var killInterval: ClosedRange<Double> = 2.5...4.0
        /// Seconds before a killed slot's replacement starts.
        public var restartDelay = 1.0
        /// Seconds between namespace additions during the kills.
        public var addInterval = 1.0
        /// Seconds to wait for every task to finish after the last kill.
        public var settleTimeout = 120.0
        public var seed: UInt64 = 42

        public init() {}
    }

    /// What the run measured.
    public struct Report: Sendable {
        public var analysis: TimelineAnalysis
        public var kills = 0
        public var leaderKills = 0
        public var namespacesAdded = 0
        public var namespacesRemoved = 0
        public var expectedEffects = 0
        /// Per kill: seconds until every namespace the victim owned (and that
        /// still exists) was worked on by another replica; nil if not seen.
        public var failovers: [Double?] = []
        /// Replicas that exited by themselves within 20 s of SIGTERM.
        public var gracefulExits = 0
        /// Of those, the ones whose exit status was not 0 (their graceful
        /// shutdown overran its bound and the rest was cancelled).
        public var nonZeroExits = 0
        public var replicasStopped = 0
        public var seconds = 0.0
        public var completed = false

        public var json: JSON {
            let a = analysis
            let times = failovers.compactMap { $0 }.sorted()
            return [
                "kills": .int(Int64(kills)), "leaderKills": .int(Int64(leaderKills)), "namespacesAdded": .int(Int64(namespacesAdded)),
                "namespacesRemoved": .int(Int64(namespacesRemoved)), "expectedEffects": .int(Int64(expectedEffects)),
                "uniqueEffects": .int(Int64(a.uniqueEffects)), "deliveries": .int(Int64(a.deliveries)),
                "rawDuplicateDeliveries": .int(Int64(a.rawDuplicates)), "duplicatesAfterDedup": .int(Int64(a.duplicateKeys.count)),
                "lostEffects": .int(Int64(a.lost.count)), "overlaps": .int(Int64(a.overlaps.count)),
                "epochRegressions": .int(Int64(a.epochRegressions.count)), "reconciles": .int(Int64(a.reconciles)),
                "failoverSecondsP50": .double(Stats.percentile(times, 0.5)), "failoverSecondsMax": .double(times.last ?? 0),
                "failoversMeasured": .int(Int64(times.count)), "gracefulExits": .int(Int64(gracefulExits)), "nonZeroExits": .int(Int64(nonZeroExits)),
                "replicasStoppedAtEnd": .int(Int64(replicasStopped)), "completed": .bool(completed), "seconds": .double(seconds),
            ]
        }
    }

    public let configuration: Configuration
    public let options: HACluster.Options

    public init(configuration: Configuration, options: HACluster.Options) {
        self.configuration = configuration
        self.options = options
    }

    public func run(log: @escaping @Sendable (String) -> Void = { _ in }) async throws -> Report {
        let c = configuration
        var random = SeededRandom(seed: c.seed)
        let cluster = try await HACluster.start(options)
        do {
            let report = try await drive(cluster, c, &random, log)
            await cluster.shutdown()
            return report
        } catch {
            await cluster.shutdown()
            throw error
        }
    }

    func drive(_ cluster: HACluster, _ c: Configuration, _ random: inout SeededRandom, _ log: @escaping @Sendable (String) -> Void) async throws
        -> Report
    {
        var report = Report(analysis: TimelineAnalysis(Timeline(), expected: [:], end: 0))
        var expected: [String: Int] = [:]
        var alive: [String] = []
        var nextNamespace = 0
        func newNamespace() async throws {
            let ns = String(format: "chaos-%03d", nextNamespace)
            nextNamespace += 1
            try await cluster.createTask(namespace: ns, effects: c.effectsPerTask, periodSeconds: c.periodSeconds, workMillis: c.workMillis)
            expected[ns] = c.effectsPerTask
            alive.append(ns)
        }
        for _ in 0..<c.initialNamespaces { try await newNamespace() }
        for slot in 0..<c.replicas { try await cluster.startReplica(slot: slot) }
        try await cluster.waitUntilStable(namespaces: alive.count, timeout: 60)
        log("ring settled with \(c.replicas) replicas and \(alive.count) namespaces")

        var kills: [(victim: String, at: Double, owned: Set<String>)] = []
        var pendingRestarts: [(slot: Int, at: Double)] = []
        var nextAdd = cluster.receiver.now() + c.addInterval
        var nextKill = cluster.receiver.now() + random.uniform(c.killInterval)
        while kills.count < c.kills {
            let now = cluster.receiver.now()
            for r in pendingRestarts where r.at <= now { try await cluster.startReplica(slot: r.slot) }
            pendingRestarts.removeAll { $0.at <= now }
            if now >= nextAdd {
                try await newNamespace()
                report.namespacesAdded += 1
                // Remove one namespace whose task finished, now and then.
                if alive.count > c.initialNamespaces / 2, let done = await firstCompleted(cluster, alive, c.effectsPerTask) {
                    try await cluster.deleteNamespace(done)
                    alive.removeAll { $0 == done }
                    report.namespacesRemoved += 1
                }
                nextAdd = now + c.addInterval
            }
            if now >= nextKill {
                let live = await cluster.liveReplicas
                let leader = await cluster.leader()
                let victim: String?
                if kills.count % 2 == 0, let leader, live.contains(leader) {
                    victim = leader
                } else {
                    let others = live.filter { $0 != leader }
                    victim = others.isEmpty ? nil : others[random.index(others.count)]
                }
                if let victim, let slot = await cluster.slot(of: victim) {
                    let owned = Set(await cluster.shards(victim)?.owned ?? [])
                    let at = await cluster.kill(victim)
                    if victim == leader { report.leaderKills += 1 }
                    kills.append((victim, at, owned))
                    pendingRestarts.append((slot, at + c.restartDelay))
                    log("kill \(kills.count): SIGKILL \(victim)\(victim == leader ? " (leader)" : "") owning \(owned.count) namespaces at \(String(format: "%.2f", at)) s")
                }
                nextKill = now + random.uniform(c.killInterval)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        for r in pendingRestarts { try await cluster.startReplica(slot: r.slot) }
        report.kills = kills.count

        // Every task must finish.
        let deadline = ContinuousClock.now + .seconds(c.settleTimeout)
        var unfinished = alive
        while ContinuousClock.now < deadline {
            var still: [String] = []
            for ns in unfinished where await !cluster.taskCompleted(namespace: ns, effects: c.effectsPerTask) { still.append(ns) }
            unfinished = still
            if unfinished.isEmpty { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        report.completed = unfinished.isEmpty
        log(unfinished.isEmpty ? "every task finished" : "tasks not finished after \(c.settleTimeout) s: \(unfinished)")
        // Let the last deliveries' reports land, then stop gracefully.
        try await Task.sleep(for: .milliseconds(500))
        for id in await cluster.liveReplicas {
            let (_, graceful, status) = await cluster.terminateWithStatus(id)
            report.replicasStopped += 1
            if graceful { report.gracefulExits += 1 }
            if graceful && status != 0 { report.nonZeroExits += 1 }
        }
        let end = cluster.receiver.now()
        let timeline = cluster.receiver.snapshot
        report.seconds = end
        report.expectedEffects = expected.values.reduce(0, +)
        report.analysis = TimelineAnalysis(timeline, expected: expected, end: end)
        let remaining = Set(alive)
        for k in kills {
            let owned = k.owned.intersection(remaining)
            let begins = cluster.receiver.firstBegins(of: owned, excluding: k.victim, after: k.at)
            // Not measured when nothing the victim owned is left, or not all of it was worked again.
            report.failovers.append(!owned.isEmpty && begins.count == owned.count ? (begins.values.max() ?? k.at) - k.at : nil)
        }
        return report
    }

    func firstCompleted(_ cluster: HACluster, _ namespaces: [String], _ effects: Int) async -> String? {
        for ns in namespaces.prefix(8) where await cluster.taskCompleted(namespace: ns, effects: effects) { return ns }
        return nil
    }
}

/// A small deterministic generator (SplitMix64) so a run can be repeated.
public struct SeededRandom: Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + Double(next() >> 11) / Double(1 << 53) * (range.upperBound - range.lowerBound)
    }

    public mutating func index(_ count: Int) -> Int { Int(next() % UInt64(count)) }
}

/// Percentiles of sorted samples (nearest rank).
public enum Stats {
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}
