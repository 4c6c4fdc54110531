import Hummingbird
import ServiceLifecycle
import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// A whole simulated cluster: store, API, workload simulation, faults, and
/// the HTTP server. Tests and the `kube-sim` executable both start it here.
public struct KubeSimServer: Sendable {
    public struct Options: Sendable {
        public var eventWindow: Int
        public var workloads: Bool
        public var latencyMs: Int
        public var token: String?
        public var bookmarkInterval: Double
        public var minRequestTimeout: Double

        public init(eventWindow: Int = 10_000, workloads: Bool = true, latencyMs: Int = 0, token: String? = nil,
            bookmarkInterval: Double = 60, minRequestTimeout: Double = 1800)
        {
            self.eventWindow = eventWindow
            self.workloads = workloads
            self.latencyMs = latencyMs
            self.token = token
            self.bookmarkInterval = bookmarkInterval
            self.minRequestTimeout = minRequestTimeout
        }
    }

    public let options: Options
    public let store: ClusterStore
    public let api: APIServer
    public let control: SimControl
    public let workloads: WorkloadSimulator?

    public static func make(options: Options) async throws -> KubeSimServer {
        let store = ClusterStore(eventWindow: options.eventWindow, gracefulPodDeletion: options.workloads)
        let api = APIServer(store: store, minRequestTimeout: options.minRequestTimeout)
        let control = SimControl()
        if options.latencyMs > 0 { _ = try control.configure(["latencyMs": .int(Int64(options.latencyMs))]) }
        try await Bootstrap.seed(store)
        var workloads: WorkloadSimulator? = nil
        if options.workloads {
            let w = WorkloadSimulator(store: store)
            api.setLogSource(w)
            workloads = w
        }
        return KubeSimServer(options: options, store: store, api: api, control: control, workloads: workloads)
    }

    /// Runs until SIGTERM/SIGINT. `onListening` gets the bound port.
    public func run(host: String, port: Int, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void) async throws {
        var metrics: (@Sendable () async -> String)? = nil
        if let w = workloads { metrics = { await w.cadvisorMetrics() } }
        let responder = SimResponder(api: api, control: control, token: options.token, metrics: metrics, logger: logger)
        var services: [any Service] = [BookmarkTicker(store: store, interval: options.bookmarkInterval)]
        if let workloads { services.append(WorkloadService(simulator: workloads)) }
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: port), serverName: "kube-sim"),
            services: services,
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
        try await app.runService()
    }

    public static func kubeconfig(server: String, token: String?) -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: kube-sim
          cluster:
            server: \(server)
        contexts:
        - name: kube-sim
          context:
            cluster: kube-sim
            namespace: default
            user: kube-sim
        current-context: kube-sim
        preferences: {}
        users:
        - name: kube-sim
          user:\(token.map { "\n    token: \($0)" } ?? " {}")

        """
    }

    public static func writeKubeconfig(path: String, server: String, token: String?) throws {
        let text = kubeconfig(server: server, token: token)
        guard let f = fopen(path, "w") else { throw KubeconfigWriteError(path: path, errno: errno) }
        fputs(text, f)
        fclose(f)
    }

    struct KubeconfigWriteError: Error, CustomStringConvertible {
        var path: String
        var errno: Int32
        var description: String { String(cString: strerror(errno)) }
    }
}

/// Runs the workload simulator as part of the server's service group.
struct WorkloadService: Service {
    let simulator: WorkloadSimulator

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await simulator.run()
        }
    }
}

/// Sends BOOKMARK events to watchers that allow them, every `interval` seconds.
struct BookmarkTicker: Service {
    let store: ClusterStore
    let interval: Double

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
                await store.sendBookmarks()
            }
        }
    }
}

/// The objects every cluster starts with.
enum Bootstrap {
    static func seed(_ store: ClusterStore) async throws {
        guard let ns = store.registry.resolve(group: "", version: "v1", plural: "namespaces") else { return }
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            _ = try await store.create(ns, namespace: nil, object: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]])
        }
    }
}
