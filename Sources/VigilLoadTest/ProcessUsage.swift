import Foundation

/// A running process' resident memory and CPU time, from /proc.
public enum ProcessUsage {
    /// Resident set size in bytes (`VmRSS` from /proc/<pid>/status), nil when gone.
    public static func residentBytes(pid: Int32) -> Int? { statusBytes(pid: pid, field: "VmRSS:") }

    /// Peak resident set size in bytes (`VmHWM`), nil when gone.
    public static func peakResidentBytes(pid: Int32) -> Int? { statusBytes(pid: pid, field: "VmHWM:") }

    static func statusBytes(pid: Int32, field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field) {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first
            return kb.map { $0 * 1024 }
        }
        return nil
    }

    /// CPU seconds used so far (user + system, from /proc/<pid>/stat), nil when gone.
    public static func cpuSeconds(pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command: state is field 3; utime 14 and stime 15 (1-based in proc(5)).
        guard fields.count > 13, let u = Double(fields[11]), let s = Double(fields[12]) else { return nil }
        return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
