/// Conversion between core/v1 Events (how they are stored) and
/// events.k8s.io/v1 Events, field for field as the API server converts them.
public enum EventConversion {
    static let pairs: [(core: [String], v1: [String])] = [
        (["involvedObject"], ["regarding"]),
        (["related"], ["related"]),
        (["message"], ["note"]),
        (["source", "component"], ["deprecatedSource", "component"]),
        (["source", "host"], ["deprecatedSource", "host"]),
        (["reportingComponent"], ["reportingController"]),
        (["reportingInstance"], ["reportingInstance"]),
        (["firstTimestamp"], ["deprecatedFirstTimestamp"]),
        (["lastTimestamp"], ["deprecatedLastTimestamp"]),
        (["count"], ["deprecatedCount"]),
        (["eventTime"], ["eventTime"]),
        (["series"], ["series"]),
        (["action"], ["action"]),
        (["reason"], ["reason"]),
        (["type"], ["type"]),
    ]

    public static func toEventsV1(_ core: JSON) -> JSON {
        var out: JSON = ["kind": "Event", "apiVersion": "events.k8s.io/v1", "metadata": core["metadata"] ?? [:]]
        for (c, v) in pairs {
            if let x = core[path: c], x != .null { out[path: v] = x }
        }
        return out
    }

    public static func toCoreV1(_ v1: JSON) -> JSON {
        var out: JSON = ["kind": "Event", "apiVersion": "v1", "metadata": v1["metadata"] ?? [:]]
        for (c, v) in pairs {
            if let x = v1[path: v], x != .null { out[path: c] = x }
        }
        if out["reportingComponent"] == nil { out["reportingComponent"] = "" }
        if out["reportingInstance"] == nil { out["reportingInstance"] = "" }
        return out
    }
}
