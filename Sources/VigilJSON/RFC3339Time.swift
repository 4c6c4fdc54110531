/// An instant written as an RFC 3339 timestamp, as Kubernetes writes
/// `metav1.Time` (`2026-12-31T23:00:00Z`) and `metav1.MicroTime`
/// (`2026-12-31T23:00:00.123456Z`); offsets (`+02:00`) are read too.
///
/// The text is kept as written so a resource encodes back unchanged;
/// equality, hashing and ordering look at the instant only. `microText` is
/// the `metav1.MicroTime` form (always six fractional digits), which fields
/// such as a Lease's `renewTime` and an Event's `eventTime` require.
///
/// The one instant type of the project: the API's times, the leases' and the
/// effect ledger's all use it.
public struct RFC3339Time: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z (fractions beyond six digits are dropped).
    public let microsecondsSinceEpoch: Int64
    /// The text as written, or the canonical UTC form for an instant built from a number.
    public let text: String

    /// The instant `microsecondsSinceEpoch`, written in UTC with a `Z`: whole
    /// seconds without a fraction, otherwise six fractional digits.
    public init(microsecondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
        self.text = RFC3339Time.canonicalText(microsecondsSinceEpoch)
    }

    /// The instant `seconds` after the epoch (truncated to microseconds).
    public init(secondsSinceEpoch seconds: Double) {
        self.init(microsecondsSinceEpoch: Int64((seconds * 1_000_000).rounded(.down)))
    }

    public var secondsSinceEpoch: Double { Double(microsecondsSinceEpoch) / 1_000_000 }

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, always six fractional digits: `metav1.MicroTime`.
    public var microText: String { RFC3339.text(microseconds: microsecondsSinceEpoch, alwaysFraction: true) }

    public var description: String { text }

    public static func == (a: RFC3339Time, b: RFC3339Time) -> Bool { a.microsecondsSinceEpoch == b.microsecondsSinceEpoch }
    public func hash(into hasher: inout Hasher) { hasher.combine(microsecondsSinceEpoch) }
    public static func < (a: RFC3339Time, b: RFC3339Time) -> Bool { a.microsecondsSinceEpoch < b.microsecondsSinceEpoch }

    /// Reads `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; nil for anything else
    /// (including impossible dates such as February 30).
    public init?(_ text: String) {
        guard let micros = RFC3339.microseconds(text) else { return nil }
        self.microsecondsSinceEpoch = micros
        self.text = text
    }

    static func canonicalText(_ micros: Int64) -> String { RFC3339.text(microseconds: micros, alwaysFraction: false) }
}
