/// The built-in resources kube-sim serves, as a v1.33 API server announces them.
public enum BuiltinResources {
    public static let all: [ResourceType] = [
        // core/v1
        ResourceType(group: "", version: "v1", kind: "Namespace", plural: "namespaces", shortNames: ["ns"],
            namespaced: false, subresources: ["status", "finalize"], verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
            returnsDeletedObject: true),
        ResourceType(group: "", version: "v1", kind: "Pod", plural: "pods", shortNames: ["po"], namespaced: true,
            subresources: ["status", "ephemeralcontainers", "resize", "log", "eviction", "binding"], categories: ["all"],
            tracksGeneration: true, returnsDeletedObject: true),
        ResourceType(group: "", version: "v1", kind: "Event", plural: "events", shortNames: ["ev"], namespaced: true),
        ResourceType(group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", shortNames: ["cm"], namespaced: true),
        ResourceType(group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true),
        ResourceType(group: "", version: "v1", kind: "Service", plural: "services", shortNames: ["svc"], namespaced: true,
            subresources: ["status"], categories: ["all"], verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]),
        ResourceType(group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", shortNames: ["sa"], namespaced: true),
        ResourceType(group: "", version: "v1", kind: "Endpoints", plural: "endpoints", singular: "endpoints", shortNames: ["ep"], namespaced: true),
        ResourceType(group: "", version: "v1", kind: "Node", plural: "nodes", shortNames: ["no"], namespaced: false,
            subresources: ["status"]),
        ResourceType(group: "", version: "v1", kind: "PersistentVolumeClaim", plural: "persistentvolumeclaims", shortNames: ["pvc"],
            namespaced: true, subresources: ["status"]),
        ResourceType(group: "", version: "v1", kind: "PersistentVolume", plural: "persistentvolumes", shortNames: ["pv"],
            namespaced: false, subresources: ["status"]),
        ResourceType(group: "", version: "v1", kind: "ResourceQuota", plural: "resourcequotas", shortNames: ["quota"],
            namespaced: true, subresources: ["status"]),
        ResourceType(group: "", version: "v1", kind: "LimitRange", plural: "limitranges", shortNames: ["limits"], namespaced: true),
        ResourceType(group: "", version: "v1", kind: "PodTemplate", plural: "podtemplates", namespaced: true),
        ResourceType(group: "", version: "v1", kind: "ReplicationController", plural: "replicationcontrollers", shortNames: ["rc"],
            namespaced: true, subresources: ["status", "scale"], categories: ["all"], tracksGeneration: true),
        // apps/v1
        ResourceType(group: "apps", version: "v1", kind: "Deployment", plural: "deployments", shortNames: ["deploy"],
            namespaced: true, subresources: ["status", "scale"], categories: ["all"], tracksGeneration: true),
        ResourceType(group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets", shortNames: ["rs"],
            namespaced: true, subresources: ["status", "scale"], categories: ["all"], tracksGeneration: true),
        ResourceType(group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets", shortNames: ["sts"],
            namespaced: true, subresources: ["status", "scale"], categories: ["all"], tracksGeneration: true),
        ResourceType(group: "apps", version: "v1", kind: "DaemonSet", plural: "daemonsets", shortNames: ["ds"],
            namespaced: true, subresources: ["status"], categories: ["all"], tracksGeneration: true),
        ResourceType(group: "apps", version: "v1", kind: "ControllerRevision", plural: "controllerrevisions", namespaced: true),
        // batch/v1
        ResourceType(group: "batch", version: "v1", kind: "Job", plural: "jobs", namespaced: true,
            subresources: ["status"], categories: ["all"], tracksGeneration: true),
        ResourceType(group: "batch", version: "v1", kind: "CronJob", plural: "cronjobs", shortNames: ["cj"], namespaced: true,
            subresources: ["status"], categories: ["all"], tracksGeneration: true),
        // coordination.k8s.io/v1
        ResourceType(group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", namespaced: true),
        // events.k8s.io/v1 (same storage as core events, converted on the way in and out)
        ResourceType(group: "events.k8s.io", version: "v1", kind: "Event", plural: "events", shortNames: ["ev"], namespaced: true),
        // policy/v1
        ResourceType(group: "policy", version: "v1", kind: "PodDisruptionBudget", plural: "poddisruptionbudgets", shortNames: ["pdb"],
            namespaced: true, subresources: ["status"], tracksGeneration: true),
        // rbac.authorization.k8s.io/v1
        ResourceType(group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", plural: "roles", namespaced: true),
        ResourceType(group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding", plural: "rolebindings", namespaced: true),
        ResourceType(group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole", plural: "clusterroles", namespaced: false),
        ResourceType(group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding", plural: "clusterrolebindings", namespaced: false),
        // apiextensions.k8s.io/v1
        ResourceType(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition", plural: "customresourcedefinitions",
            shortNames: ["crd", "crds"], namespaced: false, subresources: ["status"], categories: ["api-extensions"], tracksGeneration: true),
    ]

    /// Group versions in the order discovery lists them (core first).
    public static let groupOrder = [
        "apps", "events.k8s.io", "batch", "policy", "rbac.authorization.k8s.io", "apiextensions.k8s.io", "coordination.k8s.io",
    ]
}
