/// Why a JSONPath expression could not be parsed or evaluated.
public struct JSONPathError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, worded after client-go where it has wording.
    public var message: String
    public var description: String { message }
    init(_ message: String) { self.message = message }
}

/// The JSONPath dialect of client-go `util/jsonpath`, as the apiserver runs
/// it for CRD `additionalPrinterColumns` (one expression, the text that would
/// sit inside `{…}`, with missing keys allowed).
///
/// Supported: `.field` (with `\.` escapes), `['key']` (single quotes only; its
/// text is re-read as a field path, exactly as client-go does, so
/// `['a.b']` means `.a.b` while `['a\.b']` means the key `a.b`), `[n]`,
/// negative indexes, `[start:end:step]`, `[*]`, `.*`, `..name` recursive
/// descent, unions `[0,2]`, filters `[?(@.type=="Ready")]` with
/// `== != < > <= >=` and bare existence `[?(@.x)]`, and the `$`/`@` roots.
public struct JSONPath: Sendable, Equatable {
    /// The expression as given.
    public let expression: String
    let nodes: [Node]

    indirect enum Node: Sendable, Equatable {
        case field(String)
        case wildcard
        case recursive
        case array(start: Int?, end: Int?, endDerived: Bool, step: Int?)
        case union([[Node]])
        case filter(left: [Node], op: String, right: [Node])
        case text(String)
        case int(Int64)
        case double(Double)
        case bool(Bool)
    }

    /// Parses an expression such as `.status.conditions[?(@.type=="Ready")].status`.
    /// Surrounding braces (`{.spec}`) are accepted and removed.
    public init(_ expression: String) throws(JSONPathError) {
        self.expression = expression
        var body = expression
        if body.hasPrefix("{") && body.hasSuffix("}") && body.count >= 2 {
            body = String(body.dropFirst().dropLast())
        }
        var p = Parser(Array(body.unicodeScalars))
        self.nodes = try p.parseAll()
    }

    /// All values the expression selects (client-go `FindResults` with
    /// `AllowMissingKeys(true)`), in document order. Missing keys select
    /// nothing; type mismatches (indexing an object, filtering a scalar,
    /// comparing a string with a number) are errors.
    public func findResults(in root: JSON) throws(JSONPathError) -> [JSON] {
        try Self.evaluate(nodes, on: [root])
    }

    /// The selected values, or none when evaluation fails: what a printer
    /// column shows as an empty cell either way.
    public func values(in root: JSON) -> [JSON] {
        (try? findResults(in: root)) ?? []
    }

    // MARK: Evaluation

    static func evaluate(_ list: [Node], on input: [JSON]) throws(JSONPathError) -> [JSON] {
        var cur = input
        for node in list { cur = try step(node, cur) }
        return cur
    }

    static func step(_ node: Node, _ input: [JSON]) throws(JSONPathError) -> [JSON] {
        switch node {
        case .text(let s): return [.string(s)]
        case .int(let i): return [.int(i)]
        case .double(let d): return [.double(d)]
        case .bool(let b): return [.bool(b)]
        case .field(let name):
            var out: [JSON] = []
            for v in input {
                if case .object(let o) = v, let r = o[name] { out.append(r) }
            }
            return out
        case .wildcard:
            var out: [JSON] = []
            for v in input {
                switch v {
                case .object(let o): out.append(contentsOf: o.entries.map(\.value))
                case .array(let a): out.append(contentsOf: a)
                default: break
                }
            }
            return out
        case .recursive:
            var out: [JSON] = []
            func walk(_ v: JSON) {
                let children: [JSON]
                switch v {
                case .object(let o): children = o.entries.map(\.value)
                case .array(let a): children = a
                default: children = []
                }
                guard !children.isEmpty else { return }
                out.append(v)
                for c in children { walk(c) }
            }
            for v in input { walk(v) }
            return out
        case .array(let start, let end, let endDerived, let stepBy):
            var out: [JSON] = []
            for v in input {
                if case .null = v { continue }
                guard case .array(let a) = v else {
                    throw JSONPathError("\(v.typeName) is not array or slice")
                }
                let n = a.count
                var s = start ?? 0
                if s < 0 { s += n }
                var e = end ?? n
                if e < 0 || (e == 0 && endDerived) { e += n }
                if e == s { continue }
                if s >= n || s < 0 {
                    throw JSONPathError("array index out of bounds: index \(s), length \(n)")
                }
                if e > n || e < 0 {
                    throw JSONPathError("array index out of bounds: index \(e - 1), length \(n)")
                }
                if s > e { throw JSONPathError("starting index \(s) is greater than ending index \(e)") }
                let by = max(stepBy ?? 1, 1)
                var i = s
                while i < e {
                    out.append(a[i])
                    i += by
                }
            }
            return out
        case .union(let lists):
            var out: [JSON] = []
            for l in lists { out.append(contentsOf: try evaluate(l, on: input)) }
            return out
        case .filter(let left, let op, let right):
            var out: [JSON] = []
            for v in input {
                if case .null = v { continue }
                guard case .array(let a) = v else {
                    throw JSONPathError("\(v.typeName) is not array or slice and cannot be filtered")
                }
                for item in a {
                    let lefts = try evaluate(left, on: [item])
                    if op == "exists" {
                        if !lefts.isEmpty { out.append(item) }
                        continue
                    }
                    if lefts.isEmpty { continue }
                    if lefts.count > 1 { throw JSONPathError("can only compare one element at a time") }
                    let rights = try evaluate(right, on: [item])
                    if rights.isEmpty { continue }
                    if rights.count > 1 { throw JSONPathError("can only compare one element at a time") }
                    if try compare(lefts[0], op, rights[0]) { out.append(item) }
                }
            }
            return out
        }
    }

    /// The comparisons of client-go's forked `text/template` funcs: values
    /// of the same basic kind only (integers with integers, floats with
    /// floats, strings with strings; booleans for equality only).
    static func compare(_ l: JSON, _ op: String, _ r: JSON) throws(JSONPathError) -> Bool {
        func ordered<T: Comparable>(_ a: T, _ b: T) throws(JSONPathError) -> Bool {
            switch op {
            case "==": return a == b
            case "!=": return a != b
            case "<": return a < b
            case ">": return a > b
            case "<=": return a <= b
            case ">=": return a >= b
            default: throw JSONPathError("unrecognized filter operator \(op)")
            }
        }
        switch (l, r) {
        case (.int(let a), .int(let b)): return try ordered(a, b)
        case (.double(let a), .double(let b)): return try ordered(a, b)
        case (.string(let a), .string(let b)):
            guard ["==", "!=", "<", ">", "<=", ">="].contains(op) else {
                throw JSONPathError("unrecognized filter operator \(op)")
            }
            return stringCompare(a, op, b)
        case (.bool(let a), .bool(let b)):
            switch op {
            case "==": return a == b
            case "!=": return a != b
            default: throw JSONPathError("invalid type for comparison")
            }
        default:
            throw JSONPathError("incompatible types for comparison")
        }
    }

    private static func stringCompare(_ a: String, _ op: String, _ b: String) -> Bool {
        let lt = a.utf8.lexicographicallyPrecedes(b.utf8)
        let eq = a == b
        switch op {
        case "==": return eq
        case "!=": return !eq
        case "<": return lt
        case ">": return !lt && !eq
        case "<=": return lt || eq
        case ">=": return !lt
        default: return false
        }
    }

    // MARK: Parsing

    struct Parser {
        let s: [Unicode.Scalar]
        var pos = 0
        init(_ s: [Unicode.Scalar]) { self.s = s }

        var atEnd: Bool { pos >= s.count }
        func peek(_ k: Int = 0) -> Unicode.Scalar? { pos + k < s.count ? s[pos + k] : nil }
        func hasPrefix(_ p: String) -> Bool {
            let ps = Array(p.unicodeScalars)
            guard pos + ps.count <= s.count else { return false }
            return Array(s[pos..<(pos + ps.count)]) == ps
        }

        static func isTerminator(_ c: Unicode.Scalar?) -> Bool {
            guard let c else { return true }
            switch c {
            case " ", "\t", "\r", "\n", ".", ",", "[", "]", "$", "@", "{", "}": return true
            default: return false
            }
        }

        static func isAlphaNumeric(_ c: Unicode.Scalar) -> Bool {
            c == "_" || c.properties.isAlphabetic || c.properties.numericType == .decimal
        }

        mutating func parseAll() throws(JSONPathError) -> [Node] {
            var nodes: [Node] = []
            while !atEnd {
                if hasPrefix("[?(") {
                    nodes.append(try parseFilter())
                    continue
                }
                if hasPrefix("..") {
                    if case .recursive? = nodes.last { throw JSONPathError("invalid multiple recursive descent") }
                    pos += 2
                    nodes.append(.recursive)
                    if let c = peek(), Self.isAlphaNumeric(c) { nodes.append(parseField()) }
                    continue
                }
                let c = s[pos]
                pos += 1
                switch c {
                case " ", "@", "$": continue
                case "\r", "\n": throw JSONPathError("unclosed action")
                case "[": nodes.append(contentsOf: try parseArray())
                case "\"", "'": nodes.append(try parseQuote(c))
                case ".": nodes.append(parseField())
                case "+", "-", "0"..."9":
                    pos -= 1
                    nodes.append(try parseNumber())
                default:
                    if Self.isAlphaNumeric(c) {
                        pos -= 1
                        nodes.append(try parseIdentifier())
                    } else {
                        throw JSONPathError("unrecognized character in action: \(c)")
                    }
                }
            }
            return nodes
        }

        mutating func parseField() -> Node {
            var raw = ""
            while let c = peek() {
                if c == "\\" {
                    pos += 1
                    if let n = peek() {
                        raw.unicodeScalars.append(n)
                        pos += 1
                    }
                    continue
                }
                if Self.isTerminator(c) { break }
                raw.unicodeScalars.append(c)
                pos += 1
            }
            return raw == "*" ? .wildcard : .field(raw)
        }

        mutating func parseIdentifier() throws(JSONPathError) -> Node {
            var raw = ""
            while let c = peek(), !Self.isTerminator(c) {
                raw.unicodeScalars.append(c)
                pos += 1
            }
            if raw == "true" { return .bool(true) }
            if raw == "false" { return .bool(false) }
            throw JSONPathError("unsupported identifier \(raw)")
        }

        mutating func parseNumber() throws(JSONPathError) -> Node {
            var raw = ""
            if let c = peek(), c == "+" || c == "-" {
                raw.unicodeScalars.append(c)
                pos += 1
            }
            while let c = peek(), c == "." || ("0"..."9").contains(c) {
                raw.unicodeScalars.append(c)
                pos += 1
            }
            if let i = Int64(raw) { return .int(i) }
            if let d = Double(raw) { return .double(d) }
            throw JSONPathError("cannot parse number \(raw)")
        }

        mutating func parseQuote(_ end: Unicode.Scalar) throws(JSONPathError) -> Node {
            var raw = ""
            while true {
                guard let c = peek(), c != "\n" else { throw JSONPathError("unterminated quoted string") }
                pos += 1
                if c == "\\", let n = peek() {
                    pos += 1
                    switch n {
                    case "n": raw.unicodeScalars.append("\n")
                    case "t": raw.unicodeScalars.append("\t")
                    case "r": raw.unicodeScalars.append("\r")
                    default: raw.unicodeScalars.append(n)
                    }
                    continue
                }
                if c == end { break }
                raw.unicodeScalars.append(c)
            }
            return .text(raw)
        }

        mutating func parseArray() throws(JSONPathError) -> [Node] {
            var inner: [Unicode.Scalar] = []
            while true {
                guard let c = peek(), c != "\n" else { throw JSONPathError("unterminated array") }
                pos += 1
                if c == "]" { break }
                inner.append(c)
            }
            var text = String(String.UnicodeScalarView(inner))
            if text == "*" { text = ":" }
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            if parts.count > 1 {
                var lists: [[Node]] = []
                for part in parts {
                    var sub = Parser(Array("[\(part.jsonPathTrimmed)]".unicodeScalars))
                    lists.append(try sub.parseAll())
                }
                return [.union(lists)]
            }
            // ['key']: re-read as a field path, as client-go does.
            if text.unicodeScalars.count >= 2, text.hasPrefix("'"), text.hasSuffix("'"),
                !text.dropFirst().dropLast().contains("'")
            {
                var sub = Parser(Array(".\(text.dropFirst().dropLast())".unicodeScalars))
                return try sub.parseAll()
            }
            return [try Self.slice(text)]
        }

        static func slice(_ text: String) throws(JSONPathError) -> Node {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard (1...3).contains(parts.count) else { throw JSONPathError("invalid array index \(text)") }
            func num(_ t: String) throws(JSONPathError) -> Int? {
                if t.isEmpty { return nil }
                var body = Substring(t)
                if body.hasPrefix("-") { body = body.dropFirst() }
                guard !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(t) else {
                    throw JSONPathError("invalid array index \(text)")
                }
                return v
            }
            let start = try num(parts[0])
            if parts.count == 1 {
                guard let start else { throw JSONPathError("invalid array index \(text)") }
                return .array(start: start, end: start + 1, endDerived: true, step: nil)
            }
            let end = try num(parts[1])
            let step = parts.count == 3 ? try num(parts[2]) : nil
            return .array(start: start, end: end, endDerived: false, step: step)
        }

        mutating func parseFilter() throws(JSONPathError) -> Node {
            pos += 3
            var body: [Unicode.Scalar] = []
            var begin = false
            var end = false
            var pair: Unicode.Scalar = "\""
            while true {
                guard let c = peek(), c != "\n" else { throw JSONPathError("unterminated filter") }
                pos += 1
                if c == "\"" || c == "'" {
                    if !begin {
                        begin = true
                        pair = c
                        body.append(c)
                        continue
                    }
                    if body.last != "\\" && c == pair { end = true }
                } else if c == ")" && begin == end {
                    break
                }
                body.append(c)
            }
            guard peek() == "]" else { throw JSONPathError("unclosed array expect ]") }
            pos += 1
            // ^([^!<>=]+)([!<>=]+)(.+?)$
            let ops: Set<Unicode.Scalar> = ["!", "<", ">", "="]
            guard let opStart = body.firstIndex(where: { ops.contains($0) }), opStart > 0 else {
                var sub = Parser(body)
                return .filter(left: try sub.parseAll(), op: "exists", right: [])
            }
            var opEnd = opStart
            while opEnd < body.count, ops.contains(body[opEnd]) { opEnd += 1 }
            guard opEnd < body.count else {
                var sub = Parser(body)
                return .filter(left: try sub.parseAll(), op: "exists", right: [])
            }
            var lp = Parser(Array(body[0..<opStart]))
            var rp = Parser(Array(body[opEnd...]))
            let op = String(String.UnicodeScalarView(body[opStart..<opEnd]))
            return .filter(left: try lp.parseAll(), op: op, right: try rp.parseAll())
        }
    }
}

extension Substring {
    fileprivate var jsonPathTrimmed: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
