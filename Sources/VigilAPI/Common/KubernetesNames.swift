/// The name rules of Kubernetes' apimachinery validation that Vigil's
/// resources check before the API server does, with messages that say what
/// would be valid.
public enum KubernetesNames {
    static func isLowerAlnum(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 97 && c <= 122) }
    static func isAlnum(_ c: UInt8) -> Bool { isLowerAlnum(c) || (c >= 65 && c <= 90) }

    /// `IsDNS1123Label`: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit.
    public static func isDNS1123Label(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard let f = b.first, let l = b.last, b.count <= 63, isLowerAlnum(f), isLowerAlnum(l) else { return false }
        return b.allSatisfy { isLowerAlnum($0) || $0 == 45 }
    }

    public static let dns1123LabelRule =
        "must be a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"

    /// `IsDNS1123Subdomain`: dot-separated DNS-1123 labels (each up to 63), at most 253 characters in all.
    static func isDNS1123Subdomain(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253 else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            let b = Array(label.utf8)
            guard let f = b.first, let l = b.last, isLowerAlnum(f), isLowerAlnum(l) else { return false }
            return b.allSatisfy { isLowerAlnum($0) || $0 == 45 }
        }
    }

    static let dns1123SubdomainRule =
        "must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"

    /// The name part of a qualified name or a label value: `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`.
    static func isNamePart(_ s: Substring, maxLength: Int = 63) -> Bool {
        let b = Array(s.utf8)
        guard let f = b.first, let l = b.last, b.count <= maxLength, isAlnum(f), isAlnum(l) else { return false }
        return b.allSatisfy { isAlnum($0) || $0 == 45 || $0 == 95 || $0 == 46 }
    }

    /// `IsQualifiedName` (label keys): an optional DNS-1123 subdomain prefix and '/', then a name part.
    static func isLabelKey(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return isNamePart(parts[0])
        case 2: return isDNS1123Subdomain(String(parts[0])) && isNamePart(parts[1])
        default: return false
        }
    }

    static let labelKeyRule =
        "must be a label key: an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit (e.g. \"app\" or \"example.com/tier\")"

    /// `IsValidLabelValue`: empty, or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit.
    static func isLabelValue(_ s: String) -> Bool { s.isEmpty || isNamePart(Substring(s)) }

    static let labelValueRule =
        "must be a label value: empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"

    /// A Secret data key: `[-._a-zA-Z0-9]+`, at most 253 characters.
    static func isSecretKey(_ s: String) -> Bool {
        let b = Array(s.utf8)
        return !b.isEmpty && b.count <= 253 && b.allSatisfy { isAlnum($0) || $0 == 45 || $0 == 95 || $0 == 46 }
            && s != "." && s != ".."
    }

    static let secretKeyRule = "must be a Secret key: at most 253 letters, digits, '-', '_' or '.' (e.g. \"signing-key\")"

    /// An HTTP header field name: an RFC 9110 token.
    static func isHeaderName(_ s: String) -> Bool {
        let b = Array(s.utf8)
        return !b.isEmpty
            && b.allSatisfy { c in isAlnum(c) || "!#$%&'*+-.^_`|~".utf8.contains(c) }
    }

    /// `name` cut to `limit` characters for use as an object name: a name
    /// that is too long keeps its start and gets `-` and 8 hex digits of a
    /// hash of the whole, so two long names stay distinct.
    public static func truncated(_ name: String, limit: Int) -> String {
        guard name.utf8.count > limit else { return name }
        var hash: UInt64 = 0xcbf29ce484222325
        for b in name.utf8 { hash = (hash ^ UInt64(b)) &* 0x100000001b3 }
        let suffix = "-" + String(String(hash, radix: 16).suffix(8))
        var head = String(name.prefix(limit - suffix.count))
        while head.last == "-" || head.last == "." { head.removeLast() }
        return head + suffix
    }
}
