import CCrypto

/// SHA-256 (FIPS 180-4) from OpenSSL's libcrypto, for effect keys and
/// anything else that needs a stable digest.
public enum SHA256 {
    /// The 32-byte digest of `bytes`.
    public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        var out = [UInt8](repeating: 0, count: 32)
        let rc = input.withUnsafeBytes { data in
            out.withUnsafeMutableBufferPointer { vigil_sha256(data.baseAddress, data.count, $0.baseAddress) }
        }
        // EVP_Digest fails only when libcrypto cannot allocate; nothing a caller could do.
        precondition(rc == 0, "libcrypto SHA-256 failed")
        return out
    }

    /// The digest of the UTF-8 bytes of `text`.
    public static func hash(_ text: String) -> [UInt8] { hash(Array(text.utf8)) }
}
