import Foundation
import Kube
import ProcessFixtures
import Synchronization
import VigilAPI
import VigilHTTP
import VigilJSON

/// Issue 11's measurements (`make bench-alerts`): `namespaces` push-only
/// CounterMeasures (one per namespace, a webhook action to the bench server)
/// on `replicas` real `vigil run` processes; a load generator posts
/// Alertmanager webhook payloads (version 4, one alert each, a new alert
/// every time) round-robin to the replicas, so about (replicas-1)/replicas
/// land on a replica that does not own the alert's namespace and are
/// forwarded. Rates rise step by step.
///
/// Measured per step: receipt (the POST) → first action (the webhook at the
/// bench server), p50/p99, for alerts the receiving replica owned and for
/// forwarded ones; answers other than 200; alerts not acted on within 30 s
/// after the step ("lost": answered 200 but still queued, or really lost);
/// duplicates (more than one action for an alert). Reported: the highest
/// rate with no error, no loss and no duplicate, and the highest that also
/// keeps p99 within 0.5 s.
public struct AlertPushBench: Sendable {
    public struct Configuration: Sendable {
        public var namespaces = 1000
        public var replicas = 3
        public var rates: [Int] = [25, 50, 100, 200, 400]
        public var stepSeconds = 10.0
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

    static let token = "bench-token"

    func namespace(_ i: Int) -> String { String(format: "push-%05d", i) }

    public func run(log: @escaping @Sendable (String) -> Void) async throws -> JSON {
        let c = configuration
        let fm = FileManager.default
        try? fm.removeItem(atPath: c.runDirectory)
        try fm.createDirectory(atPath: c.runDirectory, withIntermediateDirectories: true)
        let dir = URL(fileURLWithPath: c.runDirectory).standardizedFileURL.path
        let kubeconfig = dir + "/kubeconfig"
        let sim = try await KubeSimProcess.start(arguments: ["--kubeconfig-out", kubeconfig, "--event-window", "200000"])
        let server = CounterMeasureBenchServer(port: try freeLoopbackPort(), series: [])
        let serving = Task { try? await server.run() }
        var processes: [ReplicaProcess] = []
        defer {
            for p in processes { p.killNow() }
            serving.cancel()
            sim.stop()
        }
        let http = try HTTPClient()
        defer { http.shutdown() }
        let client = try KubeClient(server: sim.url, options: KubeClient.Options(qps: 0))
        try await BenchCluster.prepare(client)
        try await BenchCluster.inBatches(c.namespaces) { j in
                        let ns = namespace(j)
                        _ = try await client.create(.namespaces, Namespace(metadata: ObjectMeta(name: ns)))
                        let resource: JSON = [
                            "apiVersion": "vigil.dev/v1alpha1", "kind": "CounterMeasure", "metadata": ["name": "bench", "namespace": .string(ns)],
                            "spec": ["trigger": ["alert": ["name": "BenchPush"]], "actions": [["webhook": ["url": .string(server.url + "/webhook"), "maxAttempts": 10]]]],
                        ]
                        _ = try await client.send(.create(CounterMeasureBench.descriptor, namespace: ns, body: resource.serialized()))
        }
        try (Self.token + "\n").write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        try "alertmanager: {tokenFile: \"\(dir)/token\"}\nactions: {maxRunsPerMinute: 0}\n".write(toFile: dir + "/vigil.yaml", atomically: true, encoding: .utf8)
        processes = try BenchCluster.replicas(c.replicas, binary: c.vigilBinary, kubeconfig: kubeconfig, qps: c.qps, runDirectory: dir, extra: ["--config", dir + "/vigil.yaml"])
        // Every replica ready and the shard map settled: who owns what.
        var owners: [String: String] = [:]
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            owners = [:]
            var ready = 0
            for p in processes {
                guard let r = try? await http.execute(HTTPRequest(url: "http://127.0.0.1:\(p.port)/readyz")), r.status == 200,
                    let s = try? await http.execute(HTTPRequest(url: "http://127.0.0.1:\(p.port)/shards")), let j = try? JSON.parse(s.body),
                    j["epoch"] == j["committedEpoch"], (j["members"]?.arrayValue?.count ?? 0) == c.replicas
                else { continue }
                ready += 1
                for ns in j["ownedNamespaces"]?.arrayValue ?? [] { if let n = ns.stringValue { owners[n] = p.id } }
            }
            if ready == c.replicas && owners.count >= c.namespaces { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        guard owners.count >= c.namespaces else { throw HARunError(message: "the replicas did not settle within 120 s (\(owners.count) namespaces owned)") }
        log("\(c.namespaces) namespaces with a push-only CounterMeasure each, on \(c.replicas) replicas")

        var steps: [JSON] = []
        var sustained = 0
        var withinGoal = 0
        var sent = 0
        for rate in c.rates {
            let count = Int(Double(rate) * c.stepSeconds)
            let posted = PostLog()
            let started = Date().timeIntervalSince1970
            let base = sent
            let targets = processes.map { (id: $0.id, port: $0.port) }
            let owned = owners
            await withTaskGroup(of: Void.self) { group in
                for k in 0..<count {
                    let n = base + k
                    let due = started + Double(k) / Double(rate)
                    let ns = namespace(n % c.namespaces)
                    let replica = targets[n % targets.count]
                    let local = owned[ns] == replica.id
                    let pod = "a-\(n)"
                    group.addTask {
                        let wait = due - Date().timeIntervalSince1970
                        if wait > 0 { try? await Task.sleep(for: .milliseconds(Int64(wait * 1000))) }
                        let body: JSON = [
                            "version": "4", "groupKey": .string("{}:{alertname=\"BenchPush\",namespace=\"\(ns)\"}"), "status": "firing", "receiver": "vigil",
                            "alerts": [["status": "firing", "labels": ["alertname": "BenchPush", "namespace": .string(ns), "pod": .string(pod)],
                                        "startsAt": .string(RFC3339Time(secondsSinceEpoch: due).text)]],
                        ]
                        let at = Date().timeIntervalSince1970
                        let status = (try? await http.execute(HTTPRequest(
                            method: "POST", url: "http://127.0.0.1:\(replica.port)/alertmanager/webhook",
                            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(Self.token)")], body: body.serialized(),
                            timeout: .seconds(10))))?.status ?? 0
                        posted.items.withLock { $0.append((pod, at, local, status)) }
                    }
                }
            }
            sent += count
            let results = posted.items.withLock { $0 }
            let accepted = Set(results.filter { $0.status == 200 }.map(\.pod))
            // Wait for every accepted alert's action (or 30 s).
            let until = Date().addingTimeInterval(30)
            while Date() < until, !accepted.allSatisfy({ server.received.byPod[$0] != nil }) { try await Task.sleep(for: .milliseconds(200)) }
            let byPod = server.received.byPod
            var localDelays: [Double] = []
            var forwardedDelays: [Double] = []
            for r in results where r.status == 200 {
                guard let arrived = byPod[r.pod] else { continue }
                if r.local { localDelays.append(arrived.first - r.at) } else { forwardedDelays.append(arrived.first - r.at) }
            }
            localDelays.sort()
            forwardedDelays.sort()
            let errors = results.filter { $0.status != 200 }.count
            let lost = accepted.filter { byPod[$0] == nil }.count
            let duplicates = results.compactMap { byPod[$0.pod] }.filter { $0.count > 1 }.count
            let all = (localDelays + forwardedDelays).sorted()
            let step: JSON = [
                "rate": .int(Int64(rate)), "alerts": .int(Int64(count)), "errors": .int(Int64(errors)), "lost": .int(Int64(lost)),
                "duplicates": .int(Int64(duplicates)), "forwardedShare": .double(Double(forwardedDelays.count) / Double(max(1, all.count))),
                "receiptToActionP50": .double(Stats.percentile(all, 0.5)), "receiptToActionP99": .double(Stats.percentile(all, 0.99)),
                "localP50": .double(Stats.percentile(localDelays, 0.5)), "localP99": .double(Stats.percentile(localDelays, 0.99)),
                "forwardedP50": .double(Stats.percentile(forwardedDelays, 0.5)), "forwardedP99": .double(Stats.percentile(forwardedDelays, 0.99)),
            ]
            steps.append(step)
            log(String(
                format: "%4d alerts/s: %d posted, %d not 200, %d not acted on within 30 s, %d duplicated; receipt → action p50 %.3f s p99 %.3f s (local p99 %.3f s, forwarded p99 %.3f s, %.0f%% forwarded)",
                rate, count, errors, lost, duplicates, Stats.percentile(all, 0.5), Stats.percentile(all, 0.99), Stats.percentile(localDelays, 0.99),
                Stats.percentile(forwardedDelays, 0.99), 100 * Double(forwardedDelays.count) / Double(max(1, all.count))))
            if errors == 0 && lost == 0 && duplicates == 0 {
                sustained = rate
                if Stats.percentile(all, 0.99) <= 0.5 { withinGoal = rate }
            } else {
                break
            }
        }
        var perReplica: [JSON] = []
        for p in processes {
            perReplica.append(["id": .string(p.id), "residentMiB": .double(Double(p.residentBytes ?? 0) / 1_048_576), "cpuSeconds": .double(p.cpuSeconds ?? 0)])
            log("  \(p.id): RSS \(String(format: "%.1f", Double(p.residentBytes ?? 0) / 1_048_576)) MiB, CPU \(String(format: "%.1f", p.cpuSeconds ?? 0)) s")
        }
        log("highest sustained rate with no error, loss or duplicate: \(sustained) alerts/s on \(c.replicas) replicas; with p99 within 0.5 s as well: \(withinGoal) alerts/s")
        return [
            "namespaces": .int(Int64(c.namespaces)), "replicas": .int(Int64(c.replicas)), "qpsPerReplica": .int(Int64(c.qps)),
            "highestSustainedAlertsPerSecond": .int(Int64(sustained)), "highestWithinHalfSecondP99": .int(Int64(withinGoal)), "steps": .array(steps), "replicasDetail": .array(perReplica),
        ]
    }
}

/// What the load generator posted: per alert (its pod label), when, to an owner or not, and the answer.
final class PostLog: Sendable {
    let items = Mutex<[(pod: String, at: Double, local: Bool, status: Int)]>([])
}
