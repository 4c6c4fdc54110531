import ArgumentParser
import Hummingbird
import KubeSim
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `kube-sim`: a Kubernetes API server simulator on loopback.
@main
struct KubeSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kube-sim",
        abstract: "A Kubernetes API server simulator that kubectl and client libraries talk to unmodified.",
        discussion: "Prints its URL on one line once it listens. See README.md for the simulated workloads (sim.vigil.dev/* annotations) and /sim/faults.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on; 0 picks a free one.") var port = 0
    @Option(name: .customLong("kubeconfig-out"), help: "Write a kubeconfig for this server to this path.") var kubeconfigOut: String?
    @Option(help: "Require 'Authorization: Bearer <token>' on API requests (401 otherwise).") var token: String?
    @Option(help: "Latency added to every API request, in milliseconds.") var latency = 0
    @Option(name: .customLong("event-window"), help: "Watch history size per resource; older resourceVersions get 410 Gone.") var eventWindow = 10_000
    @Flag(name: .customLong("no-workloads"), help: "Do not simulate controllers, kubelet, pods, jobs or metrics.") var noWorkloads = false
    @Option(name: .customLong("bookmark-interval"), help: "Seconds between watch BOOKMARK events.") var bookmarkInterval = 60.0
    @Option(name: .customLong("min-request-timeout"), help: "Watches without timeoutSeconds last this long × random(1, 2) seconds.") var minRequestTimeout = 1800.0
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (debug logs every request).") var logLevel = "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, got \(port)") }
        guard eventWindow >= 1 else { throw ValidationError("--event-window must be at least 1, got \(eventWindow)") }
        guard latency >= 0 else { throw ValidationError("--latency must not be negative") }
        guard bookmarkInterval > 0 else { throw ValidationError("--bookmark-interval must be positive") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical; got \(logLevel)")
        }
    }

    func run() async throws {
        var logger = Logger(label: "kube-sim")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let sim = try await KubeSimServer.make(options: .init(
            eventWindow: eventWindow, workloads: !noWorkloads, latencyMs: latency, token: token,
            bookmarkInterval: bookmarkInterval, minRequestTimeout: minRequestTimeout))
        let kubeconfig = kubeconfigOut
        let token = self.token
        let host = self.host
        try await sim.run(host: host, port: port, logger: logger) { boundPort in
            let url = "http://\(host):\(boundPort)"
            if let kubeconfig {
                do {
                    try KubeSimServer.writeKubeconfig(path: kubeconfig, server: url, token: token)
                } catch {
                    FileHandleOut.stderr("kube-sim: cannot write kubeconfig to \(kubeconfig): \(error)\n")
                    Glibc.exit(1)
                }
            }
            print(url)
            fflush(nil)
        }
    }
}

enum FileHandleOut {
    static func stderr(_ s: String) {
        let bytes = Array(s.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
