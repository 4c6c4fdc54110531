/// CustomResourceDefinition defaulting, status and validation.
enum CRDDefaults {
    static func apply(_ obj: inout JSON, now: Double) {
        WorkloadDefaults.def(&obj, ["spec", "scope"], "Namespaced")
        if let plural = obj[path: ["spec", "names", "plural"]]?.stringValue, obj[path: ["spec", "names", "singular"]] == nil {
            obj[path: ["spec", "names", "singular"]] = .string(obj[path: ["spec", "names", "kind"]]?.stringValue?.lowercased() ?? plural)
        }
        if let kind = obj[path: ["spec", "names", "kind"]]?.stringValue {
            WorkloadDefaults.def(&obj, ["spec", "names", "listKind"], .string(kind + "List"))
        }
        WorkloadDefaults.def(&obj, ["spec", "conversion", "strategy"], "None")
        refreshStatus(&obj, now: now)
    }

    static func refreshStatus(_ obj: inout JSON, now: Double) {
        let t = JSON.string(Timestamp.format(now))
        let existing = obj[path: ["status", "conditions"]]?.arrayValue ?? []
        func since(_ type: String) -> JSON { existing.first { $0["type"]?.stringValue == type }?["lastTransitionTime"] ?? t }
        obj["status"] = [
            "conditions": [
                ["type": "NamesAccepted", "status": "True", "lastTransitionTime": since("NamesAccepted"),
                 "reason": "NoConflicts", "message": "no conflicts found"],
                ["type": "Established", "status": "True", "lastTransitionTime": since("Established"),
                 "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"],
            ],
            "acceptedNames": obj[path: ["spec", "names"]] ?? [:],
            "storedVersions": .array((obj[path: ["spec", "versions"]]?.arrayValue ?? []).filter { $0["storage"]?.boolValue == true }.compactMap { $0["name"] }),
        ]
    }

    static func validate(_ rt: ResourceType, _ obj: JSON, old: JSON?) throws(APIError) {
        var causes: [(field: String, reason: String, message: String)] = []
        let group = obj[path: ["spec", "group"]]?.stringValue ?? ""
        let plural = obj[path: ["spec", "names", "plural"]]?.stringValue ?? ""
        let name = obj[path: ["metadata", "name"]]?.stringValue ?? ""
        if group.isEmpty { causes.append(("spec.group", "FieldValueRequired", "spec.group: Required value")) }
        if plural.isEmpty { causes.append(("spec.names.plural", "FieldValueRequired", "spec.names.plural: Required value")) }
        if (obj[path: ["spec", "names", "kind"]]?.stringValue ?? "").isEmpty {
            causes.append(("spec.names.kind", "FieldValueRequired", "spec.names.kind: Required value"))
        }
        if !group.isEmpty && !plural.isEmpty && name != "\(plural).\(group)" {
            causes.append(("metadata.name", "FieldValueInvalid", "metadata.name: Invalid value: \"\(name)\": must be spec.names.plural+\".\"+spec.group"))
        }
        let versions = obj[path: ["spec", "versions"]]?.arrayValue ?? []
        if versions.isEmpty {
            causes.append(("spec.versions", "FieldValueInvalid", "spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion(nil): must have exactly one version marked as storage version"))
        } else if versions.filter({ $0["storage"]?.boolValue == true }).count != 1 {
            causes.append(("spec.versions", "FieldValueInvalid", "spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{...}: must have exactly one version marked as storage version"))
        }
        for (i, v) in versions.enumerated() where v[path: ["schema", "openAPIV3Schema"]] == nil {
            causes.append(("spec.versions[\(i)].schema.openAPIV3Schema", "FieldValueRequired", "spec.versions[\(i)].schema.openAPIV3Schema: Required value: schemas are required"))
        }
        if let scope = obj[path: ["spec", "scope"]]?.stringValue, scope != "Namespaced" && scope != "Cluster" {
            causes.append(("spec.scope", "FieldValueNotSupported", "spec.scope: Unsupported value: \"\(scope)\": supported values: \"Cluster\", \"Namespaced\""))
        }
        if let old, old[path: ["spec", "group"]] != obj[path: ["spec", "group"]] {
            causes.append(("spec.group", "FieldValueInvalid", "spec.group: Invalid value: \"\(group)\": field is immutable"))
        }
        if !causes.isEmpty {
            throw APIError.invalid(kind: rt.kind, group: rt.group, name: name, causes: causes)
        }
    }
}
