/// Why the bytes of a Secret entry are not a usable webhook signing key.
/// Messages name where the key came from but never show it.
public enum WebhookSecretError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The key (or the base64 after `whsec_`) is empty.
    case empty(source: String)
    /// The value starts with `whsec_` but the rest, `length` characters, is not base64.
    case invalidBase64(source: String, length: Int)

    public var description: String {
        switch self {
        case .empty(let source):
            return "\(source): the webhook signing key is empty; store the key bytes, or whsec_ followed by the base64 of the key bytes"
        case .invalidBase64(let source, let length):
            return "\(source): the value starts with \"whsec_\" but the \(length) characters after it are not valid standard base64 (A-Z, a-z, 0-9, +, /, = padding); write whsec_ followed by the base64 of the key bytes, or store the raw key bytes without the prefix"
        }
    }
}
