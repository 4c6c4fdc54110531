// k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto
extension ProtobufSchema {
    static let meta: [String: [Field]] = [
        "meta.v1.ObjectMeta": [
            f(1, "name", .string), f(2, "generateName", .string), f(3, "namespace", .string),
            f(4, "selfLink", .string), f(5, "uid", .string), f(6, "resourceVersion", .string),
            f(7, "generation", .int64), f(8, "creationTimestamp", m("meta.v1.Time")),
            f(9, "deletionTimestamp", m("meta.v1.Time"), .ptr), f(10, "deletionGracePeriodSeconds", .int64, .ptr),
            f(11, "labels", .map(.string)), f(12, "annotations", .map(.string)),
            f(13, "ownerReferences", .list(m("meta.v1.OwnerReference"))), f(14, "finalizers", .list(.string)),
            f(17, "managedFields", .list(m("meta.v1.ManagedFieldsEntry"))),
        ],
        "meta.v1.OwnerReference": [
            f(5, "apiVersion", .string, .req), f(1, "kind", .string, .req), f(3, "name", .string, .req),
            f(4, "uid", .string, .req), f(6, "controller", .bool, .ptr), f(7, "blockOwnerDeletion", .bool, .ptr),
        ],
        "meta.v1.ManagedFieldsEntry": [
            f(1, "manager", .string), f(2, "operation", .string), f(3, "apiVersion", .string),
            f(4, "time", m("meta.v1.Time"), .ptr), f(6, "fieldsType", .string),
            f(7, "fieldsV1", m("meta.v1.FieldsV1"), .ptr), f(8, "subresource", .string),
        ],
        "meta.v1.LabelSelector": [
            f(1, "matchLabels", .map(.string)), f(2, "matchExpressions", .list(m("meta.v1.LabelSelectorRequirement"))),
        ],
        "meta.v1.LabelSelectorRequirement": [
            f(1, "key", .string, .req), f(2, "operator", .string, .req), f(3, "values", .list(.string)),
        ],
        "meta.v1.Condition": [
            f(1, "type", .string, .req), f(2, "status", .string, .req), f(3, "observedGeneration", .int64),
            f(4, "lastTransitionTime", m("meta.v1.Time"), .req), f(5, "reason", .string, .req),
            f(6, "message", .string, .req),
        ],
        "meta.v1.DeleteOptions": [
            f(1, "gracePeriodSeconds", .int64, .ptr), f(2, "preconditions", m("meta.v1.Preconditions"), .ptr),
            f(3, "orphanDependents", .bool, .ptr), f(4, "propagationPolicy", .string, .ptr),
            f(5, "dryRun", .list(.string)), f(6, "ignoreStoreReadErrorWithClusterBreakingPotential", .bool, .ptr),
        ],
        "meta.v1.Preconditions": [f(1, "uid", .string, .ptr), f(2, "resourceVersion", .string, .ptr)],
    ]
}
