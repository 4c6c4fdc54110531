import Foundation
import Kube
import ProcessFixtures
import VigilAPI
import VigilHTTP
import VigilJSON

/// Issue 17's measurements (`make bench-ctm`): `resources` CounterMeasures
/// in as many namespaces on `replicas` real `vigil run` processes, against
/// kube-sim and a real Prometheus that scrapes a synthetic `bench_load`
/// series per namespace. A tenth of the resources use an alert trigger (a
/// real alerting rule), the rest one of `expressions` distinct PromQL
/// expressions; each runs one webhook action to the bench server.
///
/// Measured:
/// - Prometheus API requests per poll interval, counted by Prometheus itself
///   (`prometheus_http_requests_total` for /api/v1/query and /api/v1/alerts)
///   over a quiet window, against one query per resource per interval;
/// - trigger → first action: for alerts from the alert's `activeAt`, for
///   PromQL from the instant the bench raised the series (so it includes
///   Prometheus' scrape delay, up to 1 s);
/// - actions per second while they fire, API requests per firing, RSS and
///   CPU per replica.
public struct CounterMeasureBench: Sendable {
    public struct Configuration: Sendable {
        public var resources = 1000
        public var replicas = 3
        public var expressions = 10
        /// The source's poll interval, seconds.
        public var interval = 5.0
        /// Intervals in the quiet window that counts Prometheus requests.
        public var quietIntervals = 6
        public var qps = 200
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

    static let descriptor = ResourceDescriptor(group: "vigil.dev", version: "v1alpha1", kind: "CounterMeasure", plural: "countermeasures", namespaced: true)

    func namespace(_ i: Int) -> String { String(format: "ctm-%05d", i) }
    func isAlert(_ i: Int) -> Bool { i % 10 == 0 }
    func group(_ i: Int) -> String { isAlert(i) ? "alert" : "g\((i / 10) % configuration.expressions)" }

    public func run(log: @escaping @Sendable (String) -> Void) async throws -> JSON {
        let c = configuration
        let fm = FileManager.default
        try? fm.removeItem(atPath: c.runDirectory)
        try fm.createDirectory(atPath: c.runDirectory, withIntermediateDirectories: true)
        guard fm.isExecutableFile(atPath: c.prometheusBinary) else {
            throw HARunError(message: "\(c.prometheusBinary) not found: install it with `apt-get install prometheus` (tools/prereqs.sh test does)")
        }
        let kubeconfig = c.runDirectory + "/kubeconfig"
        let sim = try await KubeSimProcess.start(arguments: ["--kubeconfig-out", kubeconfig, "--event-window", "200000"])
        let server = CounterMeasureBenchServer(port: try freeLoopbackPort(), series: (0..<c.resources).map { (namespace($0), group($0)) })
        let serving = Task { try? await server.run() }
        let promPort = try freeLoopbackPort()
        let prometheus = try startPrometheus(port: promPort, target: "127.0.0.1:\(server.port)")
        var processes: [ReplicaProcess] = []
        defer {
            for p in processes { p.killNow() }
            prometheus.stop()
            serving.cancel()
            sim.stop()
        }
        let http = try HTTPClient()
        defer { http.shutdown() }
        let promURL = "http://127.0.0.1:\(promPort)"
        try await BenchCluster.waitFor("Prometheus /-/ready", seconds: 30) { (try? await http.execute(HTTPRequest(url: promURL + "/-/ready")))?.status == 200 }
        // A rule file Prometheus did not load would leave the alert triggers silent: fail now instead.
        let rules = String(decoding: try await http.execute(HTTPRequest(url: promURL + "/api/v1/rules")).body, as: UTF8.self)
        guard rules.contains("BenchAlert") else { throw HARunError(message: "Prometheus did not load the BenchAlert rule: \(rules.prefix(300))") }

        let client = try KubeClient(server: sim.url, options: KubeClient.Options(qps: 0))
        try await BenchCluster.prepare(client)

        let started = Date()
        try await BenchCluster.inBatches(c.resources) { j in
                        let ns = namespace(j)
                        _ = try await client.create(.namespaces, Namespace(metadata: ObjectMeta(name: ns)))
                        let trigger: JSON = isAlert(j)
                            ? ["alert": ["name": "BenchAlert"]]
                            : ["promql": ["expr": .string("max by (namespace) (bench_load{group=\"\(group(j))\"})"), "above": 0.5]]
                        let resource: JSON = [
                            "apiVersion": "vigil.dev/v1alpha1", "kind": "CounterMeasure", "metadata": ["name": "bench", "namespace": .string(ns)],
                            "spec": ["trigger": trigger, "actions": [["webhook": ["url": .string(server.url + "/webhook"), "maxAttempts": 10]]]],
                        ]
                        _ = try await client.send(.create(Self.descriptor, namespace: ns, body: resource.serialized()))
        }
        log("created \(c.resources) namespaces with a CounterMeasure each (\(c.resources / 10) alert, the rest over \(c.expressions) expressions) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")

        let config = """
            prometheus:
              sources:
                default: {url: "\(promURL)", interval: \(c.interval), timeout: \(max(1, c.interval - 1))}
            """
        try config.write(toFile: c.runDirectory + "/vigil.yaml", atomically: true, encoding: .utf8)
        processes = try BenchCluster.replicas(
            c.replicas, binary: c.vigilBinary, kubeconfig: kubeconfig, qps: c.qps, runDirectory: c.runDirectory,
            extra: ["--config", c.runDirectory + "/vigil.yaml", "--set", "actions.maxRunsPerMinute=0"])
        log("\(c.replicas) vigil replicas started, polling every \(c.interval) s")

        // Every resource subscribed and polled: SourceReachable=True everywhere.
        try await BenchCluster.waitFor("every CounterMeasure to report SourceReachable=True", seconds: 120 + 4 * c.interval) {
            guard let body = try? await client.send(.list(Self.descriptor, namespace: nil)).body, let list = try? JSON.parse(body)["items"]?.arrayValue else { return false }
            let ready = list.filter { o in
                (o[path: ["status", "conditions"]]?.arrayValue ?? []).contains { $0["type"]?.stringValue == "SourceReachable" && $0["status"]?.stringValue == "True" }
            }.count
            return ready >= c.resources
        }
        let readyAt = Date().timeIntervalSince1970
        log("every CounterMeasure polled after \(String(format: "%.1f", readyAt - started.timeIntervalSince1970)) s")

        // Prometheus' own count of API requests over a quiet window.
        let before = try await BenchPrometheus.requests(http, promURL)
        let window = Double(c.quietIntervals) * c.interval
        try await Task.sleep(for: .seconds(window))
        let after = try await BenchPrometheus.requests(http, promURL)
        let perInterval = (after.total - before.total) / Double(c.quietIntervals)
        log(String(format: "Prometheus API requests per interval: %.1f (queries %.1f, alerts %.1f) with %d resources; one query per resource would be %d",
            perInterval, (after.query - before.query) / Double(c.quietIntervals), (after.alerts - before.alerts) / Double(c.quietIntervals), c.resources, c.resources))

        let apiBefore = try await BenchPrometheus.vigilAPIRequests(http, processes)
        let firedAt = server.fire()
        do {
            try await BenchCluster.waitFor("a webhook from every CounterMeasure", seconds: 120 + 4 * c.interval) { server.received.first.count >= c.resources }
        } catch {
            // Say why before giving up: the unfired resources' conditions and the replicas' Prometheus requests.
            let fired = server.received.first
            let missing = (0..<c.resources).map(namespace).filter { fired[$0] == nil }
            log("\(missing.count) CounterMeasures did not fire, e.g. \(missing.prefix(5).joined(separator: ", "))")
            for ns in missing.prefix(3) {
                if let body = try? await client.send(.get(Self.descriptor, namespace: ns, name: "bench")).body, let o = try? JSON.parse(body) {
                    log("  \(ns): \(String(decoding: (o[path: ["status", "conditions"]] ?? .null).serialized(), as: UTF8.self))")
                }
            }
            for p in processes {
                let text = (try? await http.execute(HTTPRequest(url: "http://127.0.0.1:\(p.port)/metrics"))).map { String(decoding: $0.body, as: UTF8.self) } ?? ""
                for line in text.split(separator: "\n") where line.hasPrefix("vigil_prometheus_requests_total") { log("  \(p.id): \(line)") }
            }
            throw error
        }
        let done = Date().timeIntervalSince1970
        let apiAfter = try await BenchPrometheus.vigilAPIRequests(http, processes)
        let received = server.received

        // Alerts' activeAt, as Prometheus reports it.
        var activeAt: [String: Double] = [:]
        let alerts = try JSON.parse(try await http.execute(HTTPRequest(url: promURL + "/api/v1/alerts")).body)
        for a in alerts[path: ["data", "alerts"]]?.arrayValue ?? [] {
            if let ns = a[path: ["labels", "namespace"]]?.stringValue, let t = a["activeAt"]?.stringValue.flatMap(RFC3339Time.init) { activeAt[ns] = t.secondsSinceEpoch }
        }
        var alertDelays: [Double] = []
        var promqlDelays: [Double] = []
        for j in 0..<c.resources {
            guard let at = received.first[namespace(j)] else { continue }
            if isAlert(j) {
                if let a = activeAt[namespace(j)] { alertDelays.append(at - a) }
            } else {
                promqlDelays.append(at - firedAt)
            }
        }
        alertDelays.sort()
        promqlDelays.sort()
        let arrivals = received.first.values.sorted()
        let spanned = (arrivals.last ?? 0) - (arrivals.first ?? 0)
        var perReplica: [JSON] = []
        for p in processes {
            perReplica.append([
                "id": .string(p.id), "residentMiB": .double(Double(p.residentBytes ?? 0) / 1_048_576), "cpuSeconds": .double(p.cpuSeconds ?? 0),
            ])
        }
        let apiPerFiring = received.first.isEmpty ? 0 : (apiAfter - apiBefore) / Double(received.first.count)
        let result: JSON = [
            "resources": .int(Int64(c.resources)), "replicas": .int(Int64(c.replicas)), "expressions": .int(Int64(c.expressions)),
            "intervalSeconds": .double(c.interval),
            "prometheusRequestsPerInterval": .double(perInterval), "prometheusQueriesPerInterval": .double((after.query - before.query) / Double(c.quietIntervals)),
            "prometheusAlertsRequestsPerInterval": .double((after.alerts - before.alerts) / Double(c.quietIntervals)),
            "prometheusRequestsGoal": .double(Double(c.replicas * (1 + c.expressions))),
            "alertActiveToActionSecondsP50": .double(Stats.percentile(alertDelays, 0.5)), "alertActiveToActionSecondsP99": .double(Stats.percentile(alertDelays, 0.99)),
            "promqlRaisedToActionSecondsP50": .double(Stats.percentile(promqlDelays, 0.5)), "promqlRaisedToActionSecondsP99": .double(Stats.percentile(promqlDelays, 0.99)),
            "latencyGoalSeconds": .double(c.interval + 1),
            "firedResources": .int(Int64(received.first.count)), "webhooksUnique": .int(Int64(received.unique)), "webhooksRaw": .int(Int64(received.raw)),
            "actionsPerSecond": .double(spanned > 0 ? Double(received.first.count) / spanned : 0),
            "apiRequestsPerFiring": .double(apiPerFiring), "secondsFromFireToLastAction": .double(done - firedAt),
            "replicasDetail": .array(perReplica),
        ]
        log(String(format: "trigger → first action: alerts (from activeAt) p50 %.2f s, p99 %.2f s; PromQL (from the series rising, scrape included) p50 %.2f s, p99 %.2f s; goal ≤ %.0f s",
            Stats.percentile(alertDelays, 0.5), Stats.percentile(alertDelays, 0.99), Stats.percentile(promqlDelays, 0.5), Stats.percentile(promqlDelays, 0.99), c.interval + 1))
        log(String(format: "%d of %d fired once (%d webhooks, %d distinct ids); %.1f actions/s; %.1f API requests per firing",
            received.first.count, c.resources, received.raw, received.unique, spanned > 0 ? Double(received.first.count) / spanned : 0, apiPerFiring))
        for p in perReplica {
            log("  \(p["id"]?.stringValue ?? ""): RSS \(String(format: "%.1f", p["residentMiB"]?.doubleValue ?? 0)) MiB, CPU \(String(format: "%.1f", p["cpuSeconds"]?.doubleValue ?? 0)) s")
        }
        return result
    }

    func startPrometheus(port: Int, target: String) throws -> ChildProcess {
        // Absolute: Prometheus reads rule_files relative to its config file's directory.
        let d = URL(fileURLWithPath: configuration.runDirectory).standardizedFileURL.path
        let rules = """
            groups:
            - name: bench
              interval: 1s
              rules:
              - alert: BenchAlert
                expr: bench_load{group="alert"} > 0.5
                labels: {severity: warning}
            """
        try rules.write(toFile: d + "/rules.yml", atomically: true, encoding: .utf8)
        let config = """
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            rule_files: ["\(d)/rules.yml"]
            scrape_configs:
            - job_name: bench
              static_configs: [{targets: ["\(target)"]}]
            """
        return try BenchPrometheus.start(binary: configuration.prometheusBinary, directory: d, port: port, config: config)
    }
}
