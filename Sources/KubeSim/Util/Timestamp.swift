#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// RFC 3339 timestamps as Kubernetes writes them (`2026-11-22T11:05:29Z`,
/// and `…T11:05:29.123456Z` for MicroTime), without Foundation formatters.
public enum Timestamp {
    /// Seconds since the Unix epoch, from the wall clock.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// `metav1.Time`: whole seconds, UTC.
    public static func format(_ epoch: Double) -> String {
        let (date, h, m, s) = split(Int64(epoch.rounded(.down)))
        return "\(date)T\(pad2(h)):\(pad2(m)):\(pad2(s))Z"
    }

    /// `metav1.MicroTime`: microseconds, UTC.
    public static func formatMicro(_ epoch: Double) -> String {
        let whole = Int64(epoch.rounded(.down))
        let micros = Int((epoch - Double(whole)) * 1_000_000)
        let (date, h, m, s) = split(whole)
        var frac = String(micros)
        while frac.count < 6 { frac = "0" + frac }
        return "\(date)T\(pad2(h)):\(pad2(m)):\(pad2(s)).\(frac)Z"
    }

    /// Parses RFC 3339 (`Z` or `±hh:mm` offset, optional fraction). Returns
    /// epoch seconds, or nil when the text is not a timestamp.
    public static func parse(_ text: String) -> Double? {
        let b = Array(text.utf8)
        func num(_ from: Int, _ n: Int) -> Int? {
            guard from + n <= b.count else { return nil }
            var v = 0
            for i in from..<(from + n) {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 20, let y = num(0, 4), b[4] == 45, let mo = num(5, 2), b[7] == 45, let d = num(8, 2),
            b[10] == 84 || b[10] == 116 || b[10] == 32, let h = num(11, 2), b[13] == 58, let mi = num(14, 2), b[16] == 58,
            let s = num(17, 2), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61
        else { return nil }
        var i = 19
        var frac = 0.0
        if i < b.count, b[i] == 46 {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, b[i] >= 48 && b[i] <= 57 {
                frac += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            if i == start { return nil }
        }
        var offset = 0
        guard i < b.count else { return nil }
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45 {
            guard let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == 58, let om = num(i + 4, 2) else { return nil }
            offset = (oh * 3600 + om * 60) * (b[i] == 43 ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(y, mo, d)
        return Double(days * 86400 + h * 3600 + mi * 60 + s - offset) + frac
    }

    static func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    static func split(_ epoch: Int64) -> (String, Int, Int, Int) {
        var days = epoch / 86400
        var rem = epoch % 86400
        if rem < 0 {
            rem += 86400
            days -= 1
        }
        let (y, m, d) = civilFromDays(Int(days))
        var ys = String(y)
        while ys.count < 4 { ys = "0" + ys }
        return ("\(ys)-\(pad2(m))-\(pad2(d))", Int(rem / 3600), Int(rem % 3600 / 60), Int(rem % 60))
    }

    // Howard Hinnant's civil-date algorithms.
    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}
