import VigilJSON

/// Pure decoding of Prometheus HTTP API v1 bodies (`/api/v1/query`, `/api/v1/alerts`) from
/// bytes. No I/O: the client hands it the body, tests hand it canned bytes.
///
/// Every problem names the field it is about (`data.result[2].value[1]`), so an operator
/// pointing Vigil at something that is not Prometheus learns what was wrong.
public enum PrometheusResponse {
    /// Decodes an instant-query body. Throws `.api` for `"status": "error"`,
    /// `.unsupportedResultType` for `matrix` and `string`, `.malformed` for anything else.
    public static func decodeQuery(_ bytes: some Collection<UInt8>) throws(PrometheusResponseError) -> PrometheusQueryResult {
        let root = try envelope(bytes)
        let data = try field(root, "data", "data")
        let resultType = try string(field(data, "resultType", "data.resultType"), "data.resultType")
        let result = try field(data, "result", "data.result")
        let value: PrometheusQueryResult.Value
        switch resultType {
        case "vector":
            let items = try array(result, "data.result")
            var samples: [PrometheusSample] = []
            samples.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                let path = "data.result[\(i)]"
                let labels = try stringMap(field(item, "metric", "\(path).metric"), "\(path).metric")
                guard let pair = item["value"] else {
                    if item["histogram"] != nil {
                        throw .malformed(field: "\(path).histogram", problem: "native histogram samples are not supported; use histogram_quantile() or similar to get a float")
                    }
                    throw .malformed(field: "\(path).value", problem: "missing")
                }
                samples.append(PrometheusSample(labels: labels, value: try sampleValue(pair, "\(path).value")))
            }
            value = .vector(samples)
        case "scalar":
            value = .scalar(try sampleValue(result, "data.result"))
        default:
            throw .unsupportedResultType(resultType)
        }
        return PrometheusQueryResult(
            value: value, warnings: try stringList(root["warnings"], "warnings"), infos: try stringList(root["infos"], "infos"))
    }

    /// Decodes an `/api/v1/alerts` body into its alerts, in the order Prometheus sent them.
    public static func decodeAlerts(_ bytes: some Collection<UInt8>) throws(PrometheusResponseError) -> [PrometheusAlert] {
        let root = try envelope(bytes)
        let data = try field(root, "data", "data")
        let items = try array(field(data, "alerts", "data.alerts"), "data.alerts")
        var alerts: [PrometheusAlert] = []
        alerts.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            let path = "data.alerts[\(i)]"
            let labels = try stringMap(field(item, "labels", "\(path).labels"), "\(path).labels")
            let annotations = try item["annotations"].map { (a) throws(PrometheusResponseError) in try stringMap(a, "\(path).annotations") } ?? [:]
            let stateText = try string(field(item, "state", "\(path).state"), "\(path).state")
            guard let state = PrometheusAlert.State(rawValue: stateText) else {
                throw .malformed(field: "\(path).state", problem: "'\(stateText)' is neither firing nor pending")
            }
            var activeAt: RFC3339Time?
            if let a = item["activeAt"], !a.isNull {
                let text = try string(a, "\(path).activeAt")
                guard let t = RFC3339Time(text) else {
                    throw .malformed(field: "\(path).activeAt", problem: "'\(text)' is not an RFC 3339 time")
                }
                activeAt = t
            }
            var value: PrometheusSampleValue?
            if let v = item["value"], !v.isNull {
                let text = try string(v, "\(path).value")
                do {
                    value = try PrometheusSampleValue(timestamp: activeAt?.secondsSinceEpoch ?? 0, text: text)
                } catch {
                    throw .malformed(field: "\(path).value", problem: "'\(text)' is not a float, NaN, +Inf or -Inf")
                }
            }
            alerts.append(PrometheusAlert(labels: labels, annotations: annotations, state: state, activeAt: activeAt, value: value))
        }
        return alerts
    }

    /// `errorType` and `error` of an error body, if the bytes are one (any HTTP status).
    public static func decodeError(_ bytes: some Collection<UInt8>) -> (errorType: String, error: String)? {
        guard let root = try? JSON.parse(bytes), root["status"]?.stringValue == "error" else { return nil }
        return (root["errorType"]?.stringValue ?? "unknown", root["error"]?.stringValue ?? "")
    }

    // MARK: - Parts

    /// Parses the body and checks `status`; an error body becomes `.api`.
    static func envelope(_ bytes: some Collection<UInt8>) throws(PrometheusResponseError) -> JSON {
        let root: JSON
        do {
            root = try JSON.parse(bytes)
        } catch {
            throw .malformed(field: "body", problem: "not JSON (\(error))")
        }
        guard case .object = root else {
            throw .malformed(field: "body", problem: "expected an object, got \(root.typeName)")
        }
        let status = try string(field(root, "status", "status"), "status")
        switch status {
        case "success": return root
        case "error":
            throw .api(errorType: root["errorType"]?.stringValue ?? "unknown", error: root["error"]?.stringValue ?? "")
        default:
            throw .malformed(field: "status", problem: "'\(status)' is neither success nor error")
        }
    }

    static func field(_ json: JSON, _ key: String, _ path: String) throws(PrometheusResponseError) -> JSON {
        guard case .object(let o) = json else {
            throw .malformed(field: parent(of: path), problem: "expected an object, got \(json.typeName)")
        }
        guard let v = o[key] else { throw .malformed(field: path, problem: "missing") }
        return v
    }

    static func string(_ json: JSON, _ path: String) throws(PrometheusResponseError) -> String {
        guard let s = json.stringValue else { throw .malformed(field: path, problem: "expected a string, got \(json.typeName)") }
        return s
    }

    static func array(_ json: JSON, _ path: String) throws(PrometheusResponseError) -> [JSON] {
        guard let a = json.arrayValue else { throw .malformed(field: path, problem: "expected an array, got \(json.typeName)") }
        return a
    }

    static func stringMap(_ json: JSON, _ path: String) throws(PrometheusResponseError) -> [String: String] {
        guard case .object(let o) = json else { throw .malformed(field: path, problem: "expected an object, got \(json.typeName)") }
        var map: [String: String] = [:]
        map.reserveCapacity(o.count)
        for (k, v) in o { map[k] = try string(v, "\(path).\(k)") }
        return map
    }

    /// An optional list of strings (`warnings`, `infos`); absent or null is empty.
    static func stringList(_ json: JSON?, _ path: String) throws(PrometheusResponseError) -> [String] {
        guard let json, !json.isNull else { return [] }
        let items = try array(json, path)
        var out: [String] = []
        for (i, item) in items.enumerated() { out.append(try string(item, "\(path)[\(i)]")) }
        return out
    }

    /// `[<unix seconds>, "<value>"]`.
    static func sampleValue(_ json: JSON, _ path: String) throws(PrometheusResponseError) -> PrometheusSampleValue {
        let pair = try array(json, path)
        guard pair.count == 2 else {
            throw .malformed(field: path, problem: "expected [timestamp, \"value\"], got \(pair.count) elements")
        }
        guard let ts = pair[0].doubleValue else {
            throw .malformed(field: "\(path)[0]", problem: "expected a number (Unix seconds), got \(pair[0].typeName)")
        }
        let text = try string(pair[1], "\(path)[1]")
        do {
            return try PrometheusSampleValue(timestamp: ts, text: text)
        } catch {
            throw .malformed(field: "\(path)[1]", problem: "'\(text)' is not a float, NaN, +Inf or -Inf")
        }
    }

    static func parent(of path: String) -> String {
        guard let dot = path.lastIndex(of: ".") else { return "body" }
        return String(path[..<dot])
    }
}
