/// Kubernetes `resource.Quantity` parsing (shared by kube-sim and the controllers): `128Mi`, `1Gi`, `500m`, `2`, `1e3`, `1.5G`.
public enum Quantity {
    /// The quantity's value in base units (bytes, cores), or nil when the text
    /// is not a quantity.
    public static func parse(_ text: String) -> Double? {
        var s = Substring(text)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        guard !s.isEmpty else { return nil }
        var numEnd = s.startIndex
        for (i, ch) in zip(s.indices, s) {
            if ch.isNumber || ch == "." || ((ch == "+" || ch == "-") && i == s.startIndex) { numEnd = s.index(after: i) } else { break }
        }
        guard let base = Double(s[s.startIndex..<numEnd]) else { return nil }
        let suffix = String(s[numEnd...])
        let mult: Double
        switch suffix {
        case "": mult = 1
        case "Ki": mult = 1024
        case "Mi": mult = 1024 * 1024
        case "Gi": mult = 1024 * 1024 * 1024
        case "Ti": mult = 1024 * 1024 * 1024 * 1024
        case "Pi": mult = 1024 * 1024 * 1024 * 1024 * 1024
        case "Ei": mult = 1024 * 1024 * 1024 * 1024 * 1024 * 1024
        case "n": mult = 1e-9
        case "u": mult = 1e-6
        case "m": mult = 1e-3
        case "k": mult = 1e3
        case "M": mult = 1e6
        case "G": mult = 1e9
        case "T": mult = 1e12
        case "P": mult = 1e15
        case "E": mult = 1e18
        default:
            if suffix.first == "e" || suffix.first == "E", let e = Int(suffix.dropFirst()) {
                mult = pow10(e)
            } else {
                return nil
            }
        }
        return base * mult
    }

    static func pow10(_ e: Int) -> Double {
        var r = 1.0
        for _ in 0..<abs(e) { r *= 10 }
        return e < 0 ? 1 / r : r
    }

    /// Bytes in the binary-suffix form Kubernetes prints (`256Mi`), exact when possible.
    public static func formatBytes(_ v: Double) -> String {
        let n = Int64(v.rounded())
        for (suffix, m) in [("Ei", Int64(1) << 60), ("Pi", Int64(1) << 50), ("Ti", Int64(1) << 40), ("Gi", Int64(1) << 30), ("Mi", Int64(1) << 20), ("Ki", Int64(1) << 10)]
        where n != 0 && n % m == 0 {
            return "\(n / m)\(suffix)"
        }
        return String(n)
    }
}
