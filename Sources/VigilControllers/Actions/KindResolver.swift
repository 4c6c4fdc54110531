import Kube
import Synchronization
import VigilJSON
import VigilRuntime

/// Finds the resource (plural, scope) of an apiVersion and kind, as kubectl
/// does: built-in kinds from a table, others from the API server's
/// discovery document, cached. Only namespaced kinds are accepted: a
/// resource acts on objects in its own namespace.
final class KindResolver: Sendable {
    let client: KubeClient
    let cache = Mutex<[String: ResourceDescriptor]>([:])

    static let builtin: [String: ResourceDescriptor] = {
        var t: [String: ResourceDescriptor] = [:]
        for d in [ResourceDescriptor.pods, .configMaps, .secrets, .deployments, .statefulSets, .daemonSets, .replicaSets, .jobs, .events, .leases] {
            t["\(d.group.isEmpty ? d.version : "\(d.group)/\(d.version)")/\(d.kind)"] = d
        }
        for (kind, plural) in [("Service", "services"), ("PersistentVolumeClaim", "persistentvolumeclaims"), ("ServiceAccount", "serviceaccounts"), ("Endpoints", "endpoints")] {
            t["v1/\(kind)"] = ResourceDescriptor(group: "", version: "v1", kind: kind, plural: plural, namespaced: true)
        }
        t["batch/v1/CronJob"] = ResourceDescriptor(group: "batch", version: "v1", kind: "CronJob", plural: "cronjobs", namespaced: true)
        return t
    }()

    init(client: KubeClient) {
        self.client = client
    }

    func resolve(apiVersion: String, kind: String) async throws -> ResourceDescriptor {
        let id = "\(apiVersion)/\(kind)"
        if let d = Self.builtin[id] ?? cache.withLock({ $0[id] }) { return d }
        let parts = apiVersion.split(separator: "/", maxSplits: 1).map(String.init)
        let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts[0])
        let path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        let body: [UInt8]
        do {
            body = try await client.send(KubeRequest(method: "GET", path: path)).body
        } catch {
            if error.isNotFound { throw PermanentEffectFailure("the API server does not serve \(apiVersion) (no \(path)): check apiVersion") }
            throw error
        }
        let doc = try JSON.parse(body)
        for r in doc["resources"]?.arrayValue ?? [] {
            guard r["kind"]?.stringValue == kind, let name = r["name"]?.stringValue, !name.contains("/") else { continue }
            guard r["namespaced"]?.boolValue == true else {
                throw PermanentEffectFailure("\(kind) (\(apiVersion)) is cluster-scoped: a namespaced resource acts only on objects in its own namespace")
            }
            let d = ResourceDescriptor(group: group, version: version, kind: kind, plural: name, namespaced: true)
            cache.withLock { $0[id] = d }
            return d
        }
        throw PermanentEffectFailure("the API server serves no kind \(kind) in \(apiVersion): check kind and apiVersion")
    }
}
