import Foundation
import Kube
import ProcessFixtures
import VigilAPI
import VigilHTTP
import Synchronization
import VigilJSON

/// Issue 13's measurements (`make bench-msc`): `scalers` MemoryScalers, one
/// per namespace, each selecting the `podsPerScaler` pods of a Deployment
/// there, on `replicas` real `vigil run` processes against kube-sim (whose
/// simulated kubelet serves `/metrics/cadvisor` and applies `pods/resize`)
/// and a real Prometheus scraping it.
///
/// Every pod starts at 60Mi of a 100Mi limit (below the 75 % threshold).
/// After a quiet window, the bench raises pods to 85Mi (85 %) at `rate` pods
/// a second by patching their `sim.vigil.dev/memory` annotation, and
/// records when; each must be resized in place once to 150Mi.
///
/// Measured:
/// - Prometheus queries per poll interval, counted by Prometheus itself over
///   the quiet window (goal: one per replica; memhog-operator sent one per
///   pod every 2 s);
/// - raise → resize: from the bench's patch (so Prometheus' scrape delay is
///   included) to the step as Vigil recorded it (`lastResizeAt` of the pod's
///   `status.workloads` entry, taken just before its `pods/resize` request),
///   p50/p99 (goal ≤ interval + 1 s);
/// - resizes per second, resize requests kube-sim received (doubles), pods
///   left unresized, API requests per resize, RSS and CPU per replica,
///   kube-sim's and Prometheus' CPU.
public struct MemoryScalerBench: Sendable {
    public struct Configuration: Sendable {
        public var scalers = 500
        public var podsPerScaler = 20
        public var replicas = 3
        /// The Prometheus source's poll interval, seconds.
        public var interval = 5.0
        /// Prometheus' scrape interval of kube-sim's cAdvisor endpoint, seconds.
        public var scrapeInterval = 1.0
        /// Pods raised per second.
        public var rate = 100.0
        /// Intervals in the quiet window that counts Prometheus requests.
        public var quietIntervals = 6
        public var qps = 200
        /// `controllers.workers` of each replica (nil: vigil's default).
        public var workers: Int?
        public var vigilBinary: String
        public var prometheusBinary = "/usr/bin/prometheus"
        public var runDirectory: String
        public init(vigilBinary: String, runDirectory: String) {
            self.vigilBinary = vigilBinary
            self.runDirectory = runDirectory
        }
    }

    public let configuration: Configuration
    public init(configuration: Configuration) { self.configuration = configuration }

    static let descriptor = ResourceDescriptor(group: "vigil.dev", version: "v1alpha1", kind: "MemoryScaler", plural: "memoryscalers", namespaced: true)
    static let mi: Int64 = 1 << 20

    func namespace(_ i: Int) -> String { String(format: "msc-%04d", i) }

    public func run(log: @escaping @Sendable (String) -> Void) async throws -> JSON {
        let c = configuration
        let pods = c.scalers * c.podsPerScaler
        let fm = FileManager.default
        try? fm.removeItem(atPath: c.runDirectory)
        try fm.createDirectory(atPath: c.runDirectory, withIntermediateDirectories: true)
        guard fm.isExecutableFile(atPath: c.prometheusBinary) else {
            throw HARunError(message: "\(c.prometheusBinary) not found: install it with `apt-get install prometheus` (tools/prereqs.sh test does)")
        }
        let kubeconfig = c.runDirectory + "/kubeconfig"
        let sim = try await KubeSimProcess.start(workloads: true, arguments: ["--kubeconfig-out", kubeconfig, "--event-window", "400000"])
        let promPort = try freeLoopbackPort()
        let simTarget = URL(string: sim.url).map { "\($0.host ?? "127.0.0.1"):\($0.port ?? 80)" } ?? sim.url
        let prometheus = try BenchPrometheus.start(
            binary: c.prometheusBinary, directory: c.runDirectory, port: promPort,
            config: """
                global: {scrape_interval: \(Int(c.scrapeInterval * 1000))ms, evaluation_interval: 15s}
                scrape_configs:
                - job_name: kube-sim-cadvisor
                  metrics_path: /metrics/cadvisor
                  scrape_timeout: \(Int(c.scrapeInterval * 1000))ms
                  static_configs: [{targets: ["\(simTarget)"]}]
                """)
        var processes: [ReplicaProcess] = []
        let http = try HTTPClient()
        defer {
            for p in processes { p.killNow() }
            prometheus.stop()
            sim.stop()
            http.shutdown()
        }
        let promURL = "http://127.0.0.1:\(promPort)"
        try await BenchCluster.waitFor("Prometheus /-/ready", seconds: 30) { (try? await http.execute(HTTPRequest(url: promURL + "/-/ready")))?.status == 200 }

        let client = try KubeClient(server: sim.url, options: KubeClient.Options(qps: 0))
        try await BenchCluster.prepare(client)
        let started = Date()
        try await BenchCluster.inBatches(c.scalers) { j in
            let ns = namespace(j)
            _ = try await client.create(.namespaces, Namespace(metadata: ObjectMeta(name: ns)))
            let deployment: JSON = [
                "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "w", "namespace": .string(ns)],
                "spec": [
                    "replicas": .int(Int64(c.podsPerScaler)), "selector": ["matchLabels": ["app": "w"]],
                    "template": [
                        "metadata": ["labels": ["app": "w"], "annotations": ["sim.vigil.dev/memory": "60Mi", "sim.vigil.dev/start-seconds": "0.2"]],
                        "spec": ["containers": [[
                            "name": "app", "image": "redis:7",
                            "resources": ["limits": ["memory": "100Mi", "cpu": "200m"], "requests": ["memory": "64Mi", "cpu": "10m"]],
                        ]]],
                    ],
                ],
            ]
            _ = try await client.send(.create(.deployments, namespace: ns, body: deployment.serialized()))
            let scaler: JSON = [
                "apiVersion": "vigil.dev/v1alpha1", "kind": "MemoryScaler", "metadata": ["name": "w", "namespace": .string(ns)],
                "spec": ["selector": ["matchLabels": ["app": "w"]], "thresholdPercent": 75, "multiplier": 1.5, "maxMemory": "1Gi", "cooldown": "10m"],
            ]
            _ = try await client.send(.create(Self.descriptor, namespace: ns, body: scaler.serialized()))
        }
        log("created \(c.scalers) namespaces, each a Deployment of \(c.podsPerScaler) pods and a MemoryScaler, in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        try await BenchCluster.waitFor("\(pods) Running pods", seconds: 600) {
            guard let list = try? await runningPods(client) else { return false }
            return list.count >= pods
        }
        log("\(pods) pods Running after \(String(format: "%.1f", Date().timeIntervalSince(started))) s")

        let config = """
            prometheus:
              sources:
                default: {url: "\(promURL)", interval: \(c.interval), timeout: \(max(1, c.interval - 1))}
            """
        try config.write(toFile: c.runDirectory + "/vigil.yaml", atomically: true, encoding: .utf8)
        processes = try BenchCluster.replicas(
            c.replicas, binary: c.vigilBinary, kubeconfig: kubeconfig, qps: c.qps, runDirectory: c.runDirectory,
            extra: ["--config", c.runDirectory + "/vigil.yaml", "--set", "actions.maxRunsPerMinute=0"] + (c.workers.map { ["--set", "controllers.workers=\($0)"] } ?? []))
        log("\(c.replicas) vigil replicas started, polling every \(c.interval) s" + (c.workers.map { ", \($0) workers per controller" } ?? ""))
        try await BenchCluster.waitFor("every MemoryScaler to see its \(c.podsPerScaler) pods polled", seconds: 300 + 4 * c.interval) {
            guard let items = try? await list(client) else { return false }
            return items.filter { o in
                o[path: ["status", "pods"]]?.intValue == Int64(c.podsPerScaler)
                    && (o[path: ["status", "conditions"]]?.arrayValue ?? []).contains { $0["type"]?.stringValue == "SourceReachable" && $0["status"]?.stringValue == "True" }
            }.count >= c.scalers
        }
        log("every MemoryScaler polled after \(String(format: "%.1f", Date().timeIntervalSince(started))) s")

        // Prometheus' own count of queries over a quiet window: one per replica per interval is the goal.
        let quietBefore = try await BenchPrometheus.requests(http, promURL)
        try await Task.sleep(for: .seconds(Double(c.quietIntervals) * c.interval))
        let quietAfter = try await BenchPrometheus.requests(http, promURL)
        let queriesPerInterval = (quietAfter.query - quietBefore.query) / Double(c.quietIntervals)
        log(String(format: "Prometheus queries per %.0f s interval: %.1f with %d MemoryScalers over %d pods on %d replicas (memhog-operator: %d every 2 s)",
            c.interval, queriesPerInterval, c.scalers, pods, c.replicas, pods))

        // Raise pods, `rate` a second, in a shuffled order across namespaces.
        let all = try await runningPods(client)
        var order = all.map { ($0[path: ["metadata", "namespace"]]?.stringValue ?? "", $0[path: ["metadata", "name"]]?.stringValue ?? "") }
        var random = SeededRandom(seed: 13)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, random.index(i + 1)) }
        let simBefore = try JSON.parse(Array(try await sim.stats().utf8))
        let simCPUBefore = ProcessUsage.cpuSeconds(pid: sim.pid) ?? 0
        let promCPUBefore = ProcessUsage.cpuSeconds(pid: prometheus.pid) ?? 0
        let apiBefore = try await BenchPrometheus.vigilAPIRequests(http, processes)
        let replicasCPUBefore = processes.map { $0.cpuSeconds ?? 0 }.reduce(0, +)
        let benchCPUBefore = ProcessUsage.cpuSeconds(pid: getpid()) ?? 0
        let raiseStart = Date().timeIntervalSince1970
        let raisedAt = RaiseTimes()
        let patch: JSON = ["metadata": ["annotations": ["sim.vigil.dev/memory": "85Mi"]]]
        let body = patch.serialized()
        var next = 0
        while next < order.count {
            let due = min(order.count, Int((Date().timeIntervalSince1970 - raiseStart) * c.rate) + 1)
            if due > next {
                let batch = Array(order[next..<due])
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    for (ns, name) in batch {
                        tasks.addTask {
                            _ = try await client.patch(.pods, namespace: ns, name: name, type: .merge, body: body)
                            let t = Date().timeIntervalSince1970
                            raisedAt.times.withLock { $0["\(ns)/\(name)"] = t }
                        }
                    }
                    try await tasks.waitForAll()
                }
                next = due
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let raiseEnd = Date().timeIntervalSince1970
        log(String(format: "raised %d pods to 85%% of their limit in %.1f s (%.0f/s)", order.count, raiseEnd - raiseStart, Double(order.count) / max(0.001, raiseEnd - raiseStart)))

        var items: [JSON] = []
        do {
            try await BenchCluster.waitFor("a resize of every raised pod", seconds: 120 + 4 * c.interval) {
                guard let l = try? await list(client) else { return false }
                items = l
                return l.reduce(0) { $0 + Int($1[path: ["status", "resizes"]]?.intValue ?? 0) } >= order.count
            }
        } catch {
            log("not every pod was resized in time: \(error)")
        }
        // A few more polls: a doubled step would show now.
        try await Task.sleep(for: .seconds(2 * c.interval))
        items = try await list(client)
        let settled = Date().timeIntervalSince1970
        let simAfter = try JSON.parse(Array(try await sim.stats().utf8))
        let simCPU = (ProcessUsage.cpuSeconds(pid: sim.pid) ?? 0) - simCPUBefore
        let promCPU = (ProcessUsage.cpuSeconds(pid: prometheus.pid) ?? 0) - promCPUBefore
        let apiAfter = try await BenchPrometheus.vigilAPIRequests(http, processes)
        let replicasCPU = processes.map { $0.cpuSeconds ?? 0 }.reduce(0, +) - replicasCPUBefore
        let benchCPU = (ProcessUsage.cpuSeconds(pid: getpid()) ?? 0) - benchCPUBefore
        let window = settled - raiseStart
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)

        // Per pod: Vigil's step time from the pod's entry in its MemoryScaler's status.
        let raised = raisedAt.times.withLock { $0 }
        var latencies: [Double] = []
        var stepTimes: [Double] = []
        var resizes = 0
        var notResized: [String] = []
        var beyondOneStep: [String] = []
        for item in items {
            let ns = item[path: ["metadata", "namespace"]]?.stringValue ?? ""
            resizes += Int(item[path: ["status", "resizes"]]?.intValue ?? 0)
            var stepped: Set<String> = []
            for w in item[path: ["status", "workloads"]]?.arrayValue ?? [] where w["kind"]?.stringValue == "Pod" {
                guard let name = w["name"]?.stringValue else { continue }
                let key = "\(ns)/\(name)"
                if (w["resizes"]?.intValue ?? 0) > 1 { beyondOneStep.append(key) }
                guard let at = (w["lastResizeAt"]?.stringValue).flatMap(RFC3339Time.init)?.secondsSinceEpoch, w["memory"]?.stringValue == "150Mi" else { continue }
                stepped.insert(key)
                stepTimes.append(at)
                if let r = raised[key] { latencies.append(at - r) }
            }
            for (key, _) in raised where key.hasPrefix(ns + "/") && !stepped.contains(key) { notResized.append(key) }
        }
        latencies.sort()
        stepTimes.sort()
        let resizeRequests = (simAfter[path: ["byResource", "pods/resize"]]?.doubleValue ?? 0) - (simBefore[path: ["byResource", "pods/resize"]]?.doubleValue ?? 0)
        let simRequests = (simAfter["requests"]?.doubleValue ?? 0) - (simBefore["requests"]?.doubleValue ?? 0)
        let span = (stepTimes.last ?? 0) - (stepTimes.first ?? 0)
        var perReplica: [JSON] = []
        for p in processes {
            let cpu = p.cpuSeconds ?? 0
            let lifetime = settled - p.startedAt
            perReplica.append([
                "id": .string(p.id), "residentMiB": .double(Double(p.residentBytes ?? 0) / 1_048_576), "cpuSeconds": .double(cpu),
                "lifetimeSeconds": .double(lifetime), "cpuPercentOfACore": .double(100 * cpu / max(1, lifetime)),
            ])
        }
        let resized = Double(max(1, latencies.count))
        // Per resize, by verb and by resource: where kube-sim's requests went.
        func perResize(_ field: String) -> JSON {
            var o = JSONObject()
            for (k, v) in simAfter[field]?.objectValue ?? JSONObject() {
                let d = (v.doubleValue ?? 0) - (simBefore[path: [field, k]]?.doubleValue ?? 0)
                if d > 0 { o[k] = .double((d / resized * 100).rounded() / 100) }
            }
            return .object(o)
        }
        let result: JSON = [
            "scalers": .int(Int64(c.scalers)), "pods": .int(Int64(pods)), "replicas": .int(Int64(c.replicas)),
            "intervalSeconds": .double(c.interval), "workers": c.workers.map { .int(Int64($0)) } ?? .null, "scrapeIntervalSeconds": .double(c.scrapeInterval), "raiseRatePerSecond": .double(c.rate),
            "prometheusQueriesPerInterval": .double(queriesPerInterval), "prometheusQueriesGoal": .double(Double(c.replicas)),
            "memhogQueriesPerTwoSeconds": .int(Int64(pods)),
            "raisedPods": .int(Int64(raised.count)), "resizedPods": .int(Int64(latencies.count)), "notResized": .int(Int64(notResized.count)),
            "resizesInStatus": .int(Int64(resizes)), "resizeRequestsToKubeSim": .double(resizeRequests), "podsSteppedTwice": .int(Int64(beyondOneStep.count)),
            "raiseToResizeSecondsP50": .double(Stats.percentile(latencies, 0.5)), "raiseToResizeSecondsP99": .double(Stats.percentile(latencies, 0.99)),
            "raiseToResizeSecondsMax": .double(latencies.last ?? 0), "latencyGoalSeconds": .double(c.interval + 1),
            "resizesPerSecond": .double(span > 0 ? Double(stepTimes.count) / span : 0),
            "vigilAPIRequestsPerResize": .double((apiAfter - apiBefore) / resized),
            "kubeSimRequestsPerResize": .double(simRequests / resized),
            "kubeSimRequestsPerResizeByVerb": perResize("byVerb"), "kubeSimRequestsPerResizeByResource": perResize("byResource"),
            "kubeSimCPUSeconds": .double(simCPU), "prometheusCPUSeconds": .double(promCPU), "replicasCPUSeconds": .double(replicasCPU),
            "benchCPUSeconds": .double(benchCPU), "windowSeconds": .double(window), "cores": .double(cores),
            "machineCPUUsedFraction": .double((simCPU + promCPU + replicasCPU + benchCPU) / max(1, window * cores)),
            "replicasDetail": .array(perReplica),
        ]
        log(String(format: "raise → resize (Vigil's step, scrape and poll included): p50 %.2f s, p99 %.2f s, max %.2f s over %d pods; goal ≤ %.0f s",
            Stats.percentile(latencies, 0.5), Stats.percentile(latencies, 0.99), latencies.last ?? 0, latencies.count, c.interval + 1))
        log(String(format: "%d of %d raised pods resized to 150Mi (%.1f resizes/s); %.0f resize requests reached kube-sim, %d resizes in status; %d pods stepped twice, %d not resized",
            latencies.count, raised.count, span > 0 ? Double(stepTimes.count) / span : 0, resizeRequests, resizes, beyondOneStep.count, notResized.count))
        for k in notResized.prefix(5) { log("  not resized: \(k)") }
        for k in beyondOneStep.prefix(5) { log("  stepped twice: \(k)") }
        log(String(format: "API requests per resize: %.2f from Vigil, %.2f at kube-sim (the bench's raise included); kube-sim CPU %.1f s, Prometheus CPU %.1f s",
            (apiAfter - apiBefore) / resized, simRequests / resized, simCPU, promCPU))
        log(String(format: "CPU from the first raise until settled (%.0f s, %.0f cores): kube-sim %.1f s, Prometheus %.1f s, vigil replicas %.1f s, this bench %.1f s: %.0f %% of the machine",
            window, cores, simCPU, promCPU, replicasCPU, benchCPU, 100 * (simCPU + promCPU + replicasCPU + benchCPU) / max(1, window * cores)))
        log("  per resize by verb \(String(decoding: perResize("byVerb").serialized(), as: UTF8.self)), by resource \(String(decoding: perResize("byResource").serialized(), as: UTF8.self))")
        for p in perReplica {
            log(String(format: "  %@: RSS %.1f MiB, CPU %.1f s over %.0f s (%.1f %% of a core)", p["id"]?.stringValue ?? "", p["residentMiB"]?.doubleValue ?? 0,
                p["cpuSeconds"]?.doubleValue ?? 0, p["lifetimeSeconds"]?.doubleValue ?? 0, p["cpuPercentOfACore"]?.doubleValue ?? 0))
        }
        return result
    }

    /// When each pod (`namespace/name`) was raised.
    final class RaiseTimes: Sendable {
        let times = Mutex<[String: Double]>([:])
    }

    func runningPods(_ client: KubeClient) async throws -> [JSON] {
        var out: [JSON] = []
        var token: String?
        repeat {
            var options = ListOptions(labelSelector: "app=w")
            options.limit = 2000
            options.continueToken = token
            let page = try JSON.parse(try await client.send(.list(.pods, namespace: nil, options: options)).body)
            out += (page["items"]?.arrayValue ?? []).filter { $0[path: ["status", "phase"]]?.stringValue == "Running" }
            token = page[path: ["metadata", "continue"]]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return out
    }

    func list(_ client: KubeClient) async throws -> [JSON] {
        let body = try await client.send(.list(Self.descriptor, namespace: nil)).body
        return try JSON.parse(body)["items"]?.arrayValue ?? []
    }
}
