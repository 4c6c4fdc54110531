/// Why a ``WebhookRequest`` could not be built; each case names the header.
public enum WebhookRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An extra header uses a name Vigil sets itself.
    case reservedHeader(String)
    /// An extra header's name is not an HTTP token.
    case invalidHeaderName(String)
    /// An extra header's value contains CR, LF or NUL.
    case invalidHeaderValue(String)

    public var description: String {
        switch self {
        case .reservedHeader(let name):
            return "extra header \"\(name)\" is set by Vigil and cannot be overridden (reserved, in any letter case: \(WebhookRequest.reservedHeaders.joined(separator: ", ")))"
        case .invalidHeaderName(let name):
            return "extra header name \"\(name)\" is not a valid HTTP header name: use letters, digits and !#$%&'*+-.^_`|~ only"
        case .invalidHeaderValue(let name):
            return "extra header \"\(name)\": the value must not contain line breaks or NUL characters"
        }
    }
}
