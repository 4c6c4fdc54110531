/// Standard base64 (RFC 4648 §4, with `=` padding), shared by kube-sim
/// (continue tokens, Secret data), the client and the runtime (webhook
/// signatures, `whsec_` secrets).
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Padded base64 text of `bytes`.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let b = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity((b.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= b.count {
            let n = UInt32(b[i]) << 16 | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = b.count - i
        if rest == 1 {
            let n = UInt32(b[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], 0x3d, 0x3d]
        } else if rest == 2 {
            let n = UInt32(b[i]) << 16 | UInt32(b[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], 0x3d]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of padded or unpadded base64 text, or nil if it has a
    /// character outside the alphabet, misplaced padding, or a length that
    /// cannot be base64.
    public static func decode(_ text: String) -> [UInt8]? {
        var u = Array(text.utf8)
        var padding = 0
        while u.last == 0x3d, padding < 2 {
            u.removeLast()
            padding += 1
        }
        if padding > 0, (u.count + padding) % 4 != 0 { return nil }
        guard u.count % 4 != 1 else { return nil }
        func value(_ c: UInt8) -> UInt32? {
            switch c {
            case 0x41...0x5a: return UInt32(c - 0x41)
            case 0x61...0x7a: return UInt32(c - 0x61 + 26)
            case 0x30...0x39: return UInt32(c - 0x30 + 52)
            case 0x2b: return 62
            case 0x2f: return 63
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(u.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for c in u {
            guard let v = value(c) else { return nil }
            acc = acc << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(acc >> UInt32(bits) & 0xff))
            }
        }
        // Leftover bits must be zero (canonical encoding).
        guard acc & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return out
    }
}
