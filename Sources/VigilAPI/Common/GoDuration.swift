/// A length of time written as Go's `time.ParseDuration` reads it — a
/// sequence of decimal numbers, each with a unit: `"90s"`, `"30m"`,
/// `"1h30m"`, `"1.5h"`, `"250ms"` — restricted to what Vigil's resources
/// need: units `h`, `m`, `s` and `ms`, whole milliseconds, never negative.
///
/// The text is kept as written so a resource encodes back exactly as it was
/// read; equality, hashing and ordering look at the length only (`"90s"` ==
/// `"1m30s"`).
public struct GoDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The length in milliseconds (never negative).
    public let milliseconds: Int64
    /// The text as written, or Go's canonical form (`"1m30s"`) for a duration
    /// built from a number.
    public let text: String

    /// The units Vigil accepts, longest first where one is a prefix of another.
    public static let units: [(name: String, milliseconds: Int64)] = [("ms", 1), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]

    /// The largest duration accepted (about 106 751 days, far beyond any sensible TTL).
    static let maxMilliseconds: Int64 = Int64.max / 1_000_000

    /// A duration of `milliseconds` (clamped at zero), written in Go's canonical form.
    public init(milliseconds: Int64) {
        self.milliseconds = max(0, milliseconds)
        self.text = GoDuration.canonicalText(self.milliseconds)
    }

    /// A duration whose text the caller knows to say `milliseconds` (for constants such as `"60s"`).
    init(milliseconds: Int64, text: String) {
        self.milliseconds = milliseconds
        self.text = text
    }

    public static func seconds(_ s: Int64) -> GoDuration { GoDuration(milliseconds: s * 1000) }
    public static func minutes(_ m: Int64) -> GoDuration { GoDuration(milliseconds: m * 60_000) }
    public static func hours(_ h: Int64) -> GoDuration { GoDuration(milliseconds: h * 3_600_000) }

    /// The length in seconds.
    public var seconds: Double { Double(milliseconds) / 1000 }

    public var description: String { text }

    public static func == (a: GoDuration, b: GoDuration) -> Bool { a.milliseconds == b.milliseconds }
    public func hash(into hasher: inout Hasher) { hasher.combine(milliseconds) }
    public static func < (a: GoDuration, b: GoDuration) -> Bool { a.milliseconds < b.milliseconds }

    /// Parses `text`; the error says what is wrong and what would be valid.
    public init(parsing text: String) throws(GoDurationError) {
        func fail(_ reason: String) -> GoDurationError { GoDurationError(text: text, reason: reason) }
        var s = Substring(text)
        if s.isEmpty { throw fail("it is empty") }
        if s.first == "-" { throw fail("negative durations are not allowed") }
        if s.first == "+" { throw fail("a sign is not allowed") }
        if s == "0" {
            self.milliseconds = 0
            self.text = text
            return
        }
        var total: Int64 = 0
        while !s.isEmpty {
            // The number: digits, optionally a '.' and more digits (at least one digit in all).
            let whole = s.prefix { $0.isASCII && $0.isNumber }
            s = s.dropFirst(whole.count)
            var fraction: Substring = ""
            var hasDot = false
            if s.first == "." {
                hasDot = true
                s = s.dropFirst()
                fraction = s.prefix { $0.isASCII && $0.isNumber }
                s = s.dropFirst(fraction.count)
            }
            if whole.isEmpty && fraction.isEmpty {
                let at = s.isEmpty ? "the end" : quoted(String(s))
                throw fail(hasDot ? "a number is missing around \".\"" : "expected a number, found \(at)")
            }
            let unitText = s.prefix { !($0.isASCII && $0.isNumber) && $0 != "." }
            s = s.dropFirst(unitText.count)
            if unitText.isEmpty { throw fail("the unit is missing after \"\(whole)\(hasDot ? "." : "")\(fraction)\"") }
            guard let unit = GoDuration.units.first(where: { $0.name == unitText }) else {
                if ["ns", "us", "µs", "μs"].contains(String(unitText)) {
                    throw fail("unit \"\(unitText)\" is finer than Vigil supports (valid units: h, m, s, ms)")
                }
                throw fail("unknown unit \"\(unitText)\" (valid units: h, m, s, ms)")
            }
            guard let w = Int64(whole.isEmpty ? "0" : String(whole)) else { throw fail("the number is too large") }
            let (wm, o1) = w.multipliedReportingOverflow(by: unit.milliseconds)
            if o1 || wm > GoDuration.maxMilliseconds { throw fail("the number is too large") }
            var part = wm
            if !fraction.isEmpty {
                // fraction × unit must come out in whole milliseconds.
                let digits = fraction.prefix(18)
                var scale: Int64 = 1
                for _ in 0..<digits.count { scale *= 10 }
                let f = Int64(String(digits))!
                let (num, o2) = f.multipliedReportingOverflow(by: unit.milliseconds)
                if o2 { throw fail("it has more fractional digits than milliseconds can hold") }
                if num % scale != 0 || fraction.dropFirst(18).contains(where: { $0 != "0" }) {
                    throw fail("it is not a whole number of milliseconds (1ms is the smallest step)")
                }
                part += num / scale
            }
            let (t, o3) = total.addingReportingOverflow(part)
            if o3 || t > GoDuration.maxMilliseconds { throw fail("the number is too large") }
            total = t
        }
        self.milliseconds = total
        self.text = text
    }

    /// Go's `time.Duration.String()` for whole milliseconds: `"0s"`,
    /// `"250ms"`, `"1.5s"`, `"1m30s"`, `"1h0m0s"`.
    public static func canonicalText(_ ms: Int64) -> String {
        if ms == 0 { return "0s" }
        if ms < 1000 { return "\(ms)ms" }
        let h = ms / 3_600_000
        let m = ms / 60_000 % 60
        let secMs = ms % 60_000
        var sec = "\(secMs / 1000)"
        if secMs % 1000 != 0 {
            var frac = String(secMs % 1000)
            frac = String(repeating: "0", count: 3 - frac.count) + frac
            while frac.hasSuffix("0") { frac.removeLast() }
            sec += "." + frac
        }
        if h > 0 { return "\(h)h\(m)m\(sec)s" }
        if m > 0 { return "\(m)m\(sec)s" }
        return "\(sec)s"
    }
}

/// Why a text is not a `GoDuration`.
public struct GoDurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text that was read.
    public var text: String
    /// What is wrong with it.
    public var reason: String

    /// `"5x" is not a valid duration: unknown unit "x" (valid units: h, m, s, ms); write e.g. "90s" or "1h30m"`.
    public var description: String {
        "\(quoted(text)) is not a valid duration: \(reason); write e.g. \"90s\" or \"1h30m\""
    }
}
