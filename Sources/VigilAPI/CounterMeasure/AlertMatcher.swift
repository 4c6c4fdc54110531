import VigilJSON

/// One label matcher as Prometheus and Alertmanager write them:
/// `severity="critical"`, `severity!="info"`, `severity=~"warning|critical"`,
/// `pod!~"canary-.*"`. Regular expressions are anchored at both ends, as in
/// Prometheus. A missing label matches as the empty string, as in Prometheus
/// (`team=""` selects alerts without `team`).
public struct AlertMatcher: Sendable, Hashable, CustomStringConvertible {
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case matches = "=~"
        case notMatches = "!~"
    }

    public var label: String
    public var op: Operator
    public var value: String

    public init(label: String, op: Operator, value: String) {
        self.label = label
        self.op = op
        self.value = value
    }

    /// As written back: `severity=~"warning|critical"`.
    public var description: String { "\(label)\(op.rawValue)\(quoted(value))" }

    /// Parses `label op value` (value double-quoted, or bare); a message on failure.
    public static func parse(_ text: String) -> Result<AlertMatcher, MatcherParseError> {
        let s = text.trimmingWhitespace
        guard let opStart = s.firstIndex(where: { $0 == "=" || $0 == "!" }) else {
            return .failure(.init("has no operator: write label=\"value\", label!=\"value\", label=~\"regex\" or label!~\"regex\""))
        }
        let label = String(s[..<opStart]).trimmingWhitespace
        guard !label.isEmpty, label.first.map({ $0 == "_" || ($0.isASCII && $0.isLetter) }) == true,
            label.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
        else {
            return .failure(.init("\(quoted(label)) is not a label name: use letters, digits and _, not starting with a digit"))
        }
        var rest = s[opStart...]
        let op: Operator
        if rest.hasPrefix("=~") { op = .matches } else if rest.hasPrefix("!~") { op = .notMatches } else if rest.hasPrefix("!=") { op = .notEqual } else if rest.hasPrefix("=") { op = .equal } else {
            return .failure(.init("has no operator: write label=\"value\", label!=\"value\", label=~\"regex\" or label!~\"regex\""))
        }
        rest = rest.dropFirst(op.rawValue.count)
        var value = String(rest).trimmingWhitespace
        if value.hasPrefix("\"") {
            guard value.count >= 2, value.hasSuffix("\""), let parsed = try? JSON.parse(Array(value.utf8)), case .string(let v) = parsed else {
                return .failure(.init("the value \(value) is not a properly quoted string"))
            }
            value = v
        }
        let m = AlertMatcher(label: label, op: op, value: value)
        if op == .matches || op == .notMatches, (try? Regex("^(?:\(value))$")) == nil {
            return .failure(.init("\(quoted(value)) is not a valid regular expression"))
        }
        return .success(m)
    }

    /// Whether `labels` satisfy the matcher.
    public func matches(_ labels: [String: String]) -> Bool {
        let v = labels[label] ?? ""
        switch op {
        case .equal: return v == value
        case .notEqual: return v != value
        case .matches, .notMatches:
            let hit = (try? Regex("^(?:\(value))$")).map { v.wholeMatch(of: $0) != nil } ?? false
            return op == .matches ? hit : !hit
        }
    }
}

/// Why a matcher could not be parsed.
public struct MatcherParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
