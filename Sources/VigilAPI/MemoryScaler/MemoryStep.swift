import VigilJSON

/// The arithmetic of a `MemoryScaler`'s memory sizes, exact: the next size
/// of a step (current × multiplier, rounded up to a whole Mi, capped at
/// `maxMemory`), memory quantities read into bytes and bytes written back as
/// quantities. Pure; no floating point where the result is a byte count.
public enum MemoryStep {
    /// 1Mi: a step's size is rounded up to a multiple of this.
    public static let mebibyte: Int64 = 1 << 20
    /// 1Gi.
    public static let gibibyte: Int64 = 1 << 30

    /// The size after one step from `current` bytes: `current` × `multiplier`
    /// (exactly, as the fraction the multiplier's decimal text says), rounded
    /// up to a whole Mi, capped at `max`.
    ///
    /// - A step that would pass `max` gives `max` itself (`atMaximum` false:
    ///   there is still a raise to make; it is the last one).
    /// - When `current` is already `max` or more, nothing is raised: the
    ///   result is `current` with `atMaximum` true.
    /// - A `current` of zero or less (a container without a memory limit has
    ///   nothing to multiply) gives back `current` with `atMaximum` false;
    ///   callers report such containers instead of stepping them.
    ///
    /// `bytes == current` means no change.
    public static func next(current: Int64, multiplier: MemoryScalerSpec.Multiplier, max: Int64) -> (bytes: Int64, atMaximum: Bool) {
        if current >= max { return (current, true) }
        if current <= 0 { return (current, false) }
        // current < 2^63 and numerator < 2^60: the product fits in 128 bits.
        let product = UInt128(current) * UInt128(multiplier.numerator)
        let scaled = divideRoundingUp(product, by: UInt128(multiplier.denominator))
        let rounded = divideRoundingUp(scaled, by: UInt128(mebibyte)) * UInt128(mebibyte)
        if rounded >= UInt128(max) { return (max, false) }
        // rounded < max ≤ Int64.max, so the conversion is exact.
        return (Int64(rounded), false)
    }

    /// The memory request that goes with a step of the limit from
    /// `fromLimit` to `toLimit`: the request grows in the same proportion
    /// (rounded up to a whole Mi), never past `toLimit`. A request equal to
    /// the limit stays equal to it, so a container's QoS class does not change;
    /// a request of zero or less (none) stays as it is.
    public static func request(current: Int64, fromLimit: Int64, toLimit: Int64) -> Int64 {
        guard current > 0, fromLimit > 0, toLimit > fromLimit else { return current }
        if current >= fromLimit { return toLimit }
        let scaled = divideRoundingUp(UInt128(current) * UInt128(toLimit), by: UInt128(fromLimit))
        let rounded = divideRoundingUp(scaled, by: UInt128(mebibyte)) * UInt128(mebibyte)
        return rounded >= UInt128(toLimit) ? toLimit : Int64(rounded)
    }

    /// `bytes` as a quantity: whole Gi as `2Gi`, whole Mi as `1536Mi`, any
    /// other count as plain bytes (`1500000000`), which Kubernetes reads too.
    public static func quantity(bytes: Int64) -> String {
        if bytes != 0 && bytes % gibibyte == 0 { return "\(bytes / gibibyte)Gi" }
        if bytes != 0 && bytes % mebibyte == 0 { return "\(bytes / mebibyte)Mi" }
        return "\(bytes)"
    }

    // MARK: reading quantities

    /// Why a text is not a memory size.
    public struct QuantityError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The text that was read.
        public var text: String
        /// What is wrong with it, with what would be valid.
        public var reason: String

        /// `"500m" is 500 millibytes: ...`.
        public var description: String { "\(quoted(text)) \(reason)" }
    }

    /// The binary and decimal suffixes a memory size may have, with their factors.
    static let suffixes: [(name: String, factor: UInt128)] = [
        ("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("Ti", 1 << 40), ("Pi", 1 << 50), ("Ei", 1 << 60),
        ("k", 1_000), ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000), ("P", 1_000_000_000_000_000),
        ("E", 1_000_000_000_000_000_000),
    ]

    static let example = "write a memory size such as \"512Mi\" or \"2Gi\" (binary suffixes Ki, Mi, Gi, Ti, Pi, Ei; decimal k, M, G, T, P, E)"

    /// The bytes a memory quantity says, rounded up to a whole byte as
    /// Kubernetes rounds (`1.1Ki` is 1127 bytes).
    ///
    /// Accepts what the CRD's pattern accepts: a plain decimal number
    /// (`2`, `1.5`, `.5`) with an optional binary suffix (`Ki` … `Ei`),
    /// decimal suffix (`k`, `M`, `G`, `T`, `P`, `E`) or exponent (`e9`),
    /// and greater than zero. Texts `Quantity.parse` reads but that are no
    /// memory size (negative, milli-, micro- or nano-bytes, a negative exponent,
    /// a sign) get a message saying so.
    public static func bytes(parsing text: String) throws(QuantityError) -> Int64 {
        func fail(_ reason: String) -> QuantityError { QuantityError(text: text, reason: reason) }
        guard !text.isEmpty else { throw fail("is empty: \(example)") }
        guard Quantity.parse(text) != nil else { throw fail("is not a quantity: \(example)") }
        // Quantity.parse also reads signs, spaces and fractional units; read strictly here.
        var s = Substring(text)
        if s.first == "-" { throw fail("is negative: a memory size must be greater than zero, e.g. \"2Gi\"") }
        if s.first == "+" { throw fail("has a sign: write the size without one, e.g. \"2Gi\"") }
        if s.first == " " || s.last == " " { throw fail("has spaces around it: write e.g. \"2Gi\"") }
        let whole = s.prefix { $0.isASCII && $0.isNumber }
        s = s.dropFirst(whole.count)
        var fraction: Substring = ""
        if s.first == "." {
            s = s.dropFirst()
            fraction = s.prefix { $0.isASCII && $0.isNumber }
            s = s.dropFirst(fraction.count)
        }
        guard !whole.isEmpty || !fraction.isEmpty else { throw fail("is not a quantity: \(example)") }
        let suffix = String(s)
        let number = "\(whole.isEmpty ? "0" : whole)\(fraction.isEmpty ? "" : ".\(fraction)")"
        var factor: UInt128 = 1
        if suffix.isEmpty {
            // plain bytes
        } else if let unit = suffixes.first(where: { $0.name == suffix }) {
            factor = unit.factor
        } else if suffix == "m" || suffix == "u" || suffix == "n" {
            let prefix = ["m": "milli", "u": "micro", "n": "nano"][suffix] ?? "fraction"
            throw fail("is \(number) \(prefix)bytes (\(suffix) is the \(prefix) suffix of CPU quantities): memory is counted in bytes; write mebibytes as Mi, e.g. \"\(number)Mi\"")
        } else if let e = suffix.first, e == "e" || e == "E" {
            let digits = suffix.dropFirst()
            if digits.first == "-" { throw fail("has a negative exponent, which makes it a fraction of a byte: \(example)") }
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw fail("is not a memory size: \(example)") }
            guard let exponent = Int(digits), exponent <= 36 else { throw fail("is too large: a memory size must be less than 8Ei") }
            for _ in 0..<exponent { factor *= 10 }
        } else {
            throw fail("is not a memory size: \(example)")
        }
        // The digits as one integer over a power of ten (trailing zeros of the fraction do not count).
        var fractionDigits = fraction
        while fractionDigits.last == "0" { fractionDigits.removeLast() }
        let digits = (whole + fractionDigits).drop { $0 == "0" }
        guard digits.count <= 36, fractionDigits.count <= 36 else { throw fail("has more digits than a memory size needs: \(example)") }
        var mantissa: UInt128 = 0
        for d in digits.utf8 { mantissa = mantissa * 10 + UInt128(d - 48) }
        var scale: UInt128 = 1
        for _ in 0..<fractionDigits.count { scale *= 10 }
        if mantissa == 0 { throw fail("is zero: a memory size must be greater than zero, e.g. \"2Gi\"") }
        let (product, overflow) = mantissa.multipliedReportingOverflow(by: factor)
        guard !overflow else { throw fail("is too large: a memory size must be less than 8Ei") }
        let bytes = divideRoundingUp(product, by: scale)
        guard bytes <= UInt128(Int64.max) else { throw fail("is too large: a memory size must be less than 8Ei") }
        return Int64(bytes)
    }

    // MARK: decimal fractions

    /// The exact fraction a plain decimal text says, reduced: `"1.5"` is 3/2,
    /// `"1.25"` is 5/4, `"2"` is 2/1. Nil for any other text (signs,
    /// exponents) and for numbers whose numerator or denominator would not
    /// fit in 60 bits.
    public static func fraction(decimal text: String) -> (numerator: Int64, denominator: Int64)? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first else { return nil }
        var fraction = parts.count > 1 ? parts[1] : ""
        guard !whole.isEmpty || !fraction.isEmpty,
            whole.allSatisfy({ $0.isASCII && $0.isNumber }), fraction.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        while fraction.last == "0" { fraction.removeLast() }
        let digits = (whole + fraction).drop { $0 == "0" }
        guard digits.count <= 18, fraction.count <= 18 else { return nil }
        var n: Int64 = 0
        for d in digits.utf8 { n = n * 10 + Int64(d - 48) }
        var q: Int64 = 1
        for _ in 0..<fraction.count { q *= 10 }
        let g = gcd(n, q)
        return (n / g, q / g)
    }

    static func gcd(_ a: Int64, _ b: Int64) -> Int64 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x == 0 ? 1 : x
    }

    /// ⌈a / b⌉ (b > 0).
    static func divideRoundingUp(_ a: UInt128, by b: UInt128) -> UInt128 {
        let (q, r) = a.quotientAndRemainder(dividingBy: b)
        return r == 0 ? q : q + 1
    }
}
