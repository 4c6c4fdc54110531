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

        processes = try BenchCluster.replicas(c.replicas, binary: c.vigilBinary, kubeconfig: kubeconfig, qps: c.qps, runDirectory: c.runDirectory)
        log("\(c.replicas) vigil replicas started; first deadline in \(String(format: "%.0f", firstDeadline - Date().timeIntervalSince1970)) s")

        // Wait until every deleteNamespace fired and every webhook arrived (or time out).
        let expectedDeletions = c.policies - webhooks
        let limit = firstDeadline + c.spreadSeconds + 120
        while Date().timeIntervalSince1970 < limit {
            let deleted = deletions.count(prefix: "nsp-")
            let delivered = Set(receiver.webhookDeliveries.map(\.id)).count
            if deleted >= expectedDeletions && delivered >= webhooks { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        let end = Date().timeIntervalSince1970
        var requests = 0.0
        var perReplica: [JSON] = []
        let http = try HTTPClient()
        for p in processes {
            let text = (try? await http.execute(HTTPRequest(url: "http://127.0.0.1:\(p.port)/metrics"))).map { String(decoding: $0.body, as: UTF8.self) } ?? ""
            let count = text.split(separator: "\n").filter { $0.hasPrefix("vigil_api_requests_total{") }
                .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
            requests += count
            perReplica.append([
                "id": .string(p.id), "residentMiB": .double(Double(p.residentBytes ?? 0) / 1_048_576), "cpuSeconds": .double(p.cpuSeconds ?? 0),
                "apiRequests": .double(count),
            ])
        }
        // Delays from each deleteNamespace policy's deadline to the deletion seen.
        var delays: [Double] = []
        for j in webhooks..<c.policies {
            let ns = String(format: "nsp-%05d", j)
            if let at = deletions.time(ns), let deadline = deadlines.time(ns) { delays.append(at - deadline) }
        }
        delays.sort()
        let webhookTimes = receiver.webhookDeliveries
        let unique = Set(webhookTimes.map(\.id)).count
        let firstAt = webhookTimes.map(\.at).min() ?? 0
        let lastAt = webhookTimes.map(\.at).max() ?? 0
        let fired = delays.count + unique
        let result: JSON = [
            "policies": .int(Int64(c.policies)), "replicas": .int(Int64(c.replicas)), "qpsPerReplica": .int(Int64(c.qps)),
            "namespacesDeleted": .int(Int64(delays.count)), "deleteExpected": .int(Int64(expectedDeletions)),
            "ttlToDeletedSecondsP50": .double(Stats.percentile(delays, 0.5)), "ttlToDeletedSecondsP99": .double(Stats.percentile(delays, 0.99)),
            "ttlToDeletedSecondsMax": .double(delays.last ?? 0),
            "webhooksUnique": .int(Int64(unique)), "webhooksRaw": .int(Int64(webhookTimes.count)), "webhooksExpected": .int(Int64(webhooks)),
            "webhooksPerSecondWhileFiring": .double(lastAt > firstAt ? Double(unique) / (lastAt - firstAt) : 0),
            "apiRequestsTotal": .double(requests), "apiRequestsPerPolicyFired": .double(fired > 0 ? requests / Double(fired) : 0),
            "secondsFromStartToEnd": .double(end - started.timeIntervalSince1970), "replicasDetail": .array(perReplica),
        ]
        log(String(
            format: "%d policies: TTL deadline → namespace deleted p50 %.2f s, p99 %.2f s (%d of %d); webhooks %d unique (%d raw) of %d, %.1f/s; %.1f API requests per policy fired",
            c.policies, Stats.percentile(delays, 0.5), Stats.percentile(delays, 0.99), delays.count, expectedDeletions, unique, webhookTimes.count,
            webhooks, lastAt > firstAt ? Double(unique) / (lastAt - firstAt) : 0, fired > 0 ? requests / Double(fired) : 0))
        for p in perReplica {
            log("  \(p["id"]?.stringValue ?? ""): RSS \(String(format: "%.1f", p["residentMiB"]?.doubleValue ?? 0)) MiB, CPU \(String(format: "%.1f", p["cpuSeconds"]?.doubleValue ?? 0)) s, \(Int(p["apiRequests"]?.doubleValue ?? 0)) API requests")
        }
        return result
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
