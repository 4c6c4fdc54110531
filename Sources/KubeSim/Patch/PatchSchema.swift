/// Per-field list semantics for the patch engines, keyed by field path.
///
/// A path is the list of object field names from the root of the object;
/// list elements are transparent, so the env list of a pod container is
/// `["spec", "containers", "env"]`. Paths not described here are maps merged
/// key by key and atomic lists, which is what both strategic merge patch and
/// server-side apply do for fields without tags.
///
/// Each ``ListRule`` carries both views of a list, because they differ in
/// k8s.io/api: the strategic-merge `patchStrategy`/`patchMergeKey` tags, and
/// the `x-kubernetes-list-type`/`x-kubernetes-list-map-keys` server-side
/// apply uses (e.g. container ports merge by `containerPort` in SMP but are
/// keyed by `containerPort`+`protocol` in apply; Job conditions merge by
/// `type` in SMP but are atomic in apply).
public struct PatchSchema: Sendable, Equatable {
    /// Server-side apply list type (`x-kubernetes-list-type`).
    public enum ListType: Sendable, Equatable {
        case atomic
        case set
        case map(keys: [String])
    }

    /// How one list field is patched.
    public struct ListRule: Sendable, Equatable {
        /// Strategic merge: `patchStrategy:"merge"` (otherwise the list is replaced).
        public var smpMerge: Bool
        /// Strategic merge `patchMergeKey`; nil with `smpMerge` = primitive list merged as a set.
        public var smpMergeKey: String?
        /// Server-side apply list type.
        public var listType: ListType
        /// Defaults the apiserver fills in for missing apply key fields (e.g. `protocol: TCP`).
        public var keyDefaults: [String: JSON]

        public init(smpMerge: Bool, smpMergeKey: String?, listType: ListType, keyDefaults: [String: JSON] = [:]) {
            self.smpMerge = smpMerge
            self.smpMergeKey = smpMergeKey
            self.listType = listType
            self.keyDefaults = keyDefaults
        }

        /// `patchStrategy:"merge" patchMergeKey:key`, apply map keyed by `ssaKeys` (default `[key]`).
        public static func mergeByKey(_ key: String, ssaKeys: [String]? = nil, keyDefaults: [String: JSON] = [:])
            -> ListRule
        {
            ListRule(smpMerge: true, smpMergeKey: key, listType: .map(keys: ssaKeys ?? [key]), keyDefaults: keyDefaults)
        }

        /// `patchStrategy:"merge"` on a primitive list; apply `set`.
        public static let mergeSet = ListRule(smpMerge: true, smpMergeKey: nil, listType: .set)

        /// No strategy: replaced wholesale by both engines.
        public static let atomic = ListRule(smpMerge: false, smpMergeKey: nil, listType: .atomic)
    }

    /// Rules by path (components joined with ".").
    public var lists: [String: ListRule]
    /// Object fields that are atomic for server-side apply (`+structType=atomic`,
    /// e.g. `LabelSelector`), by path.
    public var atomicObjects: Set<String>

    public init(lists: [String: ListRule] = [:], atomicObjects: Set<String> = []) {
        self.lists = lists
        self.atomicObjects = atomicObjects
    }

    static func key(_ path: [String]) -> String { path.joined(separator: ".") }

    /// The rule for the list at `path`, if it has one.
    public func listRule(at path: [String]) -> ListRule? { lists[Self.key(path)] }

    /// Whether the object at `path` is atomic for server-side apply.
    public func isAtomicObject(at path: [String]) -> Bool { atomicObjects.contains(Self.key(path)) }

    /// A schema for a custom resource from its structural schema's list
    /// annotations (`x-kubernetes-list-type`, `x-kubernetes-list-map-keys`),
    /// by path (components joined with "."). Strategic merge patch is not
    /// offered for custom resources; these rules only drive apply (and, if
    /// used with SMP, `map` lists merge by their first key and sets merge).
    public static func customResource(listTypes: [String: ListType]) -> PatchSchema {
        var lists: [String: ListRule] = [:]
        for (path, type) in listTypes {
            switch type {
            case .atomic: lists[path] = .atomic
            case .set: lists[path] = .mergeSet
            case .map(let keys): lists[path] = ListRule(smpMerge: true, smpMergeKey: keys.first, listType: type)
            }
        }
        var s = PatchSchema(lists: lists)
        s.addObjectMeta(at: ["metadata"])
        return s
    }

    // MARK: - Built-in kinds

    /// The schema for a built-in kind (group `""` is core), or nil for kinds
    /// this simulator does not describe (the apiserver answers 415 to a
    /// strategic merge patch on custom resources).
    public static func builtin(group: String, kind: String) -> PatchSchema? {
        var s = PatchSchema()
        s.addObjectMeta(at: ["metadata"])
        switch (group, kind) {
        case ("", "Pod"):
            s.addPodSpec(at: ["spec"])
            s.addPodStatus(at: ["status"])
        case ("", "PodTemplate"):
            s.addPodTemplate(at: ["template"])
        case ("", "ReplicationController"):
            s.addPodTemplate(at: ["spec", "template"])
            s.lists[key(["status", "conditions"])] = .mergeByKey("type")
        case ("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"), ("apps", "DaemonSet"):
            s.addPodTemplate(at: ["spec", "template"])
            s.atomicObjects.insert(key(["spec", "selector"]))
            s.lists[key(["status", "conditions"])] = .mergeByKey("type")
            if kind == "StatefulSet" {
                s.lists[key(["spec", "volumeClaimTemplates"])] = .atomic
            }
        case ("batch", "Job"):
            s.addJobSpec(at: ["spec"])
            s.lists[key(["status", "conditions"])] = ListRule(
                smpMerge: true, smpMergeKey: "type", listType: .atomic)
        case ("batch", "CronJob"):
            s.addObjectMeta(at: ["spec", "jobTemplate", "metadata"])
            s.addJobSpec(at: ["spec", "jobTemplate", "spec"])
            s.lists[key(["status", "active"])] = .atomic
        case ("", "Service"):
            s.lists[key(["spec", "ports"])] = .mergeByKey(
                "port", ssaKeys: ["port", "protocol"], keyDefaults: ["protocol": "TCP"])
            s.lists[key(["spec", "clusterIPs"])] = .atomic
            s.lists[key(["spec", "externalIPs"])] = .atomic
            s.lists[key(["spec", "ipFamilies"])] = .atomic
            s.lists[key(["spec", "loadBalancerSourceRanges"])] = .atomic
            s.lists[key(["status", "conditions"])] = .mergeByKey("type")
            s.lists[key(["status", "loadBalancer", "ingress"])] = .atomic
        case ("", "Namespace"):
            s.lists[key(["spec", "finalizers"])] = .atomic
            s.lists[key(["status", "conditions"])] = .mergeByKey("type")
        case ("", "ConfigMap"), ("", "Secret"):
            break
        case ("", "ServiceAccount"):
            s.lists[key(["secrets"])] = .mergeByKey("name")
            s.lists[key(["imagePullSecrets"])] = .atomic
        case ("coordination.k8s.io", "Lease"):
            break
        case ("", "Event"), ("events.k8s.io", "Event"):
            break
        case ("", "Node"):
            s.lists[key(["spec", "podCIDRs"])] = .mergeSet
            s.lists[key(["spec", "taints"])] = .atomic
            s.lists[key(["status", "conditions"])] = .mergeByKey("type")
            s.lists[key(["status", "addresses"])] = .mergeByKey("type")
            s.lists[key(["status", "images"])] = .atomic
            s.lists[key(["status", "volumesInUse"])] = .atomic
            s.lists[key(["status", "volumesAttached"])] = .atomic
        default:
            return nil
        }
        return s
    }

    mutating func addObjectMeta(at p: [String]) {
        lists[Self.key(p + ["finalizers"])] = .mergeSet
        lists[Self.key(p + ["ownerReferences"])] = .mergeByKey("uid")
        lists[Self.key(p + ["managedFields"])] = .atomic
    }

    mutating func addPodTemplate(at p: [String]) {
        addObjectMeta(at: p + ["metadata"])
        addPodSpec(at: p + ["spec"])
    }

    mutating func addJobSpec(at p: [String]) {
        atomicObjects.insert(Self.key(p + ["selector"]))
        addPodTemplate(at: p + ["template"])
    }

    mutating func addPodSpec(at p: [String]) {
        lists[Self.key(p + ["volumes"])] = .mergeByKey("name")
        lists[Self.key(p + ["imagePullSecrets"])] = .mergeByKey("name")
        lists[Self.key(p + ["tolerations"])] = .atomic
        lists[Self.key(p + ["hostAliases"])] = .mergeByKey("ip")
        lists[Self.key(p + ["topologySpreadConstraints"])] = .mergeByKey(
            "topologyKey", ssaKeys: ["topologyKey", "whenUnsatisfiable"])
        lists[Self.key(p + ["readinessGates"])] = .atomic
        lists[Self.key(p + ["resourceClaims"])] = .mergeByKey("name")
        lists[Self.key(p + ["schedulingGates"])] = .mergeByKey("name")
        for c in ["containers", "initContainers", "ephemeralContainers"] {
            let cp = p + [c]
            lists[Self.key(cp)] = .mergeByKey("name")
            lists[Self.key(cp + ["ports"])] = .mergeByKey(
                "containerPort", ssaKeys: ["containerPort", "protocol"], keyDefaults: ["protocol": "TCP"])
            lists[Self.key(cp + ["env"])] = .mergeByKey("name")
            lists[Self.key(cp + ["envFrom"])] = .atomic
            lists[Self.key(cp + ["volumeMounts"])] = .mergeByKey("mountPath")
            lists[Self.key(cp + ["volumeDevices"])] = .mergeByKey("devicePath")
            lists[Self.key(cp + ["resizePolicy"])] = .atomic
            lists[Self.key(cp + ["command"])] = .atomic
            lists[Self.key(cp + ["args"])] = .atomic
        }
    }

    mutating func addPodStatus(at p: [String]) {
        lists[Self.key(p + ["conditions"])] = .mergeByKey("type")
        lists[Self.key(p + ["podIPs"])] = .mergeByKey("ip")
        lists[Self.key(p + ["hostIPs"])] = .mergeByKey("ip")
        for c in ["containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"] {
            lists[Self.key(p + [c])] = .atomic
        }
    }
}
