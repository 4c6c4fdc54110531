#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VigilJSON

/// kube-sim's times are seconds since the Unix epoch (a `Double`); this is
/// where they meet RFC 3339 text, through VigilJSON's one reader and writer.
public enum Timestamp {
    /// Seconds since the Unix epoch, from the wall clock.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// `metav1.Time`: whole seconds, UTC.
    public static func format(_ epoch: Double) -> String {
        RFC3339.text(microseconds: Int64(epoch.rounded(.down)) * 1_000_000, alwaysFraction: false)
    }

    /// `metav1.MicroTime`: microseconds, UTC.
    public static func formatMicro(_ epoch: Double) -> String {
        RFC3339.text(microseconds: Int64((epoch * 1_000_000).rounded(.down)), alwaysFraction: true)
    }

    /// Parses RFC 3339 as the API server does (`Z` or `±hh:mm` offset,
    /// optional fraction). Returns epoch seconds, or nil when the text is not
    /// a timestamp (or names an impossible date).
    public static func parse(_ text: String) -> Double? {
        RFC3339.microseconds(text).map { Double($0) / 1_000_000 }
    }
}
