/// Pod defaulting, QoS class and validation, as the core API does them.
enum PodDefaults {
    static func apply(_ pod: inout JSON) {
        guard var spec = pod["spec"], case .object = spec else { return }
        applySpec(&spec)
        // SetDefaults_Pod: a limit without a request makes the request equal to the limit.
        for key in ["containers", "initContainers"] {
            guard var cs = spec[key]?.arrayValue else { continue }
            for i in cs.indices {
                for (r, q) in cs[i][path: ["resources", "limits"]]?.objectValue ?? JSONObject()
                where cs[i][path: ["resources", "requests", r]] == nil {
                    cs[i][path: ["resources", "requests", r]] = q
                }
            }
            spec[key] = .array(cs)
        }
        pod["spec"] = spec
    }

    /// Defaults for a pod template (`spec.template`) in workloads.
    static func applyTemplate(_ template: inout JSON) {
        guard var spec = template["spec"], case .object = spec else { return }
        applySpec(&spec)
        template["spec"] = spec
        if template["metadata"] == nil { template["metadata"] = ["creationTimestamp": nil] }
    }

    static func applySpec(_ spec: inout JSON) {
        setDefault(&spec, "restartPolicy", "Always")
        setDefault(&spec, "terminationGracePeriodSeconds", 30)
        setDefault(&spec, "dnsPolicy", "ClusterFirst")
        setDefault(&spec, "securityContext", [:])
        setDefault(&spec, "schedulerName", "default-scheduler")
        setDefault(&spec, "enableServiceLinks", true)
        setDefault(&spec, "preemptionPolicy", "PreemptLowerPriority")
        setDefault(&spec, "priority", 0)
        if let sa = spec["serviceAccountName"], spec["serviceAccount"] == nil { spec["serviceAccount"] = sa }
        for key in ["containers", "initContainers"] {
            guard var cs = spec[key]?.arrayValue else { continue }
            for i in cs.indices { defaultContainer(&cs[i]) }
            spec[key] = .array(cs)
        }
    }

    static func defaultContainer(_ c: inout JSON) {
        guard case .object = c else { return }
        setDefault(&c, "terminationMessagePath", "/dev/termination-log")
        setDefault(&c, "terminationMessagePolicy", "File")
        setDefault(&c, "resources", [:])
        if c["imagePullPolicy"] == nil, let image = c["image"]?.stringValue {
            let last = image.split(separator: "/").last.map(String.init) ?? image
            let tagged = last.contains(":") && !last.hasSuffix(":latest")
            c["imagePullPolicy"] = .string(tagged || image.contains("@") ? "IfNotPresent" : "Always")
        }
        if var ports = c["ports"]?.arrayValue {
            for i in ports.indices where ports[i]["protocol"] == nil { ports[i]["protocol"] = "TCP" }
            c["ports"] = .array(ports)
        }
    }

    static func setDefault(_ o: inout JSON, _ key: String, _ value: JSON) {
        if o[key] == nil { o[key] = value }
    }

    /// `Guaranteed`, `Burstable` or `BestEffort`, from requests and limits.
    static func qosClass(_ spec: JSON) -> String {
        let cs = (spec["containers"]?.arrayValue ?? []) + (spec["initContainers"]?.arrayValue ?? [])
        var any = false
        var guaranteed = !cs.isEmpty
        for c in cs {
            let req = c[path: ["resources", "requests"]]?.objectValue ?? JSONObject()
            let lim = c[path: ["resources", "limits"]]?.objectValue ?? JSONObject()
            if !req.isEmpty || !lim.isEmpty { any = true }
            for r in ["cpu", "memory"] {
                guard let l = lim[r] else {
                    guaranteed = false
                    continue
                }
                if let q = req[r], Quantity.parse(q.stringValue ?? "") != Quantity.parse(l.stringValue ?? "") { guaranteed = false }
            }
        }
        if !any { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }

    static func validate(_ rt: ResourceType, _ obj: JSON, path: String, spec: JSON?) throws(APIError) {
        let containers = spec?["containers"]?.arrayValue ?? []
        if containers.isEmpty {
            throw ResourceStrategy.invalid(rt, obj, "\(path).containers", "FieldValueRequired", "\(path).containers: Required value")
        }
        var seen: Set<String> = []
        for (i, c) in containers.enumerated() {
            let name = c["name"]?.stringValue ?? ""
            if name.isEmpty {
                throw ResourceStrategy.invalid(rt, obj, "\(path).containers[\(i)].name", "FieldValueRequired", "\(path).containers[\(i)].name: Required value")
            }
            if let p = Names.dns1123Label(name) {
                throw ResourceStrategy.invalid(rt, obj, "\(path).containers[\(i)].name", "FieldValueInvalid", "\(path).containers[\(i)].name: Invalid value: \"\(name)\": \(p)")
            }
            if !seen.insert(name).inserted {
                throw ResourceStrategy.invalid(rt, obj, "\(path).containers[\(i)].name", "FieldValueDuplicate", "\(path).containers[\(i)].name: Duplicate value: \"\(name)\"")
            }
            if (c["image"]?.stringValue ?? "").isEmpty {
                throw ResourceStrategy.invalid(rt, obj, "\(path).containers[\(i)].image", "FieldValueRequired", "\(path).containers[\(i)].image: Required value")
            }
            for kind in ["requests", "limits"] {
                for (rname, q) in c[path: ["resources", kind]]?.objectValue ?? JSONObject() {
                    let text = q.stringValue ?? (q.intValue.map { String($0) } ?? "")
                    if Quantity.parse(text) == nil {
                        throw .badRequest("\(rt.kind) in version \"v1\" cannot be handled as a \(rt.kind): quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (\(path).containers[\(i)].resources.\(kind).\(rname))")
                    }
                }
            }
            for rname in ["cpu", "memory"] {
                if let r = c[path: ["resources", "requests", rname]].flatMap({ Quantity.parse($0.stringValue ?? "") }),
                    let l = c[path: ["resources", "limits", rname]].flatMap({ Quantity.parse($0.stringValue ?? "") }), r > l
                {
                    let rs = c[path: ["resources", "requests", rname]]?.stringValue ?? ""
                    let ls = c[path: ["resources", "limits", rname]]?.stringValue ?? ""
                    throw ResourceStrategy.invalid(rt, obj, "\(path).containers[\(i)].resources.requests", "FieldValueInvalid",
                        "\(path).containers[\(i)].resources.requests: Invalid value: \"\(rs)\": must be less than or equal to \(rname) limit of \(ls)")
                }
            }
        }
        if let rp = spec?["restartPolicy"]?.stringValue, !["Always", "OnFailure", "Never"].contains(rp) {
            throw ResourceStrategy.invalid(rt, obj, "\(path).restartPolicy", "FieldValueNotSupported",
                "\(path).restartPolicy: Unsupported value: \"\(rp)\": supported values: \"Always\", \"OnFailure\", \"Never\"")
        }
    }

    /// Pod spec is immutable apart from a few fields.
    static func checkUpdate(_ rt: ResourceType, new: JSON, old: JSON) throws(APIError) {
        var a = new["spec"] ?? [:], b = old["spec"] ?? [:]
        for key in ["containers", "initContainers"] {
            guard var ac = a[key]?.arrayValue, let bc = b[key]?.arrayValue, ac.count == bc.count else { continue }
            for i in ac.indices { ac[i]["image"] = bc[i]["image"] }
            a[key] = .array(ac)
        }
        for key in ["activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds", "schedulingGates"] {
            a[key] = nil
            b[key] = nil
        }
        if a != b {
            throw ResourceStrategy.invalid(rt, new, "spec", "FieldValueForbidden",
                "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)")
        }
    }
}
