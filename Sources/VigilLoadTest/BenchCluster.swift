import Foundation
import Kube
import ProcessFixtures
import VigilAPI
import VigilJSON

/// What every benchmark on real `vigil run` replicas starts with: Vigil's
/// CRDs (from the files users apply) and the lease namespace in kube-sim,
/// namespaces created in concurrent batches, and replicas started the same
/// way (fast lease profile, JSON logs at notice, the bench's client QPS).
enum BenchCluster {
    /// Installs every CRD of deploy/crds and creates `vigil-system`.
    static func prepare(_ client: KubeClient) async throws {
        let directory = NamespacePolicyBench.repositoryRoot + "/deploy/crds/"
        for file in try FileManager.default.contentsOfDirectory(atPath: directory).filter({ $0.hasSuffix(".yaml") }).sorted() {
            let text = try String(contentsOfFile: directory + file, encoding: .utf8)
            guard let crd = try ManifestReader.documents(in: text, source: file).first?.json else { throw HARunError(message: "no CRD in \(file)") }
            _ = try await client.send(.create(.customResourceDefinitions, namespace: nil, body: crd.serialized()))
        }
        _ = try await client.create(.namespaces, Namespace(metadata: ObjectMeta(name: "vigil-system")))
        try await Task.sleep(for: .milliseconds(300))
    }

    /// Runs `make(i)` for every `i` below `count`, 200 at a time.
    static func inBatches(_ count: Int, _ make: @escaping @Sendable (Int) async throws -> Void) async throws {
        var i = 0
        while i < count {
            let batch = i..<min(i + 200, count)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for j in batch { tasks.addTask { try await make(j) } }
                try await tasks.waitForAll()
            }
            i = batch.upperBound
        }
    }

    /// Starts `count` replicas `vigil-0`… with `extra` arguments (e.g. `--config`).
    static func replicas(
        _ count: Int, binary: String, kubeconfig: String, qps: Int, runDirectory: String, extra: [String] = []
    ) throws -> [ReplicaProcess] {
        try (0..<count).map { r in
            try replica("vigil-\(r)", binary: binary, kubeconfig: kubeconfig, qps: qps, runDirectory: runDirectory, extra: extra)
        }
    }

    /// Starts one replica named `id`, logging to `<runDirectory>/<id>.log`.
    static func replica(
        _ id: String, binary: String, kubeconfig: String, qps: Int, runDirectory: String, extra: [String] = []
    ) throws -> ReplicaProcess {
        let port = try freeLoopbackPort()
        return try ReplicaProcess(
            executable: binary,
            arguments: [
                "run", "--kubeconfig", kubeconfig, "--identity", id, "--namespace", "vigil-system", "--http-port", String(port),
                "--http-host", "127.0.0.1", "--profile", "fast", "--log-format", "json", "--log-level", "notice",
                "--set", "kubeAPI.qps=\(qps)", "--set", "kubeAPI.burst=\(qps * 2)",
            ] + extra, id: id, port: port, logPath: "\(runDirectory)/\(id).log")
    }

    /// Polls `check` every 500 ms until it holds; throws naming `what` after `seconds`.
    static func waitFor(_ what: String, seconds: Double, _ check: () async -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if await check() { return }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw HARunError(message: "timed out after \(Int(seconds)) s waiting for \(what)")
    }
}
