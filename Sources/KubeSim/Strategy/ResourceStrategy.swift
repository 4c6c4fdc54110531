/// Per-kind write semantics of kube-apiserver's registry strategies:
/// defaulting, what a create or update may change (the spec/status split,
/// subresources), generation, and validation.
enum ResourceStrategy {
    // MARK: Create

    static func prepareForCreate(_ rt: ResourceType, _ obj: inout JSON, registry: ResourceRegistry, now: Double) throws(APIError) {
        if rt.hasStatus && rt.storageKey != "pods" && rt.storageKey != "namespaces" {
            obj["status"] = nil
        }
        switch rt.storageKey {
        case "namespaces":
            obj[path: ["metadata", "labels", "kubernetes.io/metadata.name"]] = obj[path: ["metadata", "name"]]
            obj[path: ["spec", "finalizers"]] = ["kubernetes"]
            obj["status"] = ["phase": "Active"]
        case "pods":
            PodDefaults.apply(&obj)
            obj["status"] = ["phase": "Pending", "qosClass": .string(PodDefaults.qosClass(obj["spec"] ?? [:]))]
        case "apps/deployments", "apps/replicasets", "apps/statefulsets", "apps/daemonsets":
            WorkloadDefaults.apply(rt, &obj)
        case "batch/jobs":
            WorkloadDefaults.applyJob(&obj)
        case "batch/cronjobs":
            if obj[path: ["spec", "jobTemplate", "spec", "template"]] != nil {
                var t = obj[path: ["spec", "jobTemplate", "spec", "template"]]!
                PodDefaults.applyTemplate(&t)
                obj[path: ["spec", "jobTemplate", "spec", "template"]] = t
            }
            if obj[path: ["spec", "suspend"]] == nil { obj[path: ["spec", "suspend"]] = false }
            if obj[path: ["spec", "concurrencyPolicy"]] == nil { obj[path: ["spec", "concurrencyPolicy"]] = "Allow" }
        case "services":
            ServiceDefaults.apply(&obj)
        case "secrets":
            SecretDefaults.apply(&obj)
        case "apiextensions.k8s.io/customresourcedefinitions":
            CRDDefaults.apply(&obj, now: now)
        default:
            break
        }
        if rt.isCustom { try CustomResourceStrategy.admit(rt, &obj, registry: registry) }
    }

    // MARK: Update

    static func prepareForUpdate(
        _ rt: ResourceType, _ obj: inout JSON, old: JSON, subresource: String?, registry: ResourceRegistry, now: Double
    ) throws(APIError) {
        switch subresource {
        case nil:
            if rt.hasStatus { obj["status"] = old["status"] }
            switch rt.storageKey {
            case "namespaces":
                obj[path: ["spec", "finalizers"]] = old[path: ["spec", "finalizers"]]
                obj[path: ["metadata", "labels", "kubernetes.io/metadata.name"]] = old[path: ["metadata", "name"]]
            case "pods":
                PodDefaults.apply(&obj)
                obj[path: ["spec", "ephemeralContainers"]] = old[path: ["spec", "ephemeralContainers"]]
                try PodDefaults.checkUpdate(rt, new: obj, old: old)
            case "apps/deployments", "apps/replicasets", "apps/statefulsets", "apps/daemonsets":
                WorkloadDefaults.apply(rt, &obj)
                if old[path: ["spec", "selector"]] != obj[path: ["spec", "selector"]] {
                    throw invalid(rt, obj, "spec.selector", "FieldValueInvalid",
                        "spec.selector: Invalid value: \(goMap(obj[path: ["spec", "selector"]])): field is immutable")
                }
            case "batch/jobs":
                WorkloadDefaults.applyJob(&obj)
            case "services":
                ServiceDefaults.apply(&obj, old: old)
            case "secrets":
                SecretDefaults.apply(&obj)
            case "apiextensions.k8s.io/customresourcedefinitions":
                obj["status"] = old["status"]
                CRDDefaults.refreshStatus(&obj, now: now)
            default:
                break
            }
            if rt.isCustom { try CustomResourceStrategy.admit(rt, &obj, registry: registry) }
        case "status":
            var o = old
            o["status"] = obj["status"]
            if rt.isCustom { try CustomResourceStrategy.admit(rt, &o, registry: registry) }
            obj = o
        case "binding":
            // The scheduler's write: only spec.nodeName changes.
            var o = old
            o[path: ["spec", "nodeName"]] = obj[path: ["spec", "nodeName"]]
            obj = o
        case "finalize":
            var o = old
            o[path: ["spec", "finalizers"]] = obj[path: ["spec", "finalizers"]]
            obj = o
        case "ephemeralcontainers":
            var o = old
            let oldEC = old[path: ["spec", "ephemeralContainers"]]?.arrayValue ?? []
            let newEC = obj[path: ["spec", "ephemeralContainers"]]?.arrayValue ?? []
            for e in oldEC {
                let name = e["name"]?.stringValue ?? ""
                guard let n = newEC.first(where: { $0["name"]?.stringValue == name }) else {
                    throw invalid(rt, obj, "spec.ephemeralContainers", "FieldValueForbidden",
                        "spec.ephemeralContainers: Forbidden: existing ephemeral containers \"\(name)\" may not be removed")
                }
                var a = n, b = e
                PodDefaults.defaultContainer(&a)
                PodDefaults.defaultContainer(&b)
                if a != b {
                    throw invalid(rt, obj, "spec.ephemeralContainers", "FieldValueForbidden",
                        "spec.ephemeralContainers: Forbidden: existing ephemeral containers \"\(name)\" may not be changed")
                }
            }
            var merged: [JSON] = []
            for var e in newEC {
                PodDefaults.defaultContainer(&e)
                guard let ename = e["name"]?.stringValue, !ename.isEmpty else {
                    throw invalid(rt, obj, "spec.ephemeralContainers[0].name", "FieldValueRequired",
                        "spec.ephemeralContainers[0].name: Required value")
                }
                let allNames = (old[path: ["spec", "containers"]]?.arrayValue ?? []) + (old[path: ["spec", "initContainers"]]?.arrayValue ?? [])
                if allNames.contains(where: { $0["name"]?.stringValue == ename }) {
                    throw invalid(rt, obj, "spec.ephemeralContainers[0].name", "FieldValueDuplicate",
                        "spec.ephemeralContainers[0].name: Duplicate value: \"\(ename)\"")
                }
                merged.append(e)
            }
            o[path: ["spec", "ephemeralContainers"]] = merged.isEmpty ? nil : .array(merged)
            obj = o
        case "resize":
            var o = old
            let oldCs = old[path: ["spec", "containers"]]?.arrayValue ?? []
            let newCs = obj[path: ["spec", "containers"]]?.arrayValue ?? []
            var out: [JSON] = []
            for c in oldCs {
                var c2 = c
                if let n = newCs.first(where: { $0["name"]?.stringValue == c["name"]?.stringValue }) {
                    c2["resources"] = n["resources"]
                }
                out.append(c2)
            }
            o[path: ["spec", "containers"]] = .array(out)
            let oldQ = PodDefaults.qosClass(old["spec"] ?? [:])
            let newQ = PodDefaults.qosClass(o["spec"] ?? [:])
            if oldQ != newQ {
                throw invalid(rt, obj, "spec", "FieldValueInvalid", "spec: Invalid value: \"\(newQ)\": Pod QOS Class may not change as a result of resizing")
            }
            if old[path: ["status", "phase"]]?.stringValue == "Succeeded" || old[path: ["status", "phase"]]?.stringValue == "Failed" {
                throw invalid(rt, obj, "spec", "FieldValueForbidden", "spec: Forbidden: pod resize is not allowed for terminated pods")
            }
            obj = o
        default:
            break
        }
        // Generation follows the spec: anything outside metadata and status.
        if rt.tracksGeneration {
            var a = obj, b = old
            a["metadata"] = nil
            b["metadata"] = nil
            a["status"] = nil
            b["status"] = nil
            let g = old[path: ["metadata", "generation"]]?.intValue ?? 1
            obj[path: ["metadata", "generation"]] = .int(a == b ? g : g + 1)
        }
    }

    // MARK: Validation

    static func validate(_ rt: ResourceType, _ obj: JSON, old: JSON?, registry: ResourceRegistry) throws(APIError) {
        let name = obj[path: ["metadata", "name"]]?.stringValue ?? ""
        if old == nil {
            let problem: String?
            switch rt.storageKey {
            case "namespaces", "services": problem = Names.dns1123Label(name)
            case "apiextensions.k8s.io/customresourcedefinitions", "rbac.authorization.k8s.io/roles",
                "rbac.authorization.k8s.io/clusterroles", "rbac.authorization.k8s.io/rolebindings",
                "rbac.authorization.k8s.io/clusterrolebindings":
                problem = Names.pathSegment(name)
            default: problem = Names.dns1123Subdomain(name)
            }
            if let problem {
                throw invalid(rt, obj, "metadata.name", "FieldValueInvalid", "metadata.name: Invalid value: \"\(name)\": \(problem)")
            }
        }
        for key in ["labels", "annotations"] {
            if let v = obj[path: ["metadata", key]], v != .null, v.objectValue == nil {
                throw .badRequest("\(rt.kind) in version \"\(rt.version)\" cannot be handled as a \(rt.kind): json: cannot unmarshal \(v.typeName) into Go struct field ObjectMeta.metadata.\(key) of type map[string]string")
            }
            for (k, v) in obj[path: ["metadata", key]]?.objectValue ?? JSONObject() where v.stringValue == nil && v != .null {
                throw .badRequest("\(rt.kind) in version \"\(rt.version)\" cannot be handled as a \(rt.kind): json: cannot unmarshal \(v.typeName) into Go struct field ObjectMeta.metadata.\(key) of type string (key \(k))")
            }
        }
        try validateMetadata(rt, obj)
        switch rt.storageKey {
        case "pods":
            try PodDefaults.validate(rt, obj, path: "spec", spec: obj["spec"])
        case "apps/deployments", "apps/replicasets", "apps/statefulsets", "apps/daemonsets":
            try WorkloadDefaults.validate(rt, obj)
        case "batch/jobs":
            try WorkloadDefaults.validateJob(rt, obj)
        case "coordination.k8s.io/leases":
            if let d = obj[path: ["spec", "leaseDurationSeconds"]]?.intValue, d <= 0 {
                throw invalid(rt, obj, "spec.leaseDurationSeconds", "FieldValueInvalid",
                    "spec.leaseDurationSeconds: Invalid value: \(d): must be greater than 0")
            }
        case "apiextensions.k8s.io/customresourcedefinitions":
            try CRDDefaults.validate(rt, obj, old: old)
        default:
            break
        }
    }

    /// Label keys and values, annotation keys and size, as ObjectMeta validation does.
    static func validateMetadata(_ rt: ResourceType, _ obj: JSON) throws(APIError) {
        var errors: [FieldError] = []
        if let labels = obj[path: ["metadata", "labels"]]?.objectValue {
            var dict: [String: String] = [:]
            for (k, v) in labels { dict[k] = v.stringValue ?? "" }
            errors += LabelValidation.validateLabels(dict)
        }
        if let annotations = obj[path: ["metadata", "annotations"]]?.objectValue {
            var total = 0
            for (k, v) in annotations {
                total += k.utf8.count + (v.stringValue?.utf8.count ?? 0)
                for e in LabelValidation.labelKeyErrors(k.lowercased()) {
                    errors.append(.invalid("metadata.annotations", .string(k), e))
                }
            }
            if total > 262_144 {
                errors.append(.tooLong("metadata.annotations", nil, maxLength: 262_144))
            }
        }
        guard !errors.isEmpty else { return }
        throw APIError.invalid(kind: rt.kind, group: rt.group, name: obj[path: ["metadata", "name"]]?.stringValue ?? "",
            causes: errors.map { ($0.field, $0.type.rawValue, $0.message) })
    }

    static func invalid(_ rt: ResourceType, _ obj: JSON, _ field: String, _ reason: String, _ message: String) -> APIError {
        APIError.invalid(kind: rt.kind, group: rt.group, name: obj[path: ["metadata", "name"]]?.stringValue ?? "",
            causes: [(field, reason, message)])
    }

    /// Renders a JSON map the way Go's `%#v` prints a map[string]string.
    static func goMap(_ j: JSON?) -> String {
        guard let o = j?.objectValue else { return "nil" }
        let parts = o.entries.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value.serializedString)" }
        return "map[string]string{" + parts.joined(separator: ", ") + "}"
    }
}
