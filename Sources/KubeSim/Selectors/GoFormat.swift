/// Renders values the way Go's `fmt` verbs do, so that error texts built from
/// them match the apiserver byte for byte (`%q`, `%v`, `%#v`).
enum GoFormat {
    /// Go's `strconv.Quote` / `%q` for a string.
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{0B}": out += "\\v"
            default:
                let v = scalar.value
                if v < 0x20 || v == 0x7F {
                    out += "\\x" + hex(v, width: 2)
                } else if v >= 0x80 && !isPrintable(scalar) {
                    out += v > 0xFFFF ? "\\U" + hex(v, width: 8) : "\\u" + hex(v, width: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    private static func isPrintable(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator:
            return false
        case .spaceSeparator:
            return s == " "
        default:
            return true
        }
    }

    private static func hex(_ v: UInt32, width: Int) -> String {
        var s = String(v, radix: 16)
        while s.count < width { s = "0" + s }
        return s
    }

    /// Go's `%v` for a float64 (`strconv.FormatFloat(f, 'g', -1, 64)` with
    /// Go's exponent style: `1e+21`, `1.5`, `3`).
    static func float(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
        if d == d.rounded(), abs(d) < 1e21 {
            return String(Int64(d))
        }
        let exp = d == 0 ? 0 : Int((abs(d)).log10Floor)
        if exp < -4 || exp >= 21 {
            // Swift prints e.g. "1e+21" as "1e+21"; normalise to Go's two-digit exponent.
            var s = "\(d)"
            if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
                let mantissa = String(s[s.startIndex..<e])
                var expPart = String(s[s.index(after: e)...])
                var sign = "+"
                if expPart.hasPrefix("-") { sign = "-"; expPart.removeFirst() } else if expPart.hasPrefix("+") { expPart.removeFirst() }
                if expPart.count < 2 { expPart = "0" + expPart }
                s = mantissa + "e" + sign + expPart
            }
            return s
        }
        return "\(d)"
    }

    /// Go's `%v` for a JSON value decoded into `interface{}` (numbers as
    /// int64/float64 the way apimachinery's JSON decoder produces them).
    static func plain(_ v: JSON) -> String {
        switch v {
        case .null: return "<nil>"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return float(d)
        case .string(let s): return s
        case .array(let a): return "[" + a.map(plain).joined(separator: " ") + "]"
        case .object(let o):
            let keys = o.keys.sorted()
            return "map[" + keys.map { "\($0):\(plain(o[$0]!))" }.joined(separator: " ") + "]"
        }
    }

    /// Go's `%#v` for a JSON value held in an `interface{}`.
    static func goSyntax(_ v: JSON, inInterface: Bool = false) -> String {
        switch v {
        case .null: return "interface {}(nil)"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return float(d)
        case .string(let s): return quote(s)
        case .array(let a):
            return "[]interface {}{" + a.map { goSyntax($0, inInterface: true) }.joined(separator: ", ") + "}"
        case .object(let o):
            let keys = o.keys.sorted()
            return "map[string]interface {}{" + keys.map { "\(quote($0)):\(goSyntax(o[$0]!, inInterface: true))" }
                .joined(separator: ", ") + "}"
        }
    }

    /// How `field.Error.ErrorBody` prints a bad value: simple scalars with
    /// `%v`, strings with `%q`, anything else with `%#v`; nil as `null`.
    static func badValue(_ v: JSON?) -> String {
        guard let v else { return "null" }
        switch v {
        case .null: return "null"
        case .bool, .int, .double: return plain(v)
        case .string(let s): return quote(s)
        case .array, .object: return goSyntax(v)
        }
    }
}

extension Double {
    fileprivate var log10Floor: Double {
        var e = 0.0
        var x = self
        if x >= 1 {
            while x >= 10 { x /= 10; e += 1 }
        } else {
            while x < 1 { x *= 10; e -= 1 }
        }
        return e
    }
}
