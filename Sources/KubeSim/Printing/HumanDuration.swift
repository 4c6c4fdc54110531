/// The human-readable durations of k8s.io/apimachinery `util/duration`,
/// which every AGE-like column of the server-side printers uses.
///
/// Durations are given in seconds (a `Double`, so a fraction of a second
/// survives) and handled internally as Go's `time.Duration`: whole
/// nanoseconds, with every division truncating toward zero.
public enum HumanDuration {
    /// `duration.HumanDuration`: about two to three significant figures,
    /// e.g. `45s`, `5m30s`, `15m`, `3h20m`, `20h`, `2d3h`, `30d`, `2y45d`, `9y`.
    /// A duration more than a second in the past (negative beyond -1s) is
    /// `<invalid>`; one just below zero is `0s`.
    public static func format(seconds: Double) -> String {
        let d = nanoseconds(seconds)
        let secs = d / 1_000_000_000
        if secs < -1 { return "<invalid>" }
        if secs < 0 { return "0s" }
        if secs < 60 * 2 { return "\(secs)s" }
        let minutes = d / 60_000_000_000
        if minutes < 10 {
            let s = secs % 60
            return s == 0 ? "\(minutes)m" : "\(minutes)m\(s)s"
        }
        if minutes < 60 * 3 { return "\(minutes)m" }
        let hours = d / 3_600_000_000_000
        if hours < 8 {
            let m = minutes % 60
            return m == 0 ? "\(hours)h" : "\(hours)h\(m)m"
        }
        if hours < 48 { return "\(hours)h" }
        if hours < 24 * 8 {
            let h = hours % 24
            return h == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(h)h"
        }
        if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
        if hours < 24 * 365 * 8 {
            let dy = (hours / 24) % 365
            return dy == 0 ? "\(hours / 24 / 365)y" : "\(hours / 24 / 365)y\(dy)d"
        }
        return "\(hours / 24 / 365)y"
    }

    /// `duration.ShortHumanDuration`: one unit only (`45s`, `5m`, `3h`, `2d`, `4y`).
    public static func formatShort(seconds: Double) -> String {
        let d = nanoseconds(seconds)
        let secs = d / 1_000_000_000
        if secs < -1 { return "<invalid>" }
        if secs < 0 { return "0s" }
        if secs < 60 { return "\(secs)s" }
        let minutes = d / 60_000_000_000
        if minutes < 60 { return "\(minutes)m" }
        let hours = d / 3_600_000_000_000
        if hours < 24 { return "\(hours)h" }
        if hours < 24 * 365 { return "\(hours / 24)d" }
        // Go: int(d.Hours()/24/365), a float division truncated.
        return "\(Int64((Double(d) / 3.6e12 / 24 / 365).rounded(.towardZero)))y"
    }

    /// `translateTimestampSince`: the age of an RFC 3339 timestamp at `now`
    /// (epoch seconds); `<unknown>` when the timestamp is absent or empty
    /// (Go's zero time), `<invalid>` when it cannot be parsed.
    public static func since(_ timestamp: String?, now: Double) -> String {
        guard let timestamp, !timestamp.isEmpty, timestamp != "null" else { return "<unknown>" }
        guard let t = Timestamp.parse(timestamp) else { return "<invalid>" }
        if t == zeroTime { return "<unknown>" }
        return format(seconds: now - t)
    }

    /// Go's zero `time.Time` (0001-01-01T00:00:00Z) in epoch seconds.
    static let zeroTime: Double = -62_135_596_800

    /// Seconds to whole nanoseconds, truncated and clamped like a Go
    /// `time.Duration` from `time.Sub`.
    static func nanoseconds(_ seconds: Double) -> Int64 {
        let ns = (seconds * 1e9).rounded(.towardZero)
        if ns.isNaN { return 0 }
        if ns >= 9.2e18 { return Int64.max }
        if ns <= -9.2e18 { return Int64.min }
        return Int64(ns)
    }
}
