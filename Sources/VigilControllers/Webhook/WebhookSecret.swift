import VigilJSON

/// The key that signs webhook deliveries, read from the bytes of one entry
/// of a Kubernetes Secret's `data`.
///
/// Two spellings are accepted:
/// - `whsec_<base64>`: the Standard Webhooks form. The text after `whsec_` is
///   standard base64 (RFC 4648 §4, padding optional) and is decoded; the key
///   is the decoded bytes. Whitespace around the whole value (a trailing
///   newline from `kubectl create secret --from-file`) is ignored.
/// - anything else: the bytes are the key exactly as stored, with nothing
///   trimmed or decoded.
///
/// The key bytes never appear in descriptions or errors.
public struct WebhookSecret: Sendable, Hashable, CustomStringConvertible {
    /// The prefix of the Standard Webhooks spelling.
    public static let prefix = "whsec_"

    /// The HMAC key.
    public let keyBytes: [UInt8]

    /// A secret whose key is `keyBytes` exactly (no prefix handling).
    public init(keyBytes: [UInt8]) throws(WebhookSecretError) {
        guard !keyBytes.isEmpty else { throw .empty(source: "the key") }
        self.keyBytes = keyBytes
    }

    /// The key stored in a Secret's data entry (see the type's documentation
    /// for the two spellings). `source` names where the bytes came from, for
    /// errors, e.g. `Secret ops/hook-key, key signing-key`.
    public init(secretData: [UInt8], source: String) throws(WebhookSecretError) {
        let text = String(decoding: secretData, as: UTF8.self)
        // Only valid UTF-8 can be the text form (lossy decoding would change the bytes).
        let isText = text.utf8.elementsEqual(secretData)
        let trimmed = text.trimmingASCIIWhitespace()
        if isText, trimmed.hasPrefix(Self.prefix) {
            let encoded = String(trimmed.dropFirst(Self.prefix.count))
            guard let key = Base64.decode(encoded) else {
                throw .invalidBase64(source: source, length: encoded.utf8.count)
            }
            guard !key.isEmpty else { throw .empty(source: source) }
            keyBytes = key
        } else {
            guard !secretData.isEmpty else { throw .empty(source: source) }
            keyBytes = secretData
        }
    }

    public var description: String { "WebhookSecret(\(keyBytes.count) bytes)" }
}

extension String {
    /// The string without leading and trailing spaces, tabs, CR and LF.
    fileprivate func trimmingASCIIWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        var s = Substring(self)
        while let f = s.first, isSpace(f) { s = s.dropFirst() }
        while let l = s.last, isSpace(l) { s = s.dropLast() }
        return s
    }
}
