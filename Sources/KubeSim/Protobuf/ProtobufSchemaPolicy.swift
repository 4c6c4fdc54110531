// k8s.io/api coordination/v1, policy/v1, rbac/v1, networking/v1, scheduling/v1, authentication/v1 generated.proto
extension ProtobufSchema {
    static let coordination: [String: [Field]] = [
        "coordination.v1.Lease": [f(1, "metadata", m("meta.v1.ObjectMeta")), f(2, "spec", m("coordination.v1.LeaseSpec"))],
        "coordination.v1.LeaseSpec": [
            f(1, "holderIdentity", .string, .ptr), f(2, "leaseDurationSeconds", .int32, .ptr),
            f(3, "acquireTime", m("meta.v1.MicroTime"), .ptr), f(4, "renewTime", m("meta.v1.MicroTime"), .ptr),
            f(5, "leaseTransitions", .int32, .ptr), f(6, "strategy", .string, .ptr),
            f(7, "preferredHolder", .string, .ptr),
        ],
    ]

    static let policy: [String: [Field]] = [
        "policy.v1.Eviction": [
            f(1, "metadata", m("meta.v1.ObjectMeta")), f(2, "deleteOptions", m("meta.v1.DeleteOptions"), .ptr),
        ],
        "policy.v1.PodDisruptionBudget": [
            f(1, "metadata", m("meta.v1.ObjectMeta")), f(2, "spec", m("policy.v1.PodDisruptionBudgetSpec")),
            f(3, "status", m("policy.v1.PodDisruptionBudgetStatus")),
        ],
        "policy.v1.PodDisruptionBudgetSpec": [
            f(1, "minAvailable", m("intstr.IntOrString"), .ptr), f(2, "selector", m("meta.v1.LabelSelector"), .ptr),
            f(3, "maxUnavailable", m("intstr.IntOrString"), .ptr), f(4, "unhealthyPodEvictionPolicy", .string, .ptr),
        ],
        "policy.v1.PodDisruptionBudgetStatus": [
            f(1, "observedGeneration", .int64), f(2, "disruptedPods", .map(m("meta.v1.Time"))),
            f(3, "disruptionsAllowed", .int32, .req), f(4, "currentHealthy", .int32, .req),
            f(5, "desiredHealthy", .int32, .req), f(6, "expectedPods", .int32, .req),
            f(7, "conditions", .list(m("meta.v1.Condition"))),
        ],
    ]

    static let rbac: [String: [Field]] = [
        "rbac.v1.Role": [f(1, "metadata", m("meta.v1.ObjectMeta")), f(2, "rules", .list(m("rbac.v1.PolicyRule")), .req)],
        "rbac.v1.ClusterRole": [
            f(1, "metadata", m("meta.v1.ObjectMeta")), f(2, "rules", .list(m("rbac.v1.PolicyRule")), .req),
            f(3, "aggregationRule", m("rbac.v1.AggregationRule"), .ptr),
        ],
        "rbac.v1.AggregationRule": [f(1, "clusterRoleSelectors", .list(m("meta.v1.LabelSelector")))],
        "rbac.v1.PolicyRule": [
            f(1, "verbs", .list(.string), .req), f(2, "apiGroups", .list(.string)), f(3, "resources", .list(.string)),
            f(4, "resourceNames", .list(.string)), f(5, "nonResourceURLs", .list(.string)),
        ],
        "rbac.v1.RoleBinding": [
            f(1, "metadata", m("meta.v1.ObjectMeta")), f(2, "subjects", .list(m("rbac.v1.Subject"))),
            f(3, "roleRef", m("rbac.v1.RoleRef")),
        ],
        "rbac.v1.ClusterRoleBinding": [
            f(1, "metadata", m("meta.v1.ObjectMeta")), f(2, "subjects", .list(m("rbac.v1.Subject"))),
            f(3, "roleRef", m("rbac.v1.RoleRef")),
        ],
        "rbac.v1.Subject": [
            f(1, "kind", .string, .req), f(2, "apiGroup", .string), f(3, "name", .string, .req),
            f(4, "namespace", .string),
        ],
        "rbac.v1.RoleRef": [f(1, "apiGroup", .string, .req), f(2, "kind", .string, .req), f(3, "name", .string, .req)],
    ]

    static let networking: [String: [Field]] = [
        "networking.v1.Ingress": [
            f(1, "metadata", m("meta.v1.ObjectMeta")), f(2, "spec", m("networking.v1.IngressSpec")),
            f(3, "status", m("networking.v1.IngressStatus")),
        ],
        "networking.v1.IngressSpec": [
            f(4, "ingressClassName", .string, .ptr), f(1, "defaultBackend", m("networking.v1.IngressBackend"), .ptr),
            f(2, "tls", .list(m("networking.v1.IngressTLS"))), f(3, "rules", .list(m("networking.v1.IngressRule"))),
        ],
        "networking.v1.IngressTLS": [f(1, "hosts", .list(.string)), f(2, "secretName", .string)],
        "networking.v1.IngressRule": [
            f(1, "host", .string), f(2, "ingressRuleValue", m("networking.v1.IngressRuleValue"), .inline),
        ],
        "networking.v1.IngressRuleValue": [f(1, "http", m("networking.v1.HTTPIngressRuleValue"), .ptr)],
        "networking.v1.HTTPIngressRuleValue": [f(1, "paths", .list(m("networking.v1.HTTPIngressPath")), .req)],
        "networking.v1.HTTPIngressPath": [
            f(1, "path", .string), f(3, "pathType", .string, .ptr), f(2, "backend", m("networking.v1.IngressBackend")),
        ],
        "networking.v1.IngressBackend": [
            f(4, "service", m("networking.v1.IngressServiceBackend"), .ptr),
            f(3, "resource", m("core.v1.TypedLocalObjectReference"), .ptr),
        ],
        "networking.v1.IngressServiceBackend": [
            f(1, "name", .string, .req), f(2, "port", m("networking.v1.ServiceBackendPort")),
        ],
        "networking.v1.ServiceBackendPort": [f(1, "name", .string), f(2, "number", .int32)],
        "networking.v1.IngressStatus": [f(1, "loadBalancer", m("networking.v1.IngressLoadBalancerStatus"))],
        "networking.v1.IngressLoadBalancerStatus": [f(1, "ingress", .list(m("networking.v1.IngressLoadBalancerIngress")))],
        "networking.v1.IngressLoadBalancerIngress": [f(1, "ip", .string), f(2, "hostname", .string)],
    ]

    static let scheduling: [String: [Field]] = [
        "scheduling.v1.PriorityClass": [
            f(1, "metadata", m("meta.v1.ObjectMeta")), f(2, "value", .int32, .req), f(3, "globalDefault", .bool),
            f(4, "description", .string), f(5, "preemptionPolicy", .string, .ptr),
        ],
    ]

    static let authentication: [String: [Field]] = [
        "authentication.v1.TokenRequest": [
            f(1, "metadata", m("meta.v1.ObjectMeta")), f(2, "spec", m("authentication.v1.TokenRequestSpec")),
            f(3, "status", m("authentication.v1.TokenRequestStatus")),
        ],
        "authentication.v1.TokenRequestSpec": [
            f(1, "audiences", .list(.string), .req), f(4, "expirationSeconds", .int64, .ptr),
            f(3, "boundObjectRef", m("authentication.v1.BoundObjectReference"), .ptr),
        ],
        "authentication.v1.BoundObjectReference": [
            f(1, "kind", .string), f(2, "apiVersion", .string), f(3, "name", .string), f(4, "uid", .string),
        ],
        "authentication.v1.TokenRequestStatus": [
            f(1, "token", .string, .req), f(2, "expirationTimestamp", m("meta.v1.Time")),
        ],
    ]
}
