import Synchronization

/// Service defaulting, including ClusterIP allocation from 10.96.0.0/12.
enum ServiceDefaults {
    static let nextIP = Atomic<Int>(10)

    static func apply(_ obj: inout JSON, old: JSON? = nil) {
        WorkloadDefaults.def(&obj, ["spec", "type"], "ClusterIP")
        WorkloadDefaults.def(&obj, ["spec", "sessionAffinity"], "None")
        let type = obj[path: ["spec", "type"]]?.stringValue ?? "ClusterIP"
        if type != "ExternalName" {
            if let oldIP = old?[path: ["spec", "clusterIP"]] {
                obj[path: ["spec", "clusterIP"]] = oldIP
                obj[path: ["spec", "clusterIPs"]] = old?[path: ["spec", "clusterIPs"]]
            } else if obj[path: ["spec", "clusterIP"]] == nil {
                let n = nextIP.add(1, ordering: .relaxed).newValue
                let ip = "10.96.\((n >> 8) & 255).\(n & 255)"
                obj[path: ["spec", "clusterIP"]] = .string(ip)
                obj[path: ["spec", "clusterIPs"]] = [.string(ip)]
            }
            WorkloadDefaults.def(&obj, ["spec", "ipFamilies"], ["IPv4"])
            WorkloadDefaults.def(&obj, ["spec", "ipFamilyPolicy"], "SingleStack")
            WorkloadDefaults.def(&obj, ["spec", "internalTrafficPolicy"], "Cluster")
        }
        if var ports = obj[path: ["spec", "ports"]]?.arrayValue {
            for i in ports.indices {
                if ports[i]["protocol"] == nil { ports[i]["protocol"] = "TCP" }
                if ports[i]["targetPort"] == nil, let p = ports[i]["port"] { ports[i]["targetPort"] = p }
            }
            obj[path: ["spec", "ports"]] = .array(ports)
        }
        if obj["status"] == nil { obj["status"] = ["loadBalancer": [:]] }
    }
}

/// Secret defaulting: `type: Opaque`, `stringData` folded into `data`.
enum SecretDefaults {
    static func apply(_ obj: inout JSON) {
        WorkloadDefaults.def(&obj, ["type"], "Opaque")
        if let sd = obj["stringData"]?.objectValue {
            for (k, v) in sd {
                obj[path: ["data", k]] = .string(Base64.encode(Array((v.stringValue ?? "").utf8)))
            }
            obj["stringData"] = nil
        }
    }
}
