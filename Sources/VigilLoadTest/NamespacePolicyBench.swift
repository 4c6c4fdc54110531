import Foundation
import Synchronization
import Kube
import ProcessFixtures
import VigilAPI
import VigilHTTP
import VigilJSON

/// Issue 5's measurements: `policies` NamespacePolicies on `replicas` real
/// `vigil run` processes against kube-sim. A fraction are TTL →
/// deleteNamespace, the rest TTL → webhook (to the receiver), with deadlines
/// spread over `spreadSeconds` after a warm-up. Measured: the delay from each
/// TTL deadline to its namespace being deleted (p50/p99), webhooks per second
/// while they fire, RSS and CPU per replica, and API requests per policy
/// fired (every replica's `vigil_api_requests_total`, all verbs).
public struct NamespacePolicyBench: Sendable {
    public struct Configuration: Sendable {
        public var policies = 1000
        public var replicas = 3
        /// Fraction of the policies whose action is a webhook (the rest delete their namespace).
        public var webhookFraction = 0.5
        /// Seconds before the first deadline (replicas start, sync and evaluate).
        public var warmupSeconds = 30.0
        /// Deadlines are spread evenly over this many seconds.
        public var spreadSeconds = 30.0
        /// Client-side rate limit per replica.
        public var qps = 200
        public var vigilBinary: String
        public var runDirectory: String
        public init(vigilBinary: String, runDirectory: String) {
            self.vigilBinary = vigilBinary
            self.runDirectory = runDirectory
        }
    }

    public let configuration: Configuration
    public init(configuration: Configuration) { self.configuration = configuration }

    public func run(log: @escaping @Sendable (String) -> Void) async throws -> JSON {
        let c = configuration
        try FileManager.default.createDirectory(atPath: c.runDirectory, withIntermediateDirectories: true)
        let kubeconfig = c.runDirectory + "/kubeconfig"
        try? FileManager.default.removeItem(atPath: kubeconfig)
        let sim = try await KubeSimProcess.start(arguments: ["--kubeconfig-out", kubeconfig, "--event-window", "200000"])
        let receiver = Receiver(port: try freeLoopbackPort())
        let receiving = Task { try? await receiver.run() }
        var processes: [ReplicaProcess] = []
        defer {
            for p in processes { p.killNow() }
            receiving.cancel()
            sim.stop()
        }
        let client = try KubeClient(server: sim.url, options: KubeClient.Options(qps: 0))
        // Every CRD, from the files users apply (each kind's informer must sync).
        try await BenchCluster.prepare(client)

        // Namespaces and policies, created concurrently.
        let started = Date()
        let firstDeadline = started.timeIntervalSince1970 + c.warmupSeconds
        let webhooks = Int((Double(c.policies) * c.webhookFraction).rounded())
        let deadlines = TimeLog()  // namespace → its TTL deadline (creation + ttl)
        var i = 0
        while i < c.policies {
            let batch = i..<min(i + 200, c.policies)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for j in batch {
                    group.addTask {
                        let ns = String(format: "nsp-%05d", j)
                        let created = try await client.create(.namespaces, Namespace(metadata: ObjectMeta(name: ns)))
                        let creation = created.metadata.creationTimestamp.flatMap(RFC3339Time.init)?.secondsSinceEpoch ?? Date().timeIntervalSince1970
                        let deadline = firstDeadline + c.spreadSeconds * Double(j) / Double(max(1, c.policies))
                        let ttl = max(1, Int((deadline - creation).rounded(.up)))
                        deadlines.set(ns, creation + Double(ttl))
                        let action: JSON = j < webhooks
                            ? ["webhook": ["url": .string(receiver.url + "/webhook"), "maxAttempts": 10]] : ["deleteNamespace": [:]]
                        let policy: JSON = [
                            "apiVersion": "vigil.dev/v1alpha1", "kind": "NamespacePolicy", "metadata": ["name": "p", "namespace": .string(ns)],
                            "spec": ["policies": [["name": "ttl", "condition": ["ttl": .string("\(ttl)s")], "action": action]]],
                        ]
                        _ = try await client.send(.create(NamespacePolicyDescriptor.value, namespace: ns, body: policy.serialized()))
                    }
                }
                try await group.waitForAll()
            }
            i = batch.upperBound
        }
        log("created \(c.policies) namespaces with a NamespacePolicy each (\(webhooks) webhook, \(c.policies - webhooks) deleteNamespace) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")

        // Deletions, as a watch sees them.
        let deletions = TimeLog()
        let watching = Task {
            var options = ListOptions()
            options.timeoutSeconds = 3600
            for try await event in client.watch(Namespace.self, options: options) {
                switch event {
                case .modified(let ns) where ns.metadata.deletionTimestamp != nil: deletions.record(ns.metadata.name ?? "")
                case .deleted(let ns): deletions.record(ns.metadata.name ?? "")
                default: break
                }
            }
        }
        defer { watching.cancel() }

        let http = try HTTPClient()
        let setUp = try await Snapshot.take([], sim: sim, http: http)
        processes = try BenchCluster.replicas(c.replicas, binary: c.vigilBinary, kubeconfig: kubeconfig, qps: c.qps, runDirectory: c.runDirectory)
        log("\(c.replicas) vigil replicas started; first deadline in \(String(format: "%.0f", firstDeadline - Date().timeIntervalSince1970)) s")

        // Everything before the first deadline is the cost of holding the
        // policies (sync, first evaluation, status); everything after it the
        // cost of firing them.
        let untilDeadline = firstDeadline - 0.5 - Date().timeIntervalSince1970
        if untilDeadline > 0 { try await Task.sleep(for: .milliseconds(Int64(untilDeadline * 1000))) } else {
            log("warning: the replicas started \(String(format: "%.1f", -untilDeadline)) s after the first deadline; raise --warmup")
        }
        let before = try await Snapshot.take(processes, sim: sim, http: http)

        // Wait until every deleteNamespace fired and every webhook arrived (or time out).
        let expectedDeletions = c.policies - webhooks
        let limit = firstDeadline + c.spreadSeconds + 120
        while Date().timeIntervalSince1970 < limit {
            let deleted = deletions.count(prefix: "nsp-")
            let delivered = Set(receiver.webhookDeliveries.map(\.id)).count
            if deleted >= expectedDeletions && delivered >= webhooks { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let end = Date().timeIntervalSince1970
        let after = try await Snapshot.take(processes, sim: sim, http: http)
        var perReplica: [JSON] = []
        for (i, p) in processes.enumerated() {
            perReplica.append([
                "id": .string(p.id), "residentMiB": .double(Double(p.residentBytes ?? 0) / 1_048_576),
                "peakResidentMiB": .double(Double(p.peakResidentBytes ?? 0) / 1_048_576),
                "cpuSecondsBeforeFiring": .double(before.replicaCPU[i]), "cpuSecondsFiring": .double(after.replicaCPU[i] - before.replicaCPU[i]),
                "apiRequestsBeforeFiring": .double(before.replicaRequests[i]), "apiRequestsFiring": .double(after.replicaRequests[i] - before.replicaRequests[i]),
                "watchEventsFiring": .double(after.replicaWatchEvents[i] - before.replicaWatchEvents[i]),
            ])
        }
        // Delays from each deleteNamespace policy's deadline to the deletion seen.
        var delays: [Double] = []
        var lastDeletion = firstDeadline
        for j in webhooks..<c.policies {
            let ns = String(format: "nsp-%05d", j)
            if let at = deletions.time(ns), let deadline = deadlines.time(ns) {
                delays.append(at - deadline)
                lastDeletion = max(lastDeletion, at)
            }
        }
        delays.sort()
        let webhookTimes = receiver.webhookDeliveries
        let unique = Set(webhookTimes.map(\.id)).count
        let firstAt = webhookTimes.map(\.at).min() ?? 0
        let lastAt = webhookTimes.map(\.at).max() ?? 0
        let fired = delays.count + unique
        let lastEffect = max(lastDeletion, lastAt)
        // The firing window: from the first deadline to the last effect seen.
        let window = max(0.001, lastEffect - firstDeadline)
        let firingRequests = after.replicaRequests.reduce(0, +) - before.replicaRequests.reduce(0, +)
        let firingReplicaCPU = after.replicaCPU.reduce(0, +) - before.replicaCPU.reduce(0, +)
        let firingSimCPU = after.simCPU - before.simCPU
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        let machineCPU = (firingReplicaCPU + firingSimCPU) / (window * cores)
        let perFired = { (x: Double) in fired > 0 ? x / Double(fired) : 0 }
        let simRequestsByResource = after.simRequests("byResource", since: before)
        let simRequestsBeforeFiring = before.simRequests("byResource", since: setUp)
        // Which limit held the run back, from what was measured in it.
        let busiestQPS = zip(after.replicaRequests, before.replicaRequests).map { ($0 - $1) / window }.max() ?? 0
        let bound: String
        if machineCPU >= 0.85 {
            bound = String(format: "machine CPU (%.0f%% of %d cores: kube-sim %.1f s, replicas %.1f s in %.1f s)", machineCPU * 100, Int(cores), firingSimCPU, firingReplicaCPU, window)
        } else if busiestQPS >= 0.9 * Double(c.qps) {
            bound = String(format: "client qps (the busiest replica sent %.0f requests/s, its limit is %d)", busiestQPS, c.qps)
        } else if firingSimCPU / window >= 0.9 {
            bound = String(format: "kube-sim CPU (%.0f%% of one core)", firingSimCPU / window * 100)
        } else {
            bound = String(format: "neither CPU (%.0f%% of the machine) nor client qps (%.0f of %d/s): latency and waiting", machineCPU * 100, busiestQPS, c.qps)
        }
        let result: JSON = [
            "policies": .int(Int64(c.policies)), "replicas": .int(Int64(c.replicas)), "qpsPerReplica": .int(Int64(c.qps)),
            "spreadSeconds": .double(c.spreadSeconds),
            "namespacesDeleted": .int(Int64(delays.count)), "deleteExpected": .int(Int64(expectedDeletions)),
            "deletionsPerSecond": .double(lastDeletion > firstDeadline ? Double(delays.count) / (lastDeletion - firstDeadline) : 0),
            "ttlToDeletedSecondsP50": .double(Stats.percentile(delays, 0.5)), "ttlToDeletedSecondsP99": .double(Stats.percentile(delays, 0.99)),
            "ttlToDeletedSecondsMax": .double(delays.last ?? 0),
            "webhooksUnique": .int(Int64(unique)), "webhooksRaw": .int(Int64(webhookTimes.count)), "webhooksExpected": .int(Int64(webhooks)),
            "webhooksPerSecondWhileFiring": .double(lastAt > firstAt ? Double(unique) / (lastAt - firstAt) : 0),
            "apiRequestsPerPolicyBeforeFiring": .double(before.replicaRequests.reduce(0, +) / Double(max(1, c.policies))),
            "apiRequestsPerFiring": .double(perFired(firingRequests)),
            "apiRequestsTotal": .double(after.replicaRequests.reduce(0, +)),
            "kubeSimRequestsPerPolicyBeforeFiringByResource": .object(JSONObject(simRequestsBeforeFiring.map {
                (key: $0.key, value: JSON.double($0.value / Double(max(1, c.policies))))
            }.sorted { $0.key < $1.key })),
            "kubeSimRequestsPerFiringByResource": .object(JSONObject(simRequestsByResource.map { (key: $0.key, value: JSON.double(perFired($0.value))) }.sorted { $0.key < $1.key })),
            "firingWindowSeconds": .double(window),
            "kubeSimCPUSecondsFiring": .double(firingSimCPU), "replicasCPUSecondsFiring": .double(firingReplicaCPU),
            "kubeSimCPUMsPerFiring": .double(perFired(firingSimCPU * 1000)),
            "perReplicaCPUMsPerFiring": .double(perFired(firingReplicaCPU * 1000) / Double(max(1, c.replicas))),
            // Every replica watches the whole cluster and drops what it does not own.
            "watchEventsPerReplicaPerFiring": .double(perFired(zip(after.replicaWatchEvents, before.replicaWatchEvents).map { $0 - $1 }.reduce(0, +)) / Double(max(1, c.replicas))),
            "machineCPUFractionFiring": .double(machineCPU),
            "bound": .string(bound),
            "secondsFromStartToEnd": .double(end - started.timeIntervalSince1970), "replicasDetail": .array(perReplica),
        ]
        log(String(
            format: "%d policies, %d replicas, spread %.0f s: %d of %d namespaces deleted, %.0f/s; TTL deadline → deleted p50 %.2f s, p99 %.2f s; webhooks %d unique (%d raw) of %d",
            c.policies, c.replicas, c.spreadSeconds, delays.count, expectedDeletions, result["deletionsPerSecond"]?.doubleValue ?? 0,
            Stats.percentile(delays, 0.5), Stats.percentile(delays, 0.99), unique, webhookTimes.count, webhooks))
        log(String(
            format: "  API requests: %.2f per policy before firing, %.2f per firing; CPU while firing (%.1f s): kube-sim %.1f s (%.2f ms/firing), replicas %.1f s (%.2f ms per replica per firing); machine %.0f%%; %.1f watch events per replica per firing",
            result["apiRequestsPerPolicyBeforeFiring"]?.doubleValue ?? 0, perFired(firingRequests), window, firingSimCPU, perFired(firingSimCPU * 1000),
            firingReplicaCPU, result["perReplicaCPUMsPerFiring"]?.doubleValue ?? 0, machineCPU * 100, result["watchEventsPerReplicaPerFiring"]?.doubleValue ?? 0))
        log("  kube-sim requests per policy before firing by resource: " + String(decoding: (result["kubeSimRequestsPerPolicyBeforeFiringByResource"] ?? .null).serialized(), as: UTF8.self))
        log("  kube-sim requests per firing by resource: " + String(decoding: (result["kubeSimRequestsPerFiringByResource"] ?? .null).serialized(), as: UTF8.self))
        log("  bound: \(bound)")
        for p in perReplica {
            log(String(
                format: "  %@: RSS %.1f MiB (peak %.1f), CPU %.1f s before firing + %.1f s firing, %.0f + %.0f API requests, %.0f watch events while firing",
                p["id"]?.stringValue ?? "", p["residentMiB"]?.doubleValue ?? 0, p["peakResidentMiB"]?.doubleValue ?? 0,
                p["cpuSecondsBeforeFiring"]?.doubleValue ?? 0, p["cpuSecondsFiring"]?.doubleValue ?? 0, p["apiRequestsBeforeFiring"]?.doubleValue ?? 0,
                p["apiRequestsFiring"]?.doubleValue ?? 0, p["watchEventsFiring"]?.doubleValue ?? 0))
        }
        return result
    }

    /// Scaling efficiency of runs with different replica counts against the
    /// first: (rate / first rate) / (replicas / first replicas), where the
    /// rate is deletions/s, or webhooks/s when nothing was deleted. 1.0 is
    /// perfect scaling; the lines also say what bounded each run.
    public static func scaling(_ results: [JSON]) -> (json: JSON, lines: [String]) {
        func rate(_ r: JSON) -> Double {
            (r["deleteExpected"]?.doubleValue ?? 0) > 0 ? r["deletionsPerSecond"]?.doubleValue ?? 0 : r["webhooksPerSecondWhileFiring"]?.doubleValue ?? 0
        }
        guard let base = results.first else { return (["scaling": []], []) }
        let n0 = max(1, base["replicas"]?.doubleValue ?? 1)
        var rows: [JSON] = []
        var lines: [String] = []
        for r in results {
            let n = max(1, r["replicas"]?.doubleValue ?? 1)
            let efficiency = rate(base) > 0 ? (rate(r) / rate(base)) / (n / n0) : 0
            let p99 = r["ttlToDeletedSecondsP99"]?.doubleValue ?? 0
            let cpu = r["perReplicaCPUMsPerFiring"]?.doubleValue ?? 0
            let machine = r["machineCPUFractionFiring"]?.doubleValue ?? 0
            rows.append([
                "replicas": .double(n), "perSecond": .double(rate(r)), "efficiency": .double(efficiency), "p99Seconds": .double(p99),
                "perReplicaCPUMsPerFiring": .double(cpu), "machineCPUFractionFiring": .double(machine), "bound": r["bound"] ?? .null,
            ])
            lines.append(String(
                format: "%d replicas: %.0f/s, efficiency %.2f, p99 %.2f s, %.2f ms CPU per replica per firing, machine CPU %.0f%%; bound: %@", Int(n), rate(r),
                efficiency, p99, cpu, machine * 100, r["bound"]?.stringValue ?? "?"))
        }
        return (["scaling": .array(rows)], lines)
    }

    /// Counters read at one instant: each replica's CPU and API requests
    /// (`vigil_api_requests_total`, every verb), kube-sim's CPU and its
    /// request statistics.
    struct Snapshot {
        var replicaCPU: [Double]
        var replicaRequests: [Double]
        /// `vigil_informer_events_total` (every informer, every type): the
        /// watch events each replica received and decoded.
        var replicaWatchEvents: [Double]
        var simCPU: Double
        var simStats: JSON

        static func take(_ processes: [ReplicaProcess], sim: KubeSimProcess, http: HTTPClient) async throws -> Snapshot {
            var requests: [Double] = []
            var events: [Double] = []
            for p in processes {
                let text = (try? await http.execute(HTTPRequest(url: "http://127.0.0.1:\(p.port)/metrics"))).map { String(decoding: $0.body, as: UTF8.self) } ?? ""
                let lines = text.split(separator: "\n")
                func sum(_ prefix: String) -> Double {
                    lines.filter { $0.hasPrefix(prefix) }.compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
                }
                requests.append(sum("vigil_api_requests_total{"))
                events.append(sum("vigil_informer_events_total{"))
            }
            return Snapshot(
                replicaCPU: processes.map { $0.cpuSeconds ?? 0 }, replicaRequests: requests, replicaWatchEvents: events, simCPU: ProcessUsage.cpuSeconds(pid: sim.pid) ?? 0,
                simStats: try JSON.parse(Array(try await sim.stats().utf8)))
        }

        /// kube-sim's requests of one breakdown (`byVerb`, `byResource`) since `earlier`.
        func simRequests(_ breakdown: String, since earlier: Snapshot) -> [String: Double] {
            guard case .object(let now)? = simStats[breakdown] else { return [:] }
            var out: [String: Double] = [:]
            for (key, value) in now {
                let delta = (value.doubleValue ?? 0) - (earlier.simStats[path: [breakdown, key]]?.doubleValue ?? 0)
                if delta > 0 { out[key] = delta }
            }
            return out
        }
    }

    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }
}

/// The resource NamespacePolicies are served at.
enum NamespacePolicyDescriptor {
    static let value = ResourceDescriptor(group: "vigil.dev", version: "v1alpha1", kind: "NamespacePolicy", plural: "namespacepolicies", namespaced: true)
}

/// A time per namespace (seconds since the epoch): when it was first seen
/// deleted or terminating (`record`, which keeps the first), or its TTL
/// deadline (`set`).
final class TimeLog: Sendable {
    let times = Mutex<[String: Double]>([:])
    func record(_ name: String) {
        let now = Date().timeIntervalSince1970
        times.withLock { if $0[name] == nil { $0[name] = now } }
    }
    func time(_ name: String) -> Double? { times.withLock { $0[name] } }
    func set(_ name: String, _ value: Double) { times.withLock { $0[name] = value } }
    func count(prefix: String) -> Int { times.withLock { $0.keys.filter { $0.hasPrefix(prefix) }.count } }
}
