/// One sample value as Prometheus writes it: a string holding a float, which may be `"NaN"`,
/// `"+Inf"` or `"-Inf"`, read at `timestamp` (Unix seconds, as Prometheus evaluated it).
///
/// `text` keeps the value exactly as sent, so two values compare equal even when both are NaN.
public struct PrometheusSampleValue: Sendable, Hashable, CustomStringConvertible {
    /// Unix seconds of the evaluation (millisecond precision in practice).
    public let timestamp: Double
    /// The value as a float (`.nan`, `.infinity`, `-.infinity` included).
    public let value: Double
    /// The value as Prometheus wrote it.
    public let text: String

    public init(timestamp: Double, text: String) throws(PrometheusResponseError) {
        guard let value = Self.parse(text) else {
            throw .malformed(field: "value", problem: "'\(text)' is not a float, NaN, +Inf or -Inf")
        }
        self.timestamp = timestamp
        self.value = value
        self.text = text
    }

    public init(timestamp: Double, value: Double) {
        self.timestamp = timestamp
        self.value = value
        self.text = value.isNaN ? "NaN" : value == .infinity ? "+Inf" : value == -.infinity ? "-Inf" : "\(value)"
    }

    /// Reads Go's `strconv.FormatFloat` output and Prometheus' spellings of NaN and infinity.
    static func parse(_ text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            guard let first = text.utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
                || first == UInt8(ascii: ".") || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
            else { return nil }
            guard let d = Double(text), d.isFinite else { return nil }
            return d
        }
    }

    public static func == (a: Self, b: Self) -> Bool { a.timestamp == b.timestamp && a.text == b.text }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(timestamp)
        hasher.combine(text)
    }

    public var description: String { "\(text) @\(timestamp)" }
}
