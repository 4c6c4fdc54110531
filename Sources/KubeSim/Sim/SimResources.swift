/// The built-in resource types the simulated controllers read and write.
struct SimResources: Sendable {
    let pods, namespaces, nodes, events, serviceAccounts, configMaps: ResourceType
    let deployments, replicaSets, statefulSets, daemonSets, jobs: ResourceType

    init(_ registry: ResourceRegistry) {
        func r(_ g: String, _ p: String) -> ResourceType {
            guard let rt = registry.resolve(group: g, version: "v1", plural: p) ?? BuiltinResources.all.first(where: { $0.group == g && $0.plural == p })
            else { preconditionFailure("built-in resource \(g)/\(p) is missing") }
            return rt
        }
        pods = r("", "pods")
        namespaces = r("", "namespaces")
        nodes = r("", "nodes")
        events = r("", "events")
        serviceAccounts = r("", "serviceaccounts")
        configMaps = r("", "configmaps")
        deployments = r("apps", "deployments")
        replicaSets = r("apps", "replicasets")
        statefulSets = r("apps", "statefulsets")
        daemonSets = r("apps", "daemonsets")
        jobs = r("batch", "jobs")
    }
}
