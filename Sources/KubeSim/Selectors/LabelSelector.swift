/// A parsed label selector: an AND of requirements, as apimachinery's
/// `labels.Selector`. Built from the `labelSelector=` query syntax with
/// `parse(_:)` or from a spec's `metav1.LabelSelector` JSON with
/// `init(json:)`. Errors carry the apiserver's texts (served as 400).
public struct LabelSelector: Sendable, Equatable, CustomStringConvertible {
    /// A selection operator (`selection.Operator`).
    public enum Operator: String, Sendable, Equatable {
        case equals = "="
        case doubleEquals = "=="
        case notEquals = "!="
        case `in` = "in"
        case notIn = "notin"
        case exists = "exists"
        case doesNotExist = "!"
        case greaterThan = "gt"
        case lessThan = "lt"
    }

    /// One `key op values` term.
    public struct Requirement: Sendable, Equatable, CustomStringConvertible {
        public var key: String
        public var op: Operator
        /// Values, sorted and de-duplicated as the Go parser's string set.
        public var values: [String]

        /// Whether the label set satisfies this requirement.
        public func matches(_ labels: [String: String]) -> Bool {
            switch op {
            case .equals, .doubleEquals, .in:
                guard let v = labels[key] else { return false }
                return values.contains(v)
            case .notEquals, .notIn:
                guard let v = labels[key] else { return true }
                return !values.contains(v)
            case .exists: return labels[key] != nil
            case .doesNotExist: return labels[key] == nil
            case .greaterThan, .lessThan:
                guard let v = labels[key], let lv = Int64(v), values.count == 1, let rv = Int64(values[0]) else {
                    return false
                }
                return op == .greaterThan ? lv > rv : lv < rv
            }
        }

        /// The Go `Requirement.String()` form.
        public var description: String {
            var s = op == .doesNotExist ? "!" + key : key
            switch op {
            case .exists, .doesNotExist: return s
            case .equals: s += "="
            case .doubleEquals: s += "=="
            case .notEquals: s += "!="
            case .in: s += " in "
            case .notIn: s += " notin "
            case .greaterThan: s += ">"
            case .lessThan: s += "<"
            }
            let joined = values.sorted().joined(separator: ",")
            return (op == .in || op == .notIn) ? s + "(" + joined + ")" : s + joined
        }
    }

    /// The requirements, sorted by key (stable), as the Go parser leaves them.
    public var requirements: [Requirement]
    /// True for `labels.Nothing()` (a `null` selector in a spec).
    public var matchesNothing: Bool

    public init(requirements: [Requirement] = [], matchesNothing: Bool = false) {
        self.requirements = requirements
        self.matchesNothing = matchesNothing
    }

    /// The selector that matches every object.
    public static let everything = LabelSelector()
    /// The selector that matches no object.
    public static let nothing = LabelSelector(matchesNothing: true)

    /// True when the selector does not restrict anything.
    public var isEmpty: Bool { !matchesNothing && requirements.isEmpty }

    /// Whether the given labels satisfy every requirement.
    public func matches(_ labels: [String: String]) -> Bool {
        if matchesNothing { return false }
        return requirements.allSatisfy { $0.matches(labels) }
    }

    /// Convenience: matches an object's `metadata.labels`.
    public func matches(object: JSON) -> Bool {
        var labels: [String: String] = [:]
        if let o = object[path: ["metadata", "labels"]]?.objectValue {
            for (k, v) in o { if let s = v.stringValue { labels[k] = s } }
        }
        return matches(labels)
    }

    public var description: String { requirements.map(\.description).joined(separator: ",") }

    // MARK: - Building requirements

    /// `labels.NewRequirement`: validates key, operator arity and values.
    /// `path` is the field path prefix (nil for the query-string parser,
    /// which prints keys as `<nil>` and values as `values[0][key]`).
    public static func requirement(
        key: String, op: Operator, values: [String], path: String? = nil
    ) throws(LabelSelectorError) -> Requirement {
        var errs: [FieldError] = []
        func child(_ name: String) -> String { path.map { "\($0).\(name)" } ?? name }
        let keyErrs = LabelValidation.labelKeyErrors(key)
        if !keyErrs.isEmpty { errs.append(.invalid(child("key"), .string(key), keyErrs.joined(separator: "; "))) }
        let valuePath = child("values")
        let arr = JSON.array(values.map { .string($0) })
        switch op {
        case .in, .notIn:
            if values.isEmpty {
                errs.append(.invalid(valuePath, arr, "for 'in', 'notin' operators, values set can't be empty"))
            }
        case .equals, .doubleEquals, .notEquals:
            if values.count != 1 {
                errs.append(.invalid(valuePath, arr, "exact-match compatibility requires one single value"))
            }
        case .exists, .doesNotExist:
            if !values.isEmpty {
                errs.append(.invalid(valuePath, arr, "values set must be empty for exists and does not exist"))
            }
        case .greaterThan, .lessThan:
            if values.count != 1 {
                errs.append(.invalid(valuePath, arr, "for 'Gt', 'Lt' operators, exactly one value is required"))
            }
            for (i, v) in values.enumerated() where Int64(v) == nil {
                errs.append(
                    .invalid("\(valuePath)[\(i)]", .string(v), "for 'Gt', 'Lt' operators, the value must be an integer"))
            }
        }
        for (i, v) in values.enumerated() {
            let e = LabelValidation.labelValueErrors(v)
            if !e.isEmpty { errs.append(.invalid("\(valuePath)[\(i)][\(key)]", .string(v), e.joined(separator: "; "))) }
        }
        if !errs.isEmpty { throw LabelSelectorError(FieldError.aggregate(errs.map(\.message))) }
        return Requirement(key: key, op: op, values: values)
    }

    // MARK: - Parsing the query syntax

    /// Parses `labelSelector=` syntax (`a=b,c!=d,e in (x,y),!f,g`).
    /// Errors carry the apiserver texts, e.g.
    /// `unable to parse requirement: found '', expected: identifier`.
    public static func parse(_ selector: String) throws(LabelSelectorError) -> LabelSelector {
        var p = LabelSelectorParser(tokens: LabelSelectorLexer.scan(selector))
        let reqs = try p.parse()
        return LabelSelector(requirements: stableSortByKey(reqs))
    }

    static func stableSortByKey(_ reqs: [Requirement]) -> [Requirement] {
        reqs.enumerated().sorted { a, b in
            a.element.key != b.element.key ? a.element.key < b.element.key : a.offset < b.offset
        }.map(\.element)
    }

    // MARK: - The JSON form

    /// `metav1.LabelSelectorAsSelector`: `null` matches nothing, `{}` matches
    /// everything; `matchLabels` become `=` terms, `matchExpressions` use
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`.
    public init(json: JSON?) throws(LabelSelectorError) {
        guard let json, json != .null else {
            self = .nothing
            return
        }
        var reqs: [Requirement] = []
        if let ml = json["matchLabels"]?.objectValue {
            for (k, v) in ml {
                reqs.append(try LabelSelector.requirement(key: k, op: .equals, values: [v.stringValue ?? ""], path: nil))
            }
        }
        if let me = json["matchExpressions"]?.arrayValue {
            for expr in me {
                let opText = expr["operator"]?.stringValue ?? ""
                let op: Operator
                switch opText {
                case "In": op = .in
                case "NotIn": op = .notIn
                case "Exists": op = .exists
                case "DoesNotExist": op = .doesNotExist
                default: throw LabelSelectorError("\(GoFormat.quote(opText)) is not a valid label selector operator")
                }
                let values = (expr["values"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
                reqs.append(
                    try LabelSelector.requirement(
                        key: expr["key"]?.stringValue ?? "", op: op, values: values, path: nil))
            }
        }
        self.init(requirements: LabelSelector.stableSortByKey(reqs))
    }
}

/// A label selector that could not be parsed; `message` is the apiserver's
/// text, which the API returns as a 400 BadRequest.
public struct LabelSelectorError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Tokens of the label selector grammar (`labels.Token`).
enum LabelSelectorToken: Equatable {
    case error, end, closePar, comma, doesNotExist, doubleEquals, equals, greaterThan
    case identifier, `in`, lessThan, notEquals, notIn, openPar
}

/// The label selector lexer: identifiers run until whitespace or one of
/// `=!(),<>`; operators are matched longest-first.
enum LabelSelectorLexer {
    static let symbols: [String: LabelSelectorToken] = [
        ")": .closePar, ",": .comma, "!": .doesNotExist, "==": .doubleEquals, "=": .equals, ">": .greaterThan,
        "in": .in, "<": .lessThan, "!=": .notEquals, "notin": .notIn, "(": .openPar,
    ]

    static func isSpecial(_ b: UInt8) -> Bool {
        b == 61 || b == 33 || b == 40 || b == 41 || b == 44 || b == 62 || b == 60
    }
    static func isSpace(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == 13 || b == 10 }

    static func scan(_ s: String) -> [(LabelSelectorToken, String)] {
        let b = Array(s.utf8)
        var i = 0
        var out: [(LabelSelectorToken, String)] = []
        while true {
            while i < b.count, isSpace(b[i]) { i += 1 }
            if i >= b.count || b[i] == 0 {
                out.append((.end, ""))
                return out
            }
            if isSpecial(b[i]) {
                var buf: [UInt8] = []
                var last: (LabelSelectorToken, String)?
                while i < b.count, isSpecial(b[i]) {
                    buf.append(b[i])
                    let str = String(decoding: buf, as: UTF8.self)
                    if let t = symbols[str] {
                        last = (t, str)
                        i += 1
                    } else if last != nil {
                        break
                    } else {
                        i += 1
                    }
                }
                if let last {
                    out.append(last)
                } else {
                    out.append((.error, "error expected: keyword found '\(String(decoding: buf, as: UTF8.self))'"))
                }
            } else {
                let start = i
                while i < b.count, !isSpecial(b[i]), !isSpace(b[i]), b[i] != 0 { i += 1 }
                let str = String(decoding: b[start..<i], as: UTF8.self)
                out.append((symbols[str] ?? .identifier, str))
            }
        }
    }
}

/// Recursive-descent parser over the scanned tokens, mirroring
/// apimachinery's `labels.Parser` including its error texts.
struct LabelSelectorParser {
    var tokens: [(LabelSelectorToken, String)]
    var pos = 0

    enum Context { case keyAndOperator, values }

    func lookahead(_ ctx: Context) -> (LabelSelectorToken, String) {
        var (t, l) = tokens[pos]
        if ctx == .values, t == .in || t == .notIn { t = .identifier }
        return (t, l)
    }

    mutating func consume(_ ctx: Context) -> (LabelSelectorToken, String) {
        let r = lookahead(ctx)
        pos += 1
        return r
    }

    mutating func parse() throws(LabelSelectorError) -> [LabelSelector.Requirement] {
        var reqs: [LabelSelector.Requirement] = []
        while true {
            let (tok, lit) = lookahead(.values)
            switch tok {
            case .identifier, .doesNotExist:
                do {
                    reqs.append(try parseRequirement())
                } catch {
                    throw LabelSelectorError("unable to parse requirement: \(error.message)")
                }
                let (t, l) = consume(.values)
                switch t {
                case .end:
                    return reqs
                case .comma:
                    let (t2, l2) = lookahead(.values)
                    if t2 != .identifier && t2 != .doesNotExist {
                        throw LabelSelectorError("found '\(l2)', expected: identifier after ','")
                    }
                default:
                    throw LabelSelectorError("found '\(l)', expected: ',' or 'end of string'")
                }
            case .end:
                return reqs
            default:
                throw LabelSelectorError("found '\(lit)', expected: !, identifier, or 'end of string'")
            }
        }
    }

    mutating func parseRequirement() throws(LabelSelectorError) -> LabelSelector.Requirement {
        var op: LabelSelector.Operator?
        var (tok, lit) = consume(.values)
        if tok == .doesNotExist {
            op = .doesNotExist
            (tok, lit) = consume(.values)
        }
        if tok != .identifier {
            throw LabelSelectorError("found '\(lit)', expected: identifier")
        }
        let keyErrs = LabelValidation.labelKeyErrors(lit)
        if !keyErrs.isEmpty {
            throw LabelSelectorError(FieldError.invalid("<nil>", .string(lit), keyErrs.joined(separator: "; ")).message)
        }
        let key = lit
        let (next, _) = lookahead(.values)
        if next == .end || next == .comma, op == nil { op = .exists }
        if let op {
            // `!key` followed by anything is still just `!key`; the caller then
            // complains about the token that follows.
            return try LabelSelector.requirement(key: key, op: op, values: [])
        }
        let (otok, olit) = consume(.keyAndOperator)
        let binop: LabelSelector.Operator
        switch otok {
        case .in: binop = .in
        case .equals: binop = .equals
        case .doubleEquals: binop = .doubleEquals
        case .greaterThan: binop = .greaterThan
        case .lessThan: binop = .lessThan
        case .notIn: binop = .notIn
        case .notEquals: binop = .notEquals
        default:
            throw LabelSelectorError("found '\(olit)', expected: in, notin, =, ==, !=, gt, lt")
        }
        var values: Set<String>
        switch binop {
        case .in, .notIn: values = try parseValues()
        default: values = try parseExactValue()
        }
        return try LabelSelector.requirement(key: key, op: binop, values: values.sorted())
    }

    mutating func parseValues() throws(LabelSelectorError) -> Set<String> {
        let (tok, lit) = consume(.values)
        if tok != .openPar { throw LabelSelectorError("found '\(lit)' expected: '('") }
        let (t2, l2) = lookahead(.values)
        switch t2 {
        case .identifier, .comma:
            let s = try parseIdentifiersList()
            let (t3, _) = consume(.values)
            if t3 != .closePar { throw LabelSelectorError("found '\(l2)', expected: ')'") }
            return s
        case .closePar:
            _ = consume(.values)
            return [""]
        default:
            throw LabelSelectorError("found '\(l2)', expected: ',', ')' or identifier")
        }
    }

    mutating func parseIdentifiersList() throws(LabelSelectorError) -> Set<String> {
        var s = Set<String>()
        while true {
            let (tok, lit) = consume(.values)
            switch tok {
            case .identifier:
                s.insert(lit)
                let (t2, l2) = lookahead(.values)
                switch t2 {
                case .comma: continue
                case .closePar: return s
                default: throw LabelSelectorError("found '\(l2)', expected: ',' or ')'")
                }
            case .comma:
                if s.isEmpty { s.insert("") }
                let (t2, _) = lookahead(.values)
                if t2 == .closePar {
                    s.insert("")
                    return s
                }
                if t2 == .comma { s.insert("") }
            default:
                throw LabelSelectorError("found '\(lit)', expected: ',', or identifier")
            }
        }
    }

    mutating func parseExactValue() throws(LabelSelectorError) -> Set<String> {
        let (t, _) = lookahead(.values)
        if t == .end || t == .comma { return [""] }
        let (tok, lit) = consume(.values)
        if tok == .identifier { return [lit] }
        throw LabelSelectorError("found '\(lit)', expected: identifier")
    }
}
