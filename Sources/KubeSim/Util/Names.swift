/// Kubernetes name validation (DNS-1123 label and subdomain), with the
/// messages kube-apiserver uses.
public enum Names {
    static func isAlnum(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 48 && c <= 57) }

    /// Returns nil when valid, else the error detail.
    public static func dns1123Label(_ s: String) -> String? {
        let b = Array(s.utf8)
        if b.count > 63 { return "must be no more than 63 characters" }
        let ok = !b.isEmpty && isAlnum(b.first!) && isAlnum(b.last!) && b.allSatisfy { isAlnum($0) || $0 == 45 }
        if ok { return nil }
        return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    }

    public static func dns1123Subdomain(_ s: String) -> String? {
        let b = Array(s.utf8)
        if b.count > 253 { return "must be no more than 253 characters" }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        let ok = !b.isEmpty && parts.allSatisfy { p in
            let pb = Array(p.utf8)
            return !pb.isEmpty && isAlnum(pb.first!) && isAlnum(pb.last!) && pb.allSatisfy { isAlnum($0) || $0 == 45 }
        }
        if ok { return nil }
        return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    }

    /// Path-segment name rule that applies to every resource: no `/`, `%`, `.` or `..`.
    public static func pathSegment(_ s: String) -> String? {
        if s == "." || s == ".." { return "may not be '\(s)'" }
        if s.contains("/") { return "may not contain '/'" }
        if s.contains("%") { return "may not contain '%'" }
        return nil
    }
}
