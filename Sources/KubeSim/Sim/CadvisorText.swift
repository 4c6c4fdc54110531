/// Renders container samples as kubelet's `/metrics/cadvisor` does:
/// Prometheus text exposition format 0.0.4, HELP and TYPE per family.
struct CadvisorText: Sendable {
    /// One running container's numbers.
    struct Sample: Sendable {
        var namespace: String
        var pod: String
        var podUID: String
        var container: String
        var containerID: String
        var image: String
        var qosClass: String
        var workingSetBytes: Double
        var memoryLimitBytes: Double
        var cpuSeconds: Double
    }

    var samples: [Sample]
    var timestampMillis: Int64

    static func escape(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(ch)
            }
        }
        return out
    }

    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    func labels(_ s: Sample) -> String {
        let cid = s.containerID.split(separator: "/").last.map(String.init) ?? s.containerID
        let qos = s.qosClass.lowercased()
        let slice = qos == "guaranteed" ? "" : "/\(qos)"
        let id = "/kubepods\(slice)/pod\(s.podUID)/\(cid)"
        return "container=\"\(Self.escape(s.container))\",id=\"\(Self.escape(id))\",image=\"\(Self.escape(s.image))\",name=\"\(Self.escape(cid))\",namespace=\"\(Self.escape(s.namespace))\",pod=\"\(Self.escape(s.pod))\""
    }

    func render() -> String {
        var out = ""
        let ts = String(timestampMillis)
        out += "# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.\n"
        out += "# TYPE container_cpu_usage_seconds_total counter\n"
        for s in samples { out += "container_cpu_usage_seconds_total{\(labels(s))} \(Self.number(s.cpuSeconds)) \(ts)\n" }
        out += "# HELP container_memory_working_set_bytes Current working set in bytes.\n"
        out += "# TYPE container_memory_working_set_bytes gauge\n"
        for s in samples { out += "container_memory_working_set_bytes{\(labels(s))} \(Self.number(s.workingSetBytes.rounded())) \(ts)\n" }
        out += "# HELP container_spec_memory_limit_bytes Memory limit for the container.\n"
        out += "# TYPE container_spec_memory_limit_bytes gauge\n"
        for s in samples { out += "container_spec_memory_limit_bytes{\(labels(s))} \(Self.number(s.memoryLimitBytes.rounded())) \(ts)\n" }
        return out
    }
}
