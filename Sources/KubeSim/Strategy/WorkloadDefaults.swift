/// Defaults and validation for apps/v1 workloads and batch/v1 Jobs.
enum WorkloadDefaults {
    static func apply(_ rt: ResourceType, _ obj: inout JSON) {
        if var t = obj[path: ["spec", "template"]] {
            PodDefaults.applyTemplate(&t)
            obj[path: ["spec", "template"]] = t
        }
        switch rt.kind {
        case "Deployment":
            def(&obj, ["spec", "replicas"], 1)
            def(&obj, ["spec", "revisionHistoryLimit"], 10)
            def(&obj, ["spec", "progressDeadlineSeconds"], 600)
            if obj[path: ["spec", "strategy", "type"]] == nil {
                obj[path: ["spec", "strategy", "type"]] = "RollingUpdate"
            }
            if obj[path: ["spec", "strategy", "type"]]?.stringValue == "RollingUpdate" {
                def(&obj, ["spec", "strategy", "rollingUpdate", "maxUnavailable"], "25%")
                def(&obj, ["spec", "strategy", "rollingUpdate", "maxSurge"], "25%")
            }
        case "ReplicaSet":
            def(&obj, ["spec", "replicas"], 1)
        case "StatefulSet":
            def(&obj, ["spec", "replicas"], 1)
            def(&obj, ["spec", "podManagementPolicy"], "OrderedReady")
            def(&obj, ["spec", "revisionHistoryLimit"], 10)
            def(&obj, ["spec", "updateStrategy", "type"], "RollingUpdate")
            if obj[path: ["spec", "updateStrategy", "type"]]?.stringValue == "RollingUpdate" {
                def(&obj, ["spec", "updateStrategy", "rollingUpdate", "partition"], 0)
            }
            def(&obj, ["spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"], "Retain")
            def(&obj, ["spec", "persistentVolumeClaimRetentionPolicy", "whenScaled"], "Retain")
        case "DaemonSet":
            def(&obj, ["spec", "revisionHistoryLimit"], 10)
            def(&obj, ["spec", "updateStrategy", "type"], "RollingUpdate")
            if obj[path: ["spec", "updateStrategy", "type"]]?.stringValue == "RollingUpdate" {
                def(&obj, ["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"], 1)
                def(&obj, ["spec", "updateStrategy", "rollingUpdate", "maxSurge"], 0)
            }
        default:
            break
        }
    }

    static func def(_ obj: inout JSON, _ path: [String], _ v: JSON) {
        if obj[path: path] == nil { obj[path: path] = v }
    }

    static func validate(_ rt: ResourceType, _ obj: JSON) throws(APIError) {
        guard let selector = obj[path: ["spec", "selector"]], selector != .null else {
            throw ResourceStrategy.invalid(rt, obj, "spec.selector", "FieldValueRequired", "spec.selector: Required value")
        }
        let matchLabels = selector["matchLabels"]?.objectValue ?? JSONObject()
        if matchLabels.isEmpty && (selector["matchExpressions"]?.arrayValue ?? []).isEmpty {
            throw ResourceStrategy.invalid(rt, obj, "spec.selector", "FieldValueInvalid",
                "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment")
        }
        let labels = obj[path: ["spec", "template", "metadata", "labels"]]?.objectValue ?? JSONObject()
        let matches = matchLabels.allSatisfy { labels[$0.key] == $0.value }
        if !matches {
            throw ResourceStrategy.invalid(rt, obj, "spec.template.metadata.labels", "FieldValueInvalid",
                "spec.template.metadata.labels: Invalid value: \(ResourceStrategy.goMap(obj[path: ["spec", "template", "metadata", "labels"]])): `selector` does not match template `labels`")
        }
        if let r = obj[path: ["spec", "replicas"]]?.intValue, r < 0 {
            throw ResourceStrategy.invalid(rt, obj, "spec.replicas", "FieldValueInvalid",
                "spec.replicas: Invalid value: \(r): must be greater than or equal to 0")
        }
        try PodDefaults.validate(rt, obj, path: "spec.template.spec", spec: obj[path: ["spec", "template", "spec"]])
    }

    static func applyJob(_ obj: inout JSON) {
        if var t = obj[path: ["spec", "template"]] {
            PodDefaults.applyTemplate(&t)
            obj[path: ["spec", "template"]] = t
        }
        let uid = obj[path: ["metadata", "uid"]]?.stringValue ?? ""
        let name = obj[path: ["metadata", "name"]]?.stringValue ?? ""
        if obj[path: ["spec", "selector"]] == nil && obj[path: ["spec", "manualSelector"]]?.boolValue != true {
            obj[path: ["spec", "selector"]] = ["matchLabels": ["batch.kubernetes.io/controller-uid": .string(uid)]]
        }
        if obj[path: ["spec", "manualSelector"]]?.boolValue != true {
            for (k, v) in [("batch.kubernetes.io/controller-uid", uid), ("batch.kubernetes.io/job-name", name), ("controller-uid", uid), ("job-name", name)] {
                def(&obj, ["spec", "template", "metadata", "labels", k], .string(v))
            }
        }
        def(&obj, ["spec", "parallelism"], 1)
        if obj[path: ["spec", "completions"]] == nil { obj[path: ["spec", "completions"]] = 1 }
        def(&obj, ["spec", "backoffLimit"], 6)
        def(&obj, ["spec", "completionMode"], "NonIndexed")
        def(&obj, ["spec", "suspend"], false)
        def(&obj, ["spec", "podReplacementPolicy"], "TerminatingOrFailed")
    }

    static func validateJob(_ rt: ResourceType, _ obj: JSON) throws(APIError) {
        let rp = obj[path: ["spec", "template", "spec", "restartPolicy"]]?.stringValue ?? ""
        if rp != "OnFailure" && rp != "Never" {
            throw ResourceStrategy.invalid(rt, obj, "spec.template.spec.restartPolicy", "FieldValueNotSupported",
                rp == "Always" || rp.isEmpty
                    ? "spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""
                    : "spec.template.spec.restartPolicy: Unsupported value: \"\(rp)\": supported values: \"OnFailure\", \"Never\"")
        }
        try PodDefaults.validate(rt, obj, path: "spec.template.spec", spec: obj[path: ["spec", "template", "spec"]])
    }
}
