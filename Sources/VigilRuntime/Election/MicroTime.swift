import VigilJSON

/// A `metav1.MicroTime`: a UTC instant with microsecond precision, written
/// `2026-11-22T11:05:29.123456Z` (the Lease's `acquireTime` and `renewTime`).
/// Only stored and shown: leader election never compares these across hosts.
public struct MicroTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var microsecondsSinceEpoch: Int64

    public init(microsecondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
    }

    /// Truncates to whole microseconds.
    public init(secondsSinceEpoch: Double) {
        microsecondsSinceEpoch = Int64((secondsSinceEpoch * 1_000_000).rounded(.down))
    }

    public var secondsSinceEpoch: Double { Double(microsecondsSinceEpoch) / 1_000_000 }

    public static func < (a: MicroTime, b: MicroTime) -> Bool { a.microsecondsSinceEpoch < b.microsecondsSinceEpoch }

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, always six fractional digits.
    public var description: String { RFC3339.text(microseconds: microsecondsSinceEpoch, alwaysFraction: true) }

    /// Reads RFC 3339 as the API server writes it: `Z` or a `±HH:MM` offset,
    /// with any number of fractional digits (beyond six are dropped).
    /// Returns nil for anything else.
    public init?(_ text: String) {
        guard let micros = RFC3339.microseconds(text) else { return nil }
        microsecondsSinceEpoch = micros
    }
}
