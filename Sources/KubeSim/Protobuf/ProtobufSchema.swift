/// Hand-written description of the Kubernetes protobuf messages kube-sim
/// decodes: message name → fields (number, JSON name, type, Go emission rule),
/// transcribed from the `generated.proto` files of k8s.io/api and
/// k8s.io/apimachinery and from the Go struct tags they mirror.
enum ProtobufSchema {
    /// Field value type.
    indirect enum FieldType: Sendable, Equatable {
        case string, bytes, int32, int64, bool, double
        /// A message, by schema name (`core.v1.Container`, `meta.v1.Time`, …).
        case message(String)
        /// `repeated` of the element type (packed or not for varints).
        case list(FieldType)
        /// `map<string, V>` (repeated entry messages, key 1, value 2). JSON keys come out sorted, as Go writes maps.
        case map(FieldType)
    }

    /// When the field shows up in the JSON Go would write for the decoded struct.
    enum Emit: Sendable, Equatable {
        /// `json:",omitempty"` on a non-pointer: left out when zero or empty.
        /// A non-pointer struct is still written (omitempty does not apply to structs in Go).
        case opt
        /// Pointer: written when present on the wire, whatever its value.
        case ptr
        /// No omitempty: always written, as the zero value (`null` for slices/maps) when absent.
        case req
        /// Embedded struct (`json:",inline"`): its fields are merged into the parent.
        case inline
    }

    struct Field: Sendable {
        var number: Int
        var json: String
        var type: FieldType
        var emit: Emit
    }

    /// Messages with a custom JSON form rather than a field table.
    static let special: Set<String> = [
        "meta.v1.Time", "meta.v1.MicroTime", "meta.v1.Duration", "intstr.IntOrString",
        "resource.Quantity", "meta.v1.FieldsV1", "runtime.RawExtension",
    ]

    /// All field tables, merged from the per-group files.
    static let messages: [String: [Field]] = {
        var all: [String: [Field]] = [:]
        for table in [meta, core, apps, batch, coordination, policy, autoscaling, rbac, networking, scheduling, authentication] {
            all.merge(table) { a, _ in a }
        }
        return all
    }()

    /// `"apiVersion kind"` → message name, for the objects a request body may carry.
    /// `DeleteOptions` is accepted under any apiVersion (it is registered in every group version).
    static let kinds: [String: String] = [
        "v1 Namespace": "core.v1.Namespace",
        "v1 ConfigMap": "core.v1.ConfigMap",
        "v1 Secret": "core.v1.Secret",
        "v1 ServiceAccount": "core.v1.ServiceAccount",
        "v1 Service": "core.v1.Service",
        "v1 Pod": "core.v1.Pod",
        "v1 ResourceQuota": "core.v1.ResourceQuota",
        "apps/v1 Deployment": "apps.v1.Deployment",
        "apps/v1 StatefulSet": "apps.v1.StatefulSet",
        "apps/v1 DaemonSet": "apps.v1.DaemonSet",
        "apps/v1 ReplicaSet": "apps.v1.ReplicaSet",
        "batch/v1 Job": "batch.v1.Job",
        "batch/v1 CronJob": "batch.v1.CronJob",
        "coordination.k8s.io/v1 Lease": "coordination.v1.Lease",
        "policy/v1 Eviction": "policy.v1.Eviction",
        "policy/v1 PodDisruptionBudget": "policy.v1.PodDisruptionBudget",
        "autoscaling/v1 Scale": "autoscaling.v1.Scale",
        "autoscaling/v1 HorizontalPodAutoscaler": "autoscaling.v1.HorizontalPodAutoscaler",
        "rbac.authorization.k8s.io/v1 Role": "rbac.v1.Role",
        "rbac.authorization.k8s.io/v1 RoleBinding": "rbac.v1.RoleBinding",
        "rbac.authorization.k8s.io/v1 ClusterRole": "rbac.v1.ClusterRole",
        "rbac.authorization.k8s.io/v1 ClusterRoleBinding": "rbac.v1.ClusterRoleBinding",
        "networking.k8s.io/v1 Ingress": "networking.v1.Ingress",
        "scheduling.k8s.io/v1 PriorityClass": "scheduling.v1.PriorityClass",
        "authentication.k8s.io/v1 TokenRequest": "authentication.v1.TokenRequest",
    ]

    /// Table-building shorthand: `f(1, "name", .string, .req)`.
    static func f(_ number: Int, _ json: String, _ type: FieldType, _ emit: Emit = .opt) -> Field {
        Field(number: number, json: json, type: type, emit: emit)
    }

    /// A message-typed field type.
    static func m(_ name: String) -> FieldType { .message(name) }

    /// Message name for an envelope's type, or nil.
    static func message(apiVersion: String, kind: String) -> String? {
        if kind == "DeleteOptions" { return "meta.v1.DeleteOptions" }
        return kinds["\(apiVersion) \(kind)"]
    }
}
