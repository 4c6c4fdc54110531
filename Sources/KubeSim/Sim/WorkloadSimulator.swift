/// The simulated controllers and kubelet that make kube-sim's cluster feel
/// alive: Deployments, ReplicaSets, StatefulSets, DaemonSets and Jobs get
/// their pods; pods are scheduled onto `sim-node-1` and run through
/// Pending → Running (→ Succeeded/Failed, restarts, OOM kills) as their
/// `sim.vigil.dev/*` annotations say; container logs and cAdvisor metrics
/// are served from the simulated runtime. See `docs/kube-sim-workloads.md`.
public final class WorkloadSimulator: PodLogSource {
    let engine: SimEngine

    public init(store: ClusterStore) {
        engine = SimEngine(store: store)
    }

    init(store: ClusterStore, clock: @escaping @Sendable () -> Double) {
        engine = SimEngine(store: store, clock: clock)
    }

    /// Runs until the task is cancelled.
    public func run() async {
        await engine.run()
    }

    /// Prometheus text exposition of the running containers, like the
    /// kubelet's `/metrics/cadvisor`.
    public func cadvisorMetrics() async -> String {
        await engine.metrics()
    }

    public func logs(namespace: String, pod: JSON, container: String, previous: Bool) async throws(APIError) -> String {
        try await engine.logs(namespace: namespace, pod: pod, container: container, previous: previous)
    }

    public func isTerminated(namespace: String, pod: JSON, container: String) async -> Bool {
        await engine.isTerminated(namespace: namespace, pod: pod, container: container)
    }
}
