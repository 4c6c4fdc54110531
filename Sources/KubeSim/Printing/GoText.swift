/// How Go writes values as text, where the printers' output depends on it:
/// `fmt.Sprint` of a decoded JSON value (what client-go jsonpath's
/// `PrintResults` does for scalars) and `encoding/json.Marshal` (what it
/// does for objects and arrays: keys sorted, no spaces, HTML-safe escapes).
enum GoText {
    /// client-go jsonpath `PrintResults` of one value.
    static func printResult(_ v: JSON) -> String {
        switch v {
        case .object, .array: return marshal(v)
        case .null: return "<no value>"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return formatFloatV(d)
        case .string(let s): return s
        }
    }

    /// `fmt.Sprint(float64)`: `%g` with the shortest exact digits, switching
    /// to an exponent when it is below -4 or at least 6 (`1e+06`, `1e-05`).
    static func formatFloatV(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
        let (neg, digits, exp) = shortestDigits(d)
        if digits == "0" { return neg ? "-0" : "0" }
        // Decimal exponent of the first digit.
        let x = exp + digits.count - 1
        var out = neg ? "-" : ""
        if x < -4 || x >= 6 {
            out += String(digits.first!)
            if digits.count > 1 { out += "." + digits.dropFirst() }
            out += x < 0 ? "e-" : "e+"
            let ax = abs(x)
            out += ax < 10 ? "0\(ax)" : "\(ax)"
            return out
        }
        out += plain(digits, exp)
        return out
    }

    /// `encoding/json` for a float64: plain unless the exponent is below
    /// -6 or at least 21, then `1e+21` / `1e-7` style.
    static func formatFloatJSON(_ d: Double) -> String {
        let (neg, digits, exp) = shortestDigits(d)
        if digits == "0" { return neg ? "-0" : "0" }
        let x = exp + digits.count - 1
        var out = neg ? "-" : ""
        if x < -6 || x >= 21 {
            out += String(digits.first!)
            if digits.count > 1 { out += "." + digits.dropFirst() }
            out += x < 0 ? "e-\(-x)" : "e+\(x)"
            return out
        }
        return out + plain(digits, exp)
    }

    /// `digits × 10^exp` written without an exponent.
    private static func plain(_ digits: String, _ exp: Int) -> String {
        if exp >= 0 { return digits + String(repeating: "0", count: exp) }
        let point = digits.count + exp
        if point > 0 {
            return String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
        }
        return "0." + String(repeating: "0", count: -point) + digits
    }

    /// The shortest round-tripping decimal digits of `d` (Swift's
    /// `description` gives the same digits as Go's shortest formatting),
    /// as (negative, digits without leading/trailing zeros, exponent).
    static func shortestDigits(_ d: Double) -> (Bool, String, Int) {
        var text = Substring(d.description)
        var neg = false
        if text.hasPrefix("-") {
            neg = true
            text = text.dropFirst()
        }
        var mantissa = text
        var exp = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exp = Int(text[text.index(after: e)...].replacingPlus) ?? 0
        }
        var digits = ""
        var fraction = 0
        var seenPoint = false
        for c in mantissa {
            if c == "." {
                seenPoint = true
                continue
            }
            digits.append(c)
            if seenPoint { fraction += 1 }
        }
        exp -= fraction
        while digits.count > 1 && digits.first == "0" { digits.removeFirst() }
        while digits.count > 1 && digits.last == "0" {
            digits.removeLast()
            exp += 1
        }
        return (neg, digits, exp)
    }

    /// `encoding/json.Marshal` of a decoded JSON value.
    static func marshal(_ v: JSON) -> String {
        var out = ""
        write(v, &out)
        return out
    }

    private static func write(_ v: JSON, _ out: inout String) {
        switch v {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += formatFloatJSON(d)
        case .string(let s): quote(s, &out)
        case .array(let a):
            out += "["
            for (i, e) in a.enumerated() {
                if i > 0 { out += "," }
                write(e, &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            let sorted = o.entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (i, e) in sorted.enumerated() {
                if i > 0 { out += "," }
                quote(e.key, &out)
                out += ":"
                write(e.value, &out)
            }
            out += "}"
        }
    }

    private static func quote(_ s: String, _ out: inout String) {
        let hex: [Character] = Array("0123456789abcdef")
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                let v = u.value
                out += "\\u"
                for shift in stride(from: 12, through: 0, by: -4) { out.append(hex[Int((v >> UInt32(shift)) & 0xF)]) }
            default:
                if u.value < 0x20 {
                    out += "\\u00"
                    out.append(hex[Int(u.value >> 4)])
                    out.append(hex[Int(u.value & 0xF)])
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}

extension Substring {
    fileprivate var replacingPlus: Substring { hasPrefix("+") ? dropFirst() : self }
}
