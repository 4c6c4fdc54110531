/// Random identifiers the API server hands out: UIDs and `generateName` suffixes.
public enum Identifiers {
    /// A random (version 4) UUID in its canonical lowercase form.
    public static func uuid() -> String {
        var rng = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        bytes[6] = (bytes[6] & 0x0f) | 0x40
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        let hex = bytes.map { b -> String in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
        let c = Array(hex)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-" + String(c[20..<32])
    }

    /// The alphabet apimachinery's `rand.String` uses (no vowels, no confusable digits).
    static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    /// `generateName` suffix: five random characters.
    public static func suffix(_ n: Int = 5) -> String {
        var rng = SystemRandomNumberGenerator()
        return String((0..<n).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
    }
}
