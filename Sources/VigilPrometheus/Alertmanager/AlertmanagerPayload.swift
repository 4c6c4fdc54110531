import VigilJSON

/// Alertmanager's webhook notification, version "4": one group of alerts
/// (`groupKey`, `status`, `alerts[]` with `status`, `labels`, `annotations`,
/// `startsAt`, `endsAt`, `fingerprint`, and `truncatedAlerts` when the
/// receiver's `max_alerts` cut the list). Decoded strictly: a wrong version
/// or a malformed field is an error naming the field, so a receiver can
/// answer 400 with it.
public struct AlertmanagerPayload: Sendable, Equatable {
    public struct Alert: Sendable, Equatable {
        public enum Status: String, Sendable, Equatable {
            case firing, resolved
        }
        public var status: Status
        public var labels: [String: String]
        public var annotations: [String: String]
        public var startsAt: RFC3339Time
        /// Absent (Go's zero time) while firing without an end.
        public var endsAt: RFC3339Time?
        /// Alertmanager's fingerprint of the labels (16 hex digits); computed when absent.
        public var fingerprint: String

        public init(status: Status, labels: [String: String], annotations: [String: String] = [:], startsAt: RFC3339Time, endsAt: RFC3339Time? = nil, fingerprint: String? = nil) {
            self.status = status
            self.labels = labels
            self.annotations = annotations
            self.startsAt = startsAt
            self.endsAt = endsAt
            self.fingerprint = fingerprint ?? LabelFingerprint.of(labels)
        }

        public var name: String { labels["alertname"] ?? "" }
        public var namespace: String? { labels["namespace"] }
    }

    public var groupKey: String
    public var status: Alert.Status
    public var receiver: String
    public var alerts: [Alert]
    /// Alerts Alertmanager left out (its `max_alerts`).
    public var truncatedAlerts: Int

    public init(groupKey: String, status: Alert.Status, receiver: String = "", alerts: [Alert], truncatedAlerts: Int = 0) {
        self.groupKey = groupKey
        self.status = status
        self.receiver = receiver
        self.alerts = alerts
        self.truncatedAlerts = truncatedAlerts
    }

    /// The payload as Alertmanager sends it (used to forward to another replica).
    public var json: JSON {
        var o = JSONObject()
        o["version"] = "4"
        o["groupKey"] = .string(groupKey)
        o["status"] = .string(status.rawValue)
        o["receiver"] = .string(receiver)
        o["truncatedAlerts"] = .int(Int64(truncatedAlerts))
        o["alerts"] = .array(alerts.map { a in
            var x = JSONObject()
            x["status"] = .string(a.status.rawValue)
            x["labels"] = .strings(a.labels)
            x["annotations"] = .strings(a.annotations)
            x["startsAt"] = .string(a.startsAt.text)
            x["endsAt"] = .string(a.endsAt?.text ?? "0001-01-01T00:00:00Z")
            x["fingerprint"] = .string(a.fingerprint)
            return .object(x)
        })
        return .object(o)
    }

    /// Decodes a notification body; the error names the field.
    public static func decode(_ bytes: [UInt8]) throws(AlertmanagerPayloadError) -> AlertmanagerPayload {
        let json: JSON
        do { json = try JSON.parse(bytes) } catch { throw .init(field: "", message: "the body is not JSON: \(error)") }
        guard case .object(let o) = json else { throw .init(field: "", message: "the body must be a JSON object (Alertmanager's webhook payload)") }
        guard let version = o["version"]?.stringValue else { throw .init(field: "version", message: "required: Alertmanager's webhook payload version \"4\"") }
        guard version == "4" else { throw .init(field: "version", message: "\"\(version)\" is not supported: only version \"4\" (Alertmanager 0.x's webhook payload)") }
        func string(_ v: JSON?, _ field: String, required: Bool = true) throws(AlertmanagerPayloadError) -> String? {
            switch v {
            case .string(let s)?: return s
            case nil, .null?: if required { throw .init(field: field, message: "required") } else { return nil }
            case let x?: throw .init(field: field, message: "must be a string, found \(x.typeName)")
            }
        }
        func status(_ v: JSON?, _ field: String) throws(AlertmanagerPayloadError) -> Alert.Status {
            let s = try string(v, field)!
            guard let st = Alert.Status(rawValue: s) else { throw .init(field: field, message: "\"\(s)\" is not firing or resolved") }
            return st
        }
        func map(_ v: JSON?, _ field: String) throws(AlertmanagerPayloadError) -> [String: String] {
            guard let v, v != .null else { return [:] }
            guard case .object(let m) = v else { throw .init(field: field, message: "must be an object of strings, found \(v.typeName)") }
            var out: [String: String] = [:]
            for (k, x) in m {
                guard case .string(let s) = x else { throw .init(field: "\(field).\(k)", message: "must be a string, found \(x.typeName)") }
                out[k] = s
            }
            return out
        }
        func time(_ v: JSON?, _ field: String, required: Bool) throws(AlertmanagerPayloadError) -> RFC3339Time? {
            guard let s = try string(v, field, required: required) else { return nil }
            if s.hasPrefix("0001-01-01T00:00:00") && !required { return nil }  // Go's zero time: no end
            guard let t = RFC3339Time(s) else { throw .init(field: field, message: "\"\(s)\" is not an RFC 3339 time") }
            return t
        }
        let groupKey = try string(o["groupKey"], "groupKey")!
        let overall = try status(o["status"], "status")
        let receiver = try string(o["receiver"], "receiver", required: false) ?? ""
        var truncated = 0
        if let t = o["truncatedAlerts"], t != .null {
            guard let n = t.intValue, n >= 0 else { throw .init(field: "truncatedAlerts", message: "must be a non-negative integer, found \(t.typeName)") }
            truncated = Int(n)
        }
        guard case .array(let list)? = o["alerts"] else { throw .init(field: "alerts", message: "required: a list of alerts") }
        var alerts: [Alert] = []
        for (i, item) in list.enumerated() {
            let p = "alerts[\(i)]"
            guard case .object(let a) = item else { throw .init(field: p, message: "must be an object, found \(item.typeName)") }
            let labels = try map(a["labels"], "\(p).labels")
            if labels.isEmpty { throw .init(field: "\(p).labels", message: "required: an alert has at least alertname") }
            let fingerprint = try string(a["fingerprint"], "\(p).fingerprint", required: false)
            alerts.append(Alert(
                status: try status(a["status"], "\(p).status"), labels: labels, annotations: try map(a["annotations"], "\(p).annotations"),
                startsAt: try time(a["startsAt"], "\(p).startsAt", required: true)!, endsAt: try time(a["endsAt"], "\(p).endsAt", required: false),
                fingerprint: fingerprint))
        }
        return AlertmanagerPayload(groupKey: groupKey, status: overall, receiver: receiver, alerts: alerts, truncatedAlerts: truncated)
    }
}

/// Why a webhook body was refused: the field and what is wrong.
public struct AlertmanagerPayloadError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}
