import ArgumentParser
import Foundation
import Kube
import VigilControllers

/// `vigil restore -n NAMESPACE`: undoes a NamespacePolicy `scaleDown`:
/// every Deployment and StatefulSet of the namespace that carries the
/// saved replica count (`vigil.dev/scaled-down-from-replicas`) is scaled back
/// to it and the annotation removed. Workloads without it are left alone.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Scale a namespace's workloads back to the replicas a scaleDown saved.")

    @Option(name: [.customShort("n"), .long], help: "The namespace to restore.") var namespace: String
    @Option(help: "Kubeconfig file (default: KUBECONFIG, ~/.kube/config, or in-cluster).") var kubeconfig: String?
    @Option(help: "Kubeconfig context.") var context: String?
    @Flag(help: "Print what would be done; change nothing.") var dryRun = false

    func run() async throws {
        let resolved: ResolvedConfig
        do {
            resolved = try KubeConfigLoader.automatic(path: kubeconfig, context: context)
        } catch {
            FileHandle.standardError.write(Data("vigil restore: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let client = try await KubeClient(config: resolved, options: KubeClient.Options(userAgent: "vigil/\(VigilVersion.string)"))
        let workloads = try await ActionExecutor.workloads(client, namespace: namespace)
        let patches = ScaleDownPlanner.restore(workloads, namespace: namespace)
        if patches.isEmpty {
            print("nothing to restore in namespace \(namespace): no Deployment or StatefulSet carries a saved replica count")
            return
        }
        for p in patches { print((dryRun ? "would " : "") + p.description) }
        if !dryRun { try await ActionExecutor.apply(patches, client) }
    }
}
