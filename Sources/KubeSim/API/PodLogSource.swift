/// Pod logs, supplied by the workload simulator.
public protocol PodLogSource: Sendable {
    /// The log text of a container, or an error a real kubelet would give
    /// (container not started, unknown container …). `previous` asks for the
    /// last terminated instance.
    func logs(namespace: String, pod: JSON, container: String, previous: Bool) async throws(APIError) -> String
    /// Whether the container has terminated (ends `follow`).
    func isTerminated(namespace: String, pod: JSON, container: String) async -> Bool
}
