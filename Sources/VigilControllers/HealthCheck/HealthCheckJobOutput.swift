/// What a HealthCheck reads from its Job's log: the end of it (kept in
/// status when the check fails) and custom metrics printed as one JSON
/// line, `{"vigilMetrics": {"dns_lookup_seconds": 0.012, "records": 3}}`
/// (the last such line wins; names as Prometheus allows them, values
/// numbers; at most `maxMetrics`).
import VigilJSON

public enum HealthCheckJobOutput {
    public static let maxMetrics = 20
    public static let maxTailBytes = 2048

    /// The last `maxTailBytes` of the log, cut at a line start where possible.
    public static func tail(_ log: String) -> String {
        let bytes = Array(log.utf8)
        guard bytes.count > maxTailBytes else { return log }
        var cut = bytes.count - maxTailBytes
        if let nl = bytes[cut...].firstIndex(of: UInt8(ascii: "\n")), nl + 1 < bytes.count { cut = nl + 1 }
        while cut < bytes.count && (bytes[cut] & 0xC0) == 0x80 { cut += 1 }
        return "…" + String(decoding: bytes[cut...], as: UTF8.self)
    }

    /// The last non-empty line (at most 300 characters).
    public static func lastLine(_ log: String) -> String? {
        guard let line = log.split(separator: "\n").last(where: { !$0.allSatisfy { $0 == " " || $0 == "\r" } }) else { return nil }
        return String(line.prefix(300))
    }

    /// The metrics of the last `vigilMetrics` line.
    public static func metrics(in log: String) -> [String: Double] {
        for line in log.split(separator: "\n").reversed() where line.contains("\"vigilMetrics\"") {
            guard let json = try? JSON.parse(Array(line.utf8)), let m = json["vigilMetrics"]?.objectValue else { continue }
            var out: [String: Double] = [:]
            for (k, v) in m where out.count < maxMetrics && isMetricName(k) {
                if let d = v.doubleValue, d.isFinite { out[k] = d }
            }
            return out
        }
        return [:]
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`, at most 100 characters.
    static func isMetricName(_ s: String) -> Bool {
        guard let first = s.utf8.first, s.utf8.count <= 100 else { return false }
        func letter(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 }
        return letter(first) && s.utf8.allSatisfy { letter($0) || ($0 >= 48 && $0 <= 57) }
    }
}
