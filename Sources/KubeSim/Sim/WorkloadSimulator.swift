/// The simulated controllers and kubelet (placeholder: filled in next).
public final class WorkloadSimulator: PodLogSource {
    let store: ClusterStore
    public init(store: ClusterStore) { self.store = store }
    /// Runs until the task is cancelled.
    public func run() async {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }
    public func cadvisorMetrics() async -> String { "" }
    public func logs(namespace: String, pod: JSON, container: String, previous: Bool) async throws(APIError) -> String { "" }
    public func isTerminated(namespace: String, pod: JSON, container: String) async -> Bool { true }
}
