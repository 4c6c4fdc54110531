import ArgumentParser
import Foundation
import HTTPTypes
import Hummingbird
import Kube
import NIOCore
import VigilControllers
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import VigilHost
import VigilRuntime

/// `vigil run`: one replica. Settings come from the config file
/// (`--config`, default `config/vigil.yaml` when it exists), then `VIGIL_*`
/// environment variables, then the flags below. Logs are JSON lines on
/// standard error (`logging.format: text` for people). SIGTERM and SIGINT
/// hand this replica's namespaces over before it exits.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run a Vigil replica.")

    @Option(help: "Configuration file (YAML). Default: config/vigil.yaml if it exists.") var config: String?
    @Option(help: "Kubeconfig file (default: KUBECONFIG, ~/.kube/config, or in-cluster).") var kubeconfig: String?
    @Option(help: "Kubeconfig context.") var context: String?
    @Option(help: "This replica's identity (default: POD_NAME, else the host name).") var identity: String?
    @Option(help: "Namespace of the leases and the shard map (default: POD_NAMESPACE, else vigil-system).") var namespace: String?
    @Option(help: "host:port other replicas reach this one at (default: POD_IP:<http port>).") var address: String?
    @Option(help: "HTTP port for /metrics, /healthz, /readyz, /shards.") var httpPort: Int?
    @Option(help: "HTTP listen address.") var httpHost: String?
    @Option(help: "Lease timing: conservative (15/10/2 s) or fast (4/3/0.5 s).") var profile: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String?
    @Option(help: "Log format: json or text.") var logFormat: String?
    @Option(help: "Reconcile workers per controller.") var workers: Int?
    @Option(name: .customLong("set"), help: "Any setting as key=value (e.g. --set leaderElection.handoffTimeout=20s); repeatable.")
    var settings: [String] = []

    /// The configuration from all sources, in order.
    func load(environment: [String: String]) throws -> VigilConfiguration {
        var c = VigilConfiguration()
        let path = config ?? (FileManager.default.fileExists(atPath: "config/vigil.yaml") ? "config/vigil.yaml" : nil)
        if let path {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("--config \(path): the file cannot be read")
            }
            try c.apply(yaml: text, source: path)
        }
        try c.apply(environment: environment)
        let flags: [(String, String?)] = [
            ("kubeconfig", kubeconfig), ("context", context), ("identity", identity), ("namespace", namespace), ("address", address),
            ("http.port", httpPort.map(String.init)), ("http.host", httpHost), ("leaderElection.profile", profile),
            ("logging.level", logLevel), ("logging.format", logFormat), ("controllers.workers", workers.map(String.init)),
        ]
        for (key, value) in flags { if let value { try c.apply(override: key, value, source: "flag") } }
        for s in settings {
            guard let eq = s.firstIndex(of: "=") else { throw ValidationError("--set \(s): expected key=value") }
            try c.apply(override: String(s[..<eq]), String(s[s.index(after: eq)...]), source: "--set")
        }
        try c.resolveIdentity(environment: environment, hostName: ProcessInfo.processInfo.hostName)
        return c
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let c: VigilConfiguration
        do {
            c = try load(environment: environment)
        } catch let e as VigilConfigurationError {
            FileHandle.standardError.write(Data("vigil run: \(e)\n".utf8))
            throw ExitCode(2)
        }
        let level = Logger.Level(rawValue: c.logging.level) ?? .info
        let json = c.logging.format == "json"
        LoggingSystem.bootstrap { label in
            if json {
                var h = JSONLogHandler(label: label)
                h.logLevel = level
                return h
            }
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "vigil")

        let resolved: ResolvedConfig
        do {
            resolved = try KubeConfigLoader.automatic(
                path: c.kubeconfig.isEmpty ? nil : c.kubeconfig, context: c.context.isEmpty ? nil : c.context, environment: environment)
        } catch {
            logger.critical("cannot load the cluster configuration: \(error)")
            throw ExitCode(2)
        }
        var options = KubeClient.Options(qps: c.kubeAPI.qps, burst: c.kubeAPI.burst, userAgent: "vigil/\(VigilVersion.string)")
        Replica.observeAPIRequests(&options, shard: c.identity)
        let client = try await KubeClient(config: resolved, options: options)
        let coordinationClient = try await KubeClient(config: resolved, options: Replica.coordinationOptions(from: options))
        let replicaConfiguration: ReplicaConfiguration
        do {
            replicaConfiguration = try ReplicaConfiguration(
                identity: c.identity, namespace: c.namespace, address: c.address, ring: c.leaderElection.ring, timing: c.timing,
                handoffTimeout: c.leaderElection.handoffTimeout)
        } catch {
            logger.critical("invalid configuration: \(error)")
            throw ExitCode(2)
        }
        let replica = Replica(configuration: replicaConfiguration, client: client, coordinationClient: coordinationClient, logger: logger)
        let registered = try ControllerCatalog.register(on: replica, client: client, configuration: c, logger: logger)
        let controllers = registered.names
        let receiver = registered.alertmanager
        let http = StatusServer.application(replica: replica, registry: registry, host: c.http.host, port: c.http.port, logger: logger) { router in
            router.post("/alertmanager/webhook") { request, _ in
                var body: [UInt8] = []
                var tooLarge = false
                for try await chunk in request.body {
                    body += chunk.readableBytesView
                    if body.count > receiver.maxBodyBytes {
                        tooLarge = true
                        break
                    }
                }
                let answer = await receiver.receive(
                    body: body, tooLarge: tooLarge, authorization: request.headers[.authorization],
                    forwardedBy: request.headers[HTTPField.Name(AlertmanagerReceiver.forwardedHeader)!])
                return Response(
                    status: .init(code: answer.status), headers: [.contentType: "text/plain; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: answer.body)))
            }
        }
        logger.notice(
            "vigil \(VigilVersion.string) starting",
            metadata: [
                "identity": "\(c.identity)", "namespace": "\(c.namespace)", "address": "\(c.address)", "server": "\(resolved.endpoint.server)",
                "profile": "\(c.leaderElection.profile)", "controllers": "\(controllers)",
            ])
        let group = replica.serviceGroup(first: [http])
        try await group.run()
        logger.notice("vigil stopped")
    }
}
