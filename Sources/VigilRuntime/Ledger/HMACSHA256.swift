import CCrypto

/// HMAC-SHA256 (RFC 2104) from OpenSSL's libcrypto: the signature of
/// Standard Webhooks deliveries (`v1,<base64 HMAC of "id.timestamp.body">`).
public enum HMACSHA256 {
    /// The 32-byte MAC of `message` under `key` (any length; keys longer
    /// than the 64-byte block are hashed first, as RFC 2104 says).
    public static func authenticate(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        let k = Array(key)
        let m = Array(message)
        var out = [UInt8](repeating: 0, count: 32)
        let rc = k.withUnsafeBytes { kb in
            m.withUnsafeBytes { mb in
                out.withUnsafeMutableBufferPointer { vigil_hmac_sha256(kb.baseAddress, kb.count, mb.baseAddress, mb.count, $0.baseAddress) }
            }
        }
        // Fails only when libcrypto cannot allocate or the key exceeds 2 GiB.
        precondition(rc == 0, "libcrypto HMAC-SHA256 failed (key of \(k.count) bytes)")
        return out
    }

    /// The MAC of the UTF-8 bytes of `message`.
    public static func authenticate(key: some Collection<UInt8>, message: String) -> [UInt8] {
        authenticate(key: key, message: Array(message.utf8))
    }

    /// Compares two MACs in time that does not depend on where they differ.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
