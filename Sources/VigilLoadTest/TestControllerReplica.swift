import Kube
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import VigilHost
import VigilRuntime

/// One replica process of the HA test controller: a `Replica` (leader
/// election, membership, hand-off) with one controller over `HATask`s, and
/// the status server (`/metrics`, `/healthz`, `/readyz`, `/shards`). Runs
/// until SIGTERM or SIGINT (graceful hand-off) or SIGKILL.
public enum TestControllerReplica {
    public struct Arguments: Sendable {
        public var server: String
        public var identity: String
        public var port: Int
        public var receiver: String?
        public var profile: LeaderElectionConfig.Timing
        public var leaseNamespace: String
        public var workers: Int
        /// Test-only negative control: the controller ignores shard
        /// ownership (every replica works on every namespace), so the chaos
        /// checks must report overlaps.
        public var ungated = false

        public init(server: String, identity: String, port: Int, receiver: String?, profile: LeaderElectionConfig.Timing, leaseNamespace: String, workers: Int) {
            self.server = server
            self.identity = identity
            self.port = port
            self.receiver = receiver
            self.profile = profile
            self.leaseNamespace = leaseNamespace
            self.workers = workers
        }
    }

    public static func run(_ a: Arguments) async throws {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            // Debug: the service lifecycle's shutdown steps are in the logs of a run.
            h.logLevel = .debug
            return h
        }
        let logger = Logger(label: "vigil-test-controller")
        var options = KubeClient.Options(qps: 0)
        Replica.observeAPIRequests(&options, shard: a.identity)
        let client = try KubeClient(server: a.server, options: options)
        let configuration = try ReplicaConfiguration(
            identity: a.identity, namespace: a.leaseNamespace, address: "127.0.0.1:\(a.port)", ring: "hatest", timing: a.profile)
        let replica = Replica(configuration: configuration, client: client, logger: logger)
        let receiver = try a.receiver.map { try ReceiverClient(url: $0) }
        let member = replica.member
        let reconciler = HATaskReconciler(
            client: client, receiver: receiver, replica: a.identity, pendingTimeout: a.profile.leaseDuration,
            epoch: { member.view.epoch ?? 0 })
        let informer = Informer<DynamicObject>(client: client, descriptor: HATask.descriptor)
        if a.ungated {
            let controller = Controller(name: "hatask", source: informer, reconciler: reconciler, workers: a.workers, shard: a.identity)
            logger.warning("UNGATED: working on every namespace regardless of shard ownership (negative control)")
            Task { try await informer.run() }
            Task { try await controller.run() }
        } else {
            replica.register("hatask", informer: informer, reconciler: reconciler, workers: a.workers)
        }
        let http = StatusServer.application(replica: replica, registry: registry, host: "127.0.0.1", port: a.port, logger: logger)
        let group = replica.serviceGroup(first: [http])
        logger.notice("replica \(a.identity) starting", metadata: ["port": "\(a.port)", "server": "\(a.server)"])
        try await group.run()
        logger.notice("replica \(a.identity) stopped")
    }
}
