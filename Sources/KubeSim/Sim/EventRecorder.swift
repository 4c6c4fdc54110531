/// Decides which core/v1 Events to write, like client-go's event
/// broadcaster: identical events (same object, reason, message) are folded
/// into one with a growing `count`; a token bucket bounds the write rate so a
/// burst of 50,000 pods does not turn into 250,000 event writes.
struct EventRecorder: Sendable {
    /// What to write.
    enum Action: Sendable {
        case create(JSON)
        /// Bump `count` and `lastTimestamp` of an existing event.
        case bump(namespace: String, name: String, count: Int64, lastTimestamp: String)
    }

    struct Seen: Sendable {
        var name: String
        var count: Int64
    }

    var ratePerSecond: Double
    var burst: Double
    private var tokens: Double
    private var lastRefill: Double = 0
    private var seen: [String: Seen] = [:]
    static let seenLimit = 20_000

    init(ratePerSecond: Double = 200, burst: Double = 2_000) {
        self.ratePerSecond = ratePerSecond
        self.burst = burst
        tokens = burst
    }

    /// The write for an event about `object` (or nil when rate-limited).
    mutating func record(
        object: JSON, fieldPath: String? = nil, reason: String, message: String, warning: Bool = false,
        component: String, host: String? = nil, now: Double
    ) -> Action? {
        if now > lastRefill {
            tokens = min(burst, tokens + (now - lastRefill) * ratePerSecond)
            lastRefill = now
        }
        guard tokens >= 1 else { return nil }
        tokens -= 1
        let meta = object["metadata"] ?? [:]
        let ns = meta["namespace"]?.stringValue ?? "default"
        let uid = meta["uid"]?.stringValue ?? ""
        let objName = meta["name"]?.stringValue ?? ""
        let key = "\(uid)|\(fieldPath ?? "")|\(reason)|\(message)"
        let ts = Timestamp.format(now)
        if var s = seen[key] {
            s.count += 1
            seen[key] = s
            return .bump(namespace: ns, name: s.name, count: s.count, lastTimestamp: ts)
        }
        if seen.count >= Self.seenLimit { seen.removeAll(keepingCapacity: true) }
        let name = "\(objName).\(String(UInt64(now * 1e9), radix: 16))\(String(seen.count % 4096, radix: 16))"
        seen[key] = Seen(name: name, count: 1)
        var involved: JSON = [
            "kind": object["kind"] ?? "", "namespace": meta["namespace"] ?? nil, "name": .string(objName), "uid": .string(uid),
            "apiVersion": object["apiVersion"] ?? "v1", "resourceVersion": meta["resourceVersion"] ?? "",
        ]
        if meta["namespace"] == nil { involved["namespace"] = nil }
        if let fieldPath { involved["fieldPath"] = .string(fieldPath) }
        var source: JSON = ["component": .string(component)]
        if let host { source["host"] = .string(host) }
        let ev: JSON = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string(name), "namespace": .string(ns)],
            "involvedObject": involved,
            "reason": .string(reason), "message": .string(message),
            "source": source,
            "firstTimestamp": .string(ts), "lastTimestamp": .string(ts), "count": 1,
            "type": warning ? "Warning" : "Normal",
            "eventTime": nil,
            "reportingComponent": .string(component), "reportingInstance": .string(host ?? ""),
        ]
        return .create(ev)
    }
}
