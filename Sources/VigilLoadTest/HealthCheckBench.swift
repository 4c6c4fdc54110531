import Foundation
import Kube
import ProcessFixtures
import VigilAPI
import VigilHTTP
import VigilJSON

/// Issue 12's measurements (`make bench-hc`): `checks` HTTP HealthChecks
/// (every `interval` seconds, spread over `namespaces` namespaces) on
/// `replicas` real `vigil run` processes against kube-sim, probing the bench
/// server, which logs every request with the run number and scheduled slot
/// Vigil sends. Over a window of `duration` seconds a random replica is
/// SIGKILLed every `killEvery` seconds (a fresh replica joins after each).
///
/// Measured:
/// - start jitter: a probe's arrival − its scheduled slot, for every probe of
///   the window, and separately for the probes whose namespace did not change
///   hands between the slot and the probe (sampled from every replica's
///   `/shards` twice a second): the others waited for a failover (the killed
///   owner's lease to expire) or a hand-off (a replacement replica joining),
///   which the longest time a namespace had no owner measures;
/// - doubled runs (two probes for one slot or one run number), slots without
///   a probe, and how those are accounted for: runs judged `Unknown` (their
///   replica was killed between recording the run and finishing the probe —
///   never re-sent, by design) and slots folded by the catch-up rule
///   (`missedCount`); a slot accounted for by neither is lost;
/// - API requests per run (kube-sim's own count over the window, including
///   what the replacement replicas cost to start), RSS and CPU per replica,
///   kube-sim's CPU.
public struct HealthCheckBench: Sendable {
    public struct Configuration: Sendable {
        public var checks = 2000
        public var namespaces = 200
        public var replicas = 3
        /// Every check's interval, seconds.
        public var interval = 30
        /// Seconds over which the checks are created (their slots are
        /// anchored at creation); nil: one interval, so runs are spread
        /// evenly. 0 creates them as fast as possible (bursts of due runs).
        public var spread: Double?
        /// The measured window, seconds.
        public var duration = 600.0
        /// A SIGKILL every so many seconds in the window; 0: none.
        public var killEvery = 60.0
        public var qps = 200
        public var seed: UInt64 = 12
        public var vigilBinary: String
        public var runDirectory: String
        public init(vigilBinary: String, runDirectory: String) {
            self.vigilBinary = vigilBinary
            self.runDirectory = runDirectory
        }
    }

    public let configuration: Configuration
    public init(configuration: Configuration) { self.configuration = configuration }

    static let descriptor = ResourceDescriptor(group: "vigil.dev", version: "v1alpha1", kind: "HealthCheck", plural: "healthchecks", namespaced: true)

    func namespace(_ i: Int) -> String { String(format: "hc-%04d", i % configuration.namespaces) }
    func name(_ i: Int) -> String { String(format: "c%05d", i) }

    /// One SIGKILL: when, and whom.
    struct Kill {
        var at: Double
        var id: String
    }

    public func run(log: @escaping @Sendable (String) -> Void) async throws -> JSON {
        let c = configuration
        let fm = FileManager.default
        try? fm.removeItem(atPath: c.runDirectory)
        try fm.createDirectory(atPath: c.runDirectory, withIntermediateDirectories: true)
        let kubeconfig = c.runDirectory + "/kubeconfig"
        let sim = try await KubeSimProcess.start(arguments: ["--kubeconfig-out", kubeconfig, "--event-window", "400000"])
        let server = HealthCheckBenchServer(port: try freeLoopbackPort())
        let serving = Task { try? await server.run() }
        var processes: [ReplicaProcess] = []
        let http = try HTTPClient()
        let sampler = OwnershipSampler(http: http)
        let sampling = Task { await sampler.run() }
        defer {
            sampling.cancel()
            for p in processes { p.killNow() }
            serving.cancel()
            sim.stop()
            http.shutdown()
        }
        let client = try KubeClient(server: sim.url, options: KubeClient.Options(qps: 0))
        try await BenchCluster.prepare(client)
        try await BenchCluster.inBatches(c.namespaces) { j in
            _ = try await client.create(.namespaces, Namespace(metadata: ObjectMeta(name: namespace(j))))
        }
        func start(_ id: String) throws -> ReplicaProcess {
            try BenchCluster.replica(id, binary: c.vigilBinary, kubeconfig: kubeconfig, qps: c.qps, runDirectory: c.runDirectory)
        }
        processes = try (0..<c.replicas).map { try start("vigil-\($0)") }
        sampler.watch(processes)
        try await BenchCluster.waitFor("\(c.replicas) ready replicas sharing \(c.namespaces) namespaces", seconds: 120) {
            var owned: Set<String> = []
            for p in processes { owned.formUnion(await OwnershipSampler.owned(p, http) ?? []) }
            return (0..<c.namespaces).allSatisfy { owned.contains(namespace($0)) }
        }
        log("\(c.replicas) vigil replicas ready, \(c.namespaces) namespaces")

        // The checks, created evenly over `spread` seconds: their slots are anchored at creation.
        let spread = c.spread ?? Double(c.interval)
        let created = Date().timeIntervalSince1970
        let make: @Sendable (Int) async throws -> Void = { i in
            let resource: JSON = [
                "apiVersion": "vigil.dev/v1alpha1", "kind": "HealthCheck", "metadata": ["name": .string(name(i)), "namespace": .string(namespace(i))],
                "spec": [
                    "schedule": ["every": .string("\(c.interval)s")],
                    "check": ["http": ["url": .string(server.url + "/check"), "timeout": "5s"]],
                ],
            ]
            _ = try await client.send(.create(Self.descriptor, namespace: namespace(i), body: resource.serialized()))
        }
        if spread <= 0 {
            try await BenchCluster.inBatches(c.checks, make)
        } else {
            var next = 0
            while next < c.checks {
                let due = min(c.checks, Int((Date().timeIntervalSince1970 - created) / spread * Double(c.checks)) + 1)
                if due > next {
                    let batch = next..<due
                    try await withThrowingTaskGroup(of: Void.self) { tasks in
                        for i in batch { tasks.addTask { try await make(i) } }
                        try await tasks.waitForAll()
                    }
                    next = due
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        log(String(format: "created %d HealthChecks (every %d s) over %.1f s", c.checks, c.interval, Date().timeIntervalSince1970 - created))

        // Warm-up: every check has run once.
        try await BenchCluster.waitFor("every HealthCheck's first run", seconds: Double(2 * c.interval + 120)) {
            guard let items = try? await list(client) else { return false }
            return items.filter { ($0[path: ["status", "runs"]]?.intValue ?? 0) >= 1 }.count >= c.checks
        }
        let windowStart = Date().timeIntervalSince1970
        let simBefore = try JSON.parse(Array(try await sim.stats().utf8))
        let simCPUBefore = ProcessUsage.cpuSeconds(pid: sim.pid) ?? 0
        log(String(format: "every check has run (%.1f s after the first was created); measuring for %.0f s%@", windowStart - created, c.duration,
            c.killEvery > 0 ? String(format: ", a SIGKILL every %.0f s", c.killEvery) : ""))

        var random = SeededRandom(seed: c.seed)
        var kills: [Kill] = []
        var spawned = c.replicas
        if c.killEvery > 0 {
            var at = windowStart + c.killEvery
            while at < windowStart + c.duration {
                try await sleepUntil(at)
                let live = processes.filter(\.isRunning)
                let victim = live[random.index(live.count)]
                await victim.kill()
                let when = Date().timeIntervalSince1970
                kills.append(Kill(at: when, id: victim.id))
                processes.append(try start("vigil-\(spawned)"))
                sampler.watch(processes)
                log(String(format: "+%.0f s: SIGKILL %@; vigil-%d started", when - windowStart, victim.id, spawned))
                spawned += 1
                at += c.killEvery
            }
        }
        try await sleepUntil(windowStart + c.duration)
        let windowEnd = Date().timeIntervalSince1970
        let simAfter = try JSON.parse(Array(try await sim.stats().utf8))
        let simCPUAfter = ProcessUsage.cpuSeconds(pid: sim.pid) ?? 0
        var replicaFigures: [JSON] = []
        for p in processes {
            let alive = p.isRunning
            let cpu = alive ? p.cpuSeconds ?? 0 : 0
            let lifetime = windowEnd - p.startedAt
            replicaFigures.append([
                "id": .string(p.id), "alive": .bool(alive), "residentMiB": alive ? .double(Double(p.residentBytes ?? 0) / 1_048_576) : .null,
                "cpuSeconds": alive ? .double(cpu) : .null, "lifetimeSeconds": .double(lifetime),
                "cpuPercentOfACore": alive ? .double(100 * cpu / lifetime) : .null,
            ])
        }
        // Slots up to windowEnd have had `interval` + 20 s to run (a run taken over after a kill included).
        log("window over; letting the last slots finish")
        try await Task.sleep(for: .seconds(Double(c.interval) + 20))
        // Statuses first, then the server's log: every run a status shows has sent its probe by then.
        let items = try await list(client)
        let (arrivals, malformed) = server.arrivals
        return analyse(
            items: items, arrivals: arrivals, malformed: malformed, kills: kills, window: (windowStart, windowEnd), sampler: sampler,
            api: (simBefore, simAfter), simCPU: simCPUAfter - simCPUBefore, replicas: replicaFigures, log: log)
    }

    func analyse(
        items: [JSON], arrivals: [HealthCheckBenchServer.Arrival], malformed: Int, kills: [Kill], window: (start: Double, end: Double), sampler: OwnershipSampler,
        api: (before: JSON, after: JSON), simCPU: Double, replicas: [JSON], log: @Sendable (String) -> Void
    ) -> JSON {
        let c = configuration
        let interval = Double(c.interval)
        var byCheck: [String: [HealthCheckBenchServer.Arrival]] = [:]
        for a in arrivals { byCheck[a.check, default: []].append(a) }
        var doubled: [String] = []
        var lost: [String] = []
        var due = 0
        var probed = 0
        var unknown = 0
        var folded = 0
        var failed = 0
        var jitterAll: [Double] = []
        var jitterSteady: [Double] = []
        for item in items {
            guard let ns = item[path: ["metadata", "namespace"]]?.stringValue, let n = item[path: ["metadata", "name"]]?.stringValue,
                let anchor = item[path: ["metadata", "creationTimestamp"]]?.stringValue.flatMap(RFC3339Time.init)?.secondsSinceEpoch
            else { continue }
            let key = "\(ns)/\(n)"
            let mine = byCheck[key] ?? []
            var perSlot: [Int: Int] = [:]
            var perRun: [Int: Int] = [:]
            for a in mine {
                perSlot[Int(((a.slot - anchor) / interval).rounded()), default: 0] += 1
                perRun[a.run, default: 0] += 1
            }
            if perSlot.values.contains(where: { $0 > 1 }) || perRun.values.contains(where: { $0 > 1 }) { doubled.append(key) }
            // The slots due inside the window, and which of them got a probe.
            let first = Int(((window.start - anchor) / interval).rounded(.up))
            let last = Int(((window.end - anchor) / interval).rounded(.down))
            var withoutProbe = 0
            if first <= last {
                for k in first...last {
                    due += 1
                    if perSlot[k] == nil { withoutProbe += 1 } else { probed += 1 }
                }
            }
            for a in mine where a.slot >= window.start && a.slot <= window.end {
                let j = a.at - a.slot
                jitterAll.append(j)
                if !sampler.changedHands(ns, from: a.slot - 1, to: a.at) { jitterSteady.append(j) }
            }
            let st = item["status"] ?? .null
            let u = Int(st["unknownCount"]?.intValue ?? 0)
            let m = Int(st["missedCount"]?.intValue ?? 0)
            unknown += u
            folded += m
            // Every kill happened inside the window, so every Unknown run and folded slot did too.
            if withoutProbe > u + m {
                let history = (st["history"]?.arrayValue ?? []).map { h in
                    "#\(h["number"]?.intValue ?? 0) \(h["scheduledAt"]?.stringValue ?? "") \(h["result"]?.stringValue ?? ""): \(h["message"]?.stringValue?.prefix(60) ?? "")"
                }
                let missing = (first...max(first, last)).filter { perSlot[$0] == nil }.map { RFC3339Time(secondsSinceEpoch: anchor + Double($0) * interval).text }
                let current = st["currentRun"].map { String(decoding: $0.serialized(), as: UTF8.self) } ?? "none"
                lost.append("\(key): \(withoutProbe) slots without a probe (\(missing.joined(separator: ", "))), \(u) unknown, \(m) folded; owner now \(sampler.owner(ns) ?? "none"); runs \(st["runs"]?.intValue ?? 0), nextRunAt \(st["nextRunAt"]?.stringValue ?? "-"), currentRun \(current); history \(history.prefix(3).joined(separator: " | "))")
            }
            failed += Int(st["failedCount"]?.intValue ?? 0)
        }
        jitterAll.sort()
        jitterSteady.sort()
        // The latest probes, for the log: which check, which slot, how late, relative to the kills.
        let latest = arrivals.filter { $0.slot >= window.start && $0.slot <= window.end }.sorted { $0.at - $0.slot > $1.at - $1.slot }.prefix(5)
        let runsInWindow = Double(max(1, probed))
        let apiRequests = (api.after["requests"]?.doubleValue ?? 0) - (api.before["requests"]?.doubleValue ?? 0)
        // Per run, by verb and by resource: where the requests go.
        func perRun(_ field: String) -> JSON {
            var o = JSONObject()
            for (k, v) in api.after[field]?.objectValue ?? JSONObject() {
                let d = (v.doubleValue ?? 0) - (api.before[path: [field, k]]?.doubleValue ?? 0)
                if d > 0 { o[k] = .double((d / runsInWindow * 100).rounded() / 100) }
            }
            return .object(o)
        }
        let result: JSON = [
            "checks": .int(Int64(c.checks)), "namespaces": .int(Int64(c.namespaces)), "replicas": .int(Int64(c.replicas)),
            "intervalSeconds": .int(Int64(c.interval)), "windowSeconds": .double(window.end - window.start), "kills": .int(Int64(kills.count)),
            "statusesRead": .int(Int64(items.count)),
            "slotsDue": .int(Int64(due)), "slotsProbed": .int(Int64(probed)), "slotsWithoutProbe": .int(Int64(due - probed)),
            "runsUnknown": .int(Int64(unknown)), "runsFailed": .int(Int64(failed)), "slotsFoldedByCatchUp": .int(Int64(folded)),
            "doubled": .int(Int64(doubled.count)), "lost": .int(Int64(lost.count)), "malformedProbes": .int(Int64(malformed)),
            "jitterSecondsP50": .double(Stats.percentile(jitterAll, 0.5)), "jitterSecondsP99": .double(Stats.percentile(jitterAll, 0.99)),
            "jitterSecondsMax": .double(jitterAll.last ?? 0),
            "steadyJitterSecondsP50": .double(Stats.percentile(jitterSteady, 0.5)), "steadyJitterSecondsP99": .double(Stats.percentile(jitterSteady, 0.99)),
            "probesWhileChangingHands": .int(Int64(jitterAll.count - jitterSteady.count)),
            "longestUnownedSeconds": .double(sampler.longestUnowned((0..<c.namespaces).map(namespace))),
            "apiRequestsPerRun": .double(apiRequests / runsInWindow), "apiRequestsInWindow": .double(apiRequests),
            "apiRequestsPerRunByVerb": perRun("byVerb"), "apiRequestsPerRunByResource": perRun("byResource"), "apiRequestsPerRunByCode": perRun("byCode"),
            "kubeSimCPUSecondsInWindow": .double(simCPU), "replicasDetail": .array(replicas),
        ]
        log(String(format: "start jitter (arrival − slot): p50 %.3f s, p99 %.3f s, max %.2f s over %d probes; without the %d whose namespace changed hands meanwhile: p50 %.3f s, p99 %.3f s (goal p99 ≤ 1 s)",
            Stats.percentile(jitterAll, 0.5), Stats.percentile(jitterAll, 0.99), jitterAll.last ?? 0, jitterAll.count,
            jitterAll.count - jitterSteady.count, Stats.percentile(jitterSteady, 0.5), Stats.percentile(jitterSteady, 0.99)))
        log("slots due in the window \(due): probed once \(probed), without a probe \(due - probed) (runs Unknown after a kill \(unknown), folded by catch-up \(folded)); runs failed \(failed); doubled \(doubled.count), lost \(lost.count) over \(kills.count) SIGKILLs (goal 0 doubled, 0 missed)")
        for a in latest {
            let kill = kills.last { $0.at <= a.at }.map { String(format: "%.1f s after killing %@", a.slot - $0.at, $0.id) } ?? "before any kill"
            log(String(format: "  late: %@ run %d, slot %@ (%@), %.2f s late", a.check, a.run, RFC3339Time(secondsSinceEpoch: a.slot).text, kill, a.at - a.slot))
        }
        for d in doubled.prefix(5) { log("  doubled: \(d)") }
        for l in lost.prefix(5) { log("  lost: \(l)") }
        log(String(format: "longest time a namespace had no owner (sampled every 0.5 s): %.1f s", sampler.longestUnowned((0..<c.namespaces).map(namespace))))
        log(String(format: "API requests per run %.2f (%.0f in the window, replacement replicas' start included); kube-sim CPU %.1f s", apiRequests / runsInWindow, apiRequests, simCPU))
        log("  per run by verb \(String(decoding: perRun("byVerb").serialized(), as: UTF8.self)), by resource \(String(decoding: perRun("byResource").serialized(), as: UTF8.self)), by code \(String(decoding: perRun("byCode").serialized(), as: UTF8.self))")
        for r in replicas where r["alive"]?.boolValue == true {
            log(String(format: "  %@: RSS %.1f MiB, CPU %.1f s over %.0f s (%.1f %% of a core)", r["id"]?.stringValue ?? "", r["residentMiB"]?.doubleValue ?? 0,
                r["cpuSeconds"]?.doubleValue ?? 0, r["lifetimeSeconds"]?.doubleValue ?? 0, r["cpuPercentOfACore"]?.doubleValue ?? 0))
        }
        return result
    }

    func list(_ client: KubeClient) async throws -> [JSON] {
        let body = try await client.send(.list(Self.descriptor, namespace: nil)).body
        return try JSON.parse(body)["items"]?.arrayValue ?? []
    }

    func sleepUntil(_ t: Double) async throws {
        let wait = t - Date().timeIntervalSince1970
        if wait > 0 { try await Task.sleep(for: .milliseconds(Int64(wait * 1000))) }
    }
}
