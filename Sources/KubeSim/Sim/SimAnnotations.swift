/// The `sim.vigil.dev/*` annotations that steer a simulated pod, parsed.
/// Values are read from the pod's own annotations (which controllers copy
/// from their pod template). Unparseable values fall back to the default.
struct SimAnnotations: Sendable, Equatable {
    static let prefix = "sim.vigil.dev/"

    var values: [String: String]

    init(_ annotations: [String: String]) { values = annotations }

    init(pod: JSON) {
        var v: [String: String] = [:]
        for (k, val) in pod[path: ["metadata", "annotations"]]?.objectValue ?? JSONObject() where k.hasPrefix(Self.prefix) {
            if let s = val.stringValue { v[String(k.dropFirst(Self.prefix.count))] = s }
        }
        values = v
    }

    func string(_ key: String) -> String? { values[key] }

    /// A duration in seconds: `1.5`, `2s`, `500ms`, `1m`.
    func seconds(_ key: String) -> Double? { values[key].flatMap(Self.parseSeconds) }

    func seconds(_ key: String, default d: Double) -> Double { seconds(key) ?? d }

    func int(_ key: String) -> Int? { values[key].flatMap { Int($0.trimmingSpaces) } }

    /// Cores: `0.25`, `250m`.
    func cores(_ key: String) -> Double? {
        values[key].flatMap { Quantity.parse($0.trimmingSpaces) }
    }

    /// Seconds before the containers start (default 0.5).
    var startSeconds: Double { max(0, seconds("start-seconds", default: 0.5)) }
    /// Seconds between a deletion and the pod's removal (default 0.2).
    var terminationSeconds: Double { max(0, seconds("termination-seconds", default: 0.2)) }
    /// Base of the CrashLoopBackOff delay (default 1 s, doubling, capped at 30 s).
    var restartBackoffSeconds: Double { max(0, seconds("restart-backoff-seconds", default: 1)) }
    /// How long an ephemeral (debug) container runs before it exits 0.
    var debugSeconds: Double { max(0, seconds("debug-seconds", default: 0.5)) }

    /// Working-set memory of `container` at `elapsed` seconds into its run.
    func memoryProfile(container: String) -> MemoryProfile {
        if let r = values["memory-ramp.\(container)"] ?? values["memory-ramp"], let ramp = MemoryProfile.parseRamp(r) {
            return ramp
        }
        if let m = values["memory.\(container)"] ?? values["memory"], let b = Quantity.parse(m.trimmingSpaces) {
            return .constant(b)
        }
        return .constant(MemoryProfile.defaultBytes)
    }

    /// CPU usage of `container`, in cores (default 0.01).
    func cpuCores(container: String) -> Double {
        cores("cpu.\(container)") ?? cores("cpu") ?? 0.01
    }

    static func parseSeconds(_ text: String) -> Double? {
        let t = text.trimmingSpaces
        if let d = Double(t) { return d }
        if t.hasSuffix("ms"), let d = Double(t.dropLast(2)) { return d / 1000 }
        if t.hasSuffix("s"), let d = Double(t.dropLast()) { return d }
        if t.hasSuffix("m"), let d = Double(t.dropLast()) { return d * 60 }
        if t.hasSuffix("h"), let d = Double(t.dropLast()) { return d * 3600 }
        return nil
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" || s.first == "\n" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" || s.last == "\n" { s = s.dropLast() }
        return String(s)
    }
}
