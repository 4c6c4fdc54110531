import ArgumentParser
import Foundation
import VigilJSON
import VigilLoadTest
import VigilRuntime

@main
struct VigilLoadTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil-loadtest",
        abstract: "Vigil's HA test controller, chaos test and HA benchmark (against kube-sim).",
        subcommands: [ReplicaCommand.self, ChaosCommand.self, BenchHACommand.self, NamespacePolicyBenchCommand.self, CounterMeasureBenchCommand.self, AlertPushBenchCommand.self,
            HealthCheckBenchCommand.self, MemoryScalerBenchCommand.self,
        ])
}

/// Parses `fast` / `conservative`.
func timing(_ profile: String) throws -> LeaderElectionConfig.Timing {
    switch profile {
    case "fast": return .fast
    case "conservative": return .conservative
    default: throw ValidationError("--profile must be fast (4/3/0.5 s) or conservative (15/10/2 s), not \(profile)")
    }
}

/// Prints a line and flushes it (progress lines interleave with child output).
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// `/proc/self/exe`: the replicas are this same binary.
func selfPath() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}

struct ReplicaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "replica", abstract: "Run one replica of the HA test controller.")
    @Option(help: "API server URL (kube-sim).") var server: String
    @Option(help: "This replica's identity (member ID).") var id: String
    @Option(help: "Port of the status server on 127.0.0.1.") var port: Int
    @Option(help: "Receiver URL (reports and effects); none: effects are not delivered anywhere.") var receiver: String?
    @Option(help: "Lease timing: fast or conservative.") var profile = "fast"
    @Option(help: "Namespace of the leases and the shard map.") var leaseNamespace = "default"
    @Option(help: "Controller workers.") var workers = 4
    @Flag(help: "Negative control for the chaos checks: ignore shard ownership.") var ungated = false

    func run() async throws {
        var a = TestControllerReplica.Arguments(
            server: server, identity: id, port: port, receiver: receiver, profile: try timing(profile), leaseNamespace: leaseNamespace, workers: workers)
        a.ungated = ungated
        try await TestControllerReplica.run(a)
    }
}

struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "chaos", abstract: "SIGKILL replicas while they work; check no overlap, nothing lost, no duplicates.")
    @Option(help: "Kills.") var kills = 10
    @Option(help: "Replicas.") var replicas = 3
    @Option(help: "Namespaces at the start.") var namespaces = 24
    @Option(help: "Where replica logs go.") var runDirectory = ".ha-run"
    @Option(help: "Random seed.") var seed: UInt64 = 42

    func run() async throws {
        var c = ChaosRun.Configuration()
        c.kills = kills
        c.replicas = replicas
        c.initialNamespaces = namespaces
        c.seed = seed
        let report = try await ChaosRun(configuration: c, options: HACluster.Options(binary: selfPath(), runDirectory: runDirectory)).run {
            emit($0)
        }
        emit(String(decoding: report.json.serialized(), as: UTF8.self))
        if !report.analysis.isClean || !report.completed { throw ExitCode(1) }
    }
}

struct BenchHACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-ha", abstract: "Failover, hand-off, balance, queue throughput and RSS (JSON + summary).")
    @Option(help: "SIGKILLs (half of them the leader).") var kills = 30
    @Option(help: "SIGTERMs.") var graceful = 6
    @Option(help: "Namespaces for the failover runs.") var namespaces = 300
    @Option(help: "Namespaces for the RSS run.") var rssNamespaces = 10_000
    @Option(help: "Lease timing: fast or conservative.") var profile = "fast"
    @Option(help: "Where replica logs go.") var runDirectory = ".ha-run/bench"

    func run() async throws {
        var c = HABench.Configuration()
        c.kills = kills
        c.graceful = graceful
        c.namespaces = namespaces
        c.rssNamespaces = rssNamespaces
        c.profile = profile
        let result = try await HABench(configuration: c, options: HACluster.Options(binary: selfPath(), runDirectory: runDirectory)).run {
            emit("# " + $0)
        }
        emit(String(decoding: result.serialized(), as: UTF8.self))
    }
}

struct NamespacePolicyBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-nsp",
        abstract: "NamespacePolicies on real vigil replicas: TTL → deletion delay, deletions/s, API requests and CPU before and while firing, RSS, scaling efficiency.")
    @Option(help: "NamespacePolicies (one namespace each).") var policies = 1000
    @Option(help: "vigil replicas; a comma-separated list (1,3,5) runs each in turn and reports the scaling efficiency against the first.")
    var replicas = "3"
    @Option(help: "Seconds before the first deadline.") var warmup = 30.0
    @Option(help: "Seconds the deadlines are spread over (0: every TTL expires at the same instant).") var spread = 30.0
    @Option(help: "Fraction of the policies whose action is a webhook; the rest delete their namespace.") var webhookFraction = 0.5
    @Option(help: "Client-side API rate limit per replica (qps; burst is twice).") var qps = 200
    @Option(help: "The vigil binary (default: next to this one).") var vigil: String?
    @Option(help: "Where replica logs go.") var runDirectory = ".ha-run/nsp"

    func run() async throws {
        let counts = replicas.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty, counts.allSatisfy({ $0 > 0 }) else { throw ValidationError("--replicas must be positive counts, e.g. 3 or 1,3,5") }
        guard (0...1).contains(webhookFraction) else { throw ValidationError("--webhook-fraction must be between 0 and 1") }
        var results: [JSON] = []
        for count in counts {
            var c = NamespacePolicyBench.Configuration(
                vigilBinary: vigil ?? (URL(fileURLWithPath: selfPath()).deletingLastPathComponent().appendingPathComponent("vigil").path),
                runDirectory: runDirectory)
            c.policies = policies
            c.replicas = count
            c.warmupSeconds = warmup
            c.spreadSeconds = spread
            c.webhookFraction = webhookFraction
            c.qps = qps
            let result = try await NamespacePolicyBench(configuration: c).run { emit("# " + $0) }
            emit(String(decoding: result.serialized(), as: UTF8.self))
            results.append(result)
        }
        guard results.count > 1 else { return }
        let scaling = NamespacePolicyBench.scaling(results)
        emit("# scaling against the first run:")
        for line in scaling.lines { emit("#   " + line) }
        emit(String(decoding: scaling.json.serialized(), as: UTF8.self))
    }
}

struct CounterMeasureBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-ctm",
        abstract: "CounterMeasures on real vigil replicas and a real Prometheus: Prometheus requests per interval, trigger → action latency, actions/s, RSS, CPU.")
    @Option(help: "CounterMeasures (one namespace each; a tenth alert-triggered).") var resources = 1000
    @Option(help: "vigil replicas.") var replicas = 3
    @Option(help: "Distinct PromQL expressions.") var expressions = 10
    @Option(help: "The Prometheus source's poll interval, seconds.") var interval = 5.0
    @Option(help: "Intervals counted in the quiet window.") var quietIntervals = 6
    @Option(help: "Client-side API rate limit per replica (qps; burst is twice).") var qps = 200
    @Option(help: "The vigil binary (default: next to this one).") var vigil: String?
    @Option(help: "The prometheus binary.") var prometheus = "/usr/bin/prometheus"
    @Option(help: "Where logs and Prometheus data go.") var runDirectory = ".ha-run/ctm"

    func run() async throws {
        var c = CounterMeasureBench.Configuration(
            vigilBinary: vigil ?? (URL(fileURLWithPath: selfPath()).deletingLastPathComponent().appendingPathComponent("vigil").path),
            runDirectory: runDirectory)
        c.resources = resources
        c.replicas = replicas
        c.expressions = expressions
        c.interval = interval
        c.quietIntervals = quietIntervals
        c.qps = qps
        c.prometheusBinary = prometheus
        let result = try await CounterMeasureBench(configuration: c).run { emit("# " + $0) }
        emit(String(decoding: result.serialized(), as: UTF8.self))
    }
}

struct AlertPushBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-alerts",
        abstract: "Alertmanager pushes to real vigil replicas at rising rates: receipt → action (local and forwarded), errors, losses, duplicates.")
    @Option(help: "Namespaces, each with a push-only CounterMeasure.") var namespaces = 1000
    @Option(help: "vigil replicas.") var replicas = 3
    @Option(help: "Alert rates to step through, alerts/s (comma-separated).") var rates = "25,50,100,200,400"
    @Option(help: "Seconds per rate step.") var stepSeconds = 10.0
    @Option(help: "Client-side API rate limit per replica (qps; burst is twice).") var qps = 200
    @Option(help: "The vigil binary (default: next to this one).") var vigil: String?
    @Option(help: "Where logs go.") var runDirectory = ".ha-run/alerts"

    func run() async throws {
        var c = AlertPushBench.Configuration(
            vigilBinary: vigil ?? (URL(fileURLWithPath: selfPath()).deletingLastPathComponent().appendingPathComponent("vigil").path),
            runDirectory: runDirectory)
        c.namespaces = namespaces
        c.replicas = replicas
        c.rates = rates.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        c.stepSeconds = stepSeconds
        c.qps = qps
        let result = try await AlertPushBench(configuration: c).run { emit("# " + $0) }
        emit(String(decoding: result.serialized(), as: UTF8.self))
    }
}

struct HealthCheckBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-hc",
        abstract: "HTTP HealthChecks on real vigil replicas, SIGKILLed on a timer: start jitter, doubled and missed runs, API requests per run, RSS, CPU.")
    @Option(help: "HealthChecks (HTTP, against the bench's server).") var checks = 2000
    @Option(help: "Namespaces they are spread over.") var namespaces = 200
    @Option(help: "vigil replicas.") var replicas = 3
    @Option(help: "Every check's interval, seconds.") var interval = 30
    @Option(help: "Seconds over which the checks are created (their slots are anchored at creation; default one interval; 0: all at once).") var spread: Double?
    @Option(help: "The measured window, seconds.") var duration = 600.0
    @Option(help: "A SIGKILL of a random replica every so many seconds of the window (0: none).") var killEvery = 60.0
    @Option(help: "Client-side API rate limit per replica (qps; burst is twice).") var qps = 200
    @Option(help: "Seed for choosing the victims.") var seed: UInt64 = 12
    @Option(help: "The vigil binary (default: next to this one).") var vigil: String?
    @Option(help: "Where logs go.") var runDirectory = ".ha-run/hc"

    func run() async throws {
        var c = HealthCheckBench.Configuration(
            vigilBinary: vigil ?? (URL(fileURLWithPath: selfPath()).deletingLastPathComponent().appendingPathComponent("vigil").path),
            runDirectory: runDirectory)
        c.checks = checks
        c.namespaces = namespaces
        c.replicas = replicas
        c.interval = interval
        c.spread = spread
        c.duration = duration
        c.killEvery = killEvery
        c.qps = qps
        c.seed = seed
        let result = try await HealthCheckBench(configuration: c).run { emit("# " + $0) }
        emit(String(decoding: result.serialized(), as: UTF8.self))
    }
}

struct MemoryScalerBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-msc",
        abstract: "MemoryScalers over many pods on real vigil replicas with a real Prometheus: queries per interval, raise → resize latency, resizes/s, doubles, RSS, CPU.")
    @Option(help: "MemoryScalers, one per namespace.") var scalers = 500
    @Option(help: "Pods each MemoryScaler selects (one Deployment).") var podsPerScaler = 20
    @Option(help: "vigil replicas.") var replicas = 3
    @Option(help: "The Prometheus source's poll interval, seconds.") var interval = 5.0
    @Option(help: "Prometheus' scrape interval of kube-sim's /metrics/cadvisor, seconds.") var scrapeInterval = 1.0
    @Option(help: "Pods raised over the threshold per second.") var rate = 100.0
    @Option(help: "controllers.workers of each replica (default: vigil's).") var workers: Int?
    @Option(help: "Client-side API rate limit per replica (qps; burst is twice).") var qps = 200
    @Option(help: "The vigil binary (default: next to this one).") var vigil: String?
    @Option(help: "Where logs go.") var runDirectory = ".ha-run/msc"

    func run() async throws {
        var c = MemoryScalerBench.Configuration(
            vigilBinary: vigil ?? (URL(fileURLWithPath: selfPath()).deletingLastPathComponent().appendingPathComponent("vigil").path),
            runDirectory: runDirectory)
        c.scalers = scalers
        c.podsPerScaler = podsPerScaler
        c.replicas = replicas
        c.interval = interval
        c.scrapeInterval = scrapeInterval
        c.rate = rate
        c.workers = workers
        c.qps = qps
        let result = try await MemoryScalerBench(configuration: c).run { emit("# " + $0) }
        emit(String(decoding: result.serialized(), as: UTF8.self))
    }
}
