/// Label key and value checks with the apiserver's messages
/// (apimachinery `util/validation`: `IsQualifiedName`, `IsValidLabelValue`,
/// `IsDNS1123Subdomain`, as served by Kubernetes 1.27–1.33).
public enum LabelValidation {
    static let nameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
    static let nameErr =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    static let valueFmt = "(" + nameFmt + ")?"
    static let valueErr =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    static let subdomainFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
    static let subdomainErr =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"

    /// `RegexError`: message plus examples and the regex.
    static func regexError(_ msg: String, _ fmt: String, _ examples: [String]) -> String {
        if examples.isEmpty { return msg + " (regex used for validation is '" + fmt + "')" }
        var s = msg + " (e.g. "
        for (i, e) in examples.enumerated() {
            if i > 0 { s += " or " }
            s += "'" + e + "', "
        }
        return s + "regex used for validation is '" + fmt + "')"
    }

    static func maxLenError(_ n: Int) -> String { "must be no more than \(n) characters" }

    static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
    }

    /// Matches `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`.
    static func isQualifiedNamePart(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard let f = b.first, let l = b.last, isAlnum(f), isAlnum(l) else { return false }
        return b.allSatisfy { isAlnum($0) || $0 == 45 || $0 == 95 || $0 == 46 }
    }

    /// Matches the RFC 1123 subdomain regex (lower case labels joined by dots).
    static func isSubdomainSyntax(_ s: String) -> Bool {
        let labels = s.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            let b = Array(label.utf8)
            guard let f = b.first, let l = b.last else { return false }
            func ok(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 97 && c <= 122) }
            guard ok(f), ok(l), b.allSatisfy({ ok($0) || $0 == 45 }) else { return false }
        }
        return true
    }

    /// `IsDNS1123Subdomain`: error strings, empty when valid.
    public static func dns1123SubdomainErrors(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > 253 { errs.append(maxLenError(253)) }
        if !isSubdomainSyntax(value) { errs.append(regexError(subdomainErr, subdomainFmt, ["example.com"])) }
        return errs
    }

    /// `IsQualifiedName` (label keys, annotation keys, finalizer names…):
    /// error strings, empty when valid.
    public static func labelKeyErrors(_ value: String) -> [String] {
        var errs: [String] = []
        let parts = value.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let name: String
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            name = parts[1]
            if parts[0].isEmpty {
                errs.append("prefix part must be non-empty")
            } else {
                errs += dns1123SubdomainErrors(parts[0]).map { "prefix part " + $0 }
            }
        default:
            return [
                "a qualified name " + regexError(nameErr, nameFmt, ["MyName", "my.name", "123-abc"])
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ]
        }
        if name.isEmpty {
            errs.append("name part must be non-empty")
        } else if name.utf8.count > 63 {
            errs.append("name part " + maxLenError(63))
        }
        if !isQualifiedNamePart(name) {
            errs.append("name part " + regexError(nameErr, nameFmt, ["MyName", "my.name", "123-abc"]))
        }
        return errs
    }

    /// `IsValidLabelValue`: error strings, empty when valid.
    public static func labelValueErrors(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > 63 { errs.append(maxLenError(63)) }
        if !value.isEmpty && !isQualifiedNamePart(value) {
            errs.append(regexError(valueErr, valueFmt, ["MyValue", "my_value", "12345"]))
        }
        return errs
    }

    /// Validates a `metadata.labels` map as the apiserver does
    /// (`ValidateLabels`): one `FieldValueInvalid` per bad key or value,
    /// keys in sorted order. `path` is the map's field path.
    public static func validateLabels(_ labels: [String: String], path: String = "metadata.labels") -> [FieldError] {
        var out: [FieldError] = []
        for k in labels.keys.sorted() {
            for e in labelKeyErrors(k) { out.append(.invalid(path, .string(k), e)) }
            for e in labelValueErrors(labels[k]!) { out.append(.invalid(path, .string(labels[k]!), e)) }
        }
        return out
    }
}
