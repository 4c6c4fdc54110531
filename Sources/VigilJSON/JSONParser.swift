/// A JSON syntax error, with the byte offset where parsing stopped.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public var description: String { "\(message) at offset \(offset)" }
}

extension JSON {
    /// Parses a complete JSON document (RFC 8259). Trailing non-space bytes
    /// are an error. Nesting deeper than `maxDepth` is refused rather than
    /// risking the stack.
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = 512) throws(JSONParseError) -> JSON {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { buf throws(JSONParseError) in
            var p = JSONByteParser(buf: buf, maxDepth: maxDepth)
            p.skipSpace()
            let v = try p.parseValue(depth: 0)
            p.skipSpace()
            if p.pos != buf.count {
                throw p.error("invalid character '\(p.charDescription(p.pos))' after top-level value")
            }
            return v
        }
    }

    public static func parse(_ string: String) throws(JSONParseError) -> JSON {
        try parse(Array(string.utf8))
    }
}

struct JSONByteParser {
    let buf: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var pos = 0

    init(buf: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.buf = buf
        self.maxDepth = maxDepth
    }

    func error(_ message: String) -> JSONParseError {
        JSONParseError(offset: pos, message: message)
    }

    func charDescription(_ i: Int) -> String {
        guard i < buf.count else { return "EOF" }
        let c = buf[i]
        if c >= 0x20 && c < 0x7f { return String(UnicodeScalar(c)) }
        return "\\x" + String(c, radix: 16)
    }

    mutating func skipSpace() {
        while pos < buf.count {
            switch buf[pos] {
            case 0x20, 0x0a, 0x0d, 0x09: pos += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSON {
        guard pos < buf.count else { throw error("unexpected end of JSON input") }
        switch buf[pos] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default:
            throw error("invalid character '\(charDescription(pos))' looking for beginning of value")
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        guard pos + n <= buf.count else { throw error("unexpected end of JSON input") }
        let w = word.utf8Start
        for i in 0..<n where buf[pos + i] != w[i] {
            pos += i
            throw error("invalid character '\(charDescription(pos))' in literal \(word)")
        }
        pos += n
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSON {
        if depth > maxDepth { throw error("exceeded max depth of \(maxDepth)") }
        pos += 1
        var obj = JSONObject()
        skipSpace()
        if pos < buf.count && buf[pos] == UInt8(ascii: "}") {
            pos += 1
            return .object(obj)
        }
        var seen: Set<String>? = nil
        while true {
            skipSpace()
            guard pos < buf.count else { throw error("unexpected end of JSON input") }
            guard buf[pos] == UInt8(ascii: "\"") else {
                throw error("invalid character '\(charDescription(pos))' looking for beginning of object key string")
            }
            let key = try parseString()
            skipSpace()
            guard pos < buf.count else { throw error("unexpected end of JSON input") }
            guard buf[pos] == UInt8(ascii: ":") else {
                throw error("invalid character '\(charDescription(pos))' after object key")
            }
            pos += 1
            skipSpace()
            let value = try parseValue(depth: depth)
            // Duplicate keys: last one wins, as in Go's encoding/json.
            if obj.count >= 8 {
                if seen == nil { seen = Set(obj.keys) }
                if seen!.contains(key) { obj[key] = value } else { obj.appendUnchecked(key, value); seen!.insert(key) }
            } else if obj.index(of: key) != nil {
                obj[key] = value
            } else {
                obj.appendUnchecked(key, value)
            }
            skipSpace()
            guard pos < buf.count else { throw error("unexpected end of JSON input") }
            if buf[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if buf[pos] == UInt8(ascii: "}") { pos += 1; return .object(obj) }
            throw error("invalid character '\(charDescription(pos))' after object key:value pair")
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSON {
        if depth > maxDepth { throw error("exceeded max depth of \(maxDepth)") }
        pos += 1
        var arr: [JSON] = []
        skipSpace()
        if pos < buf.count && buf[pos] == UInt8(ascii: "]") {
            pos += 1
            return .array(arr)
        }
        while true {
            skipSpace()
            arr.append(try parseValue(depth: depth))
            skipSpace()
            guard pos < buf.count else { throw error("unexpected end of JSON input") }
            if buf[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if buf[pos] == UInt8(ascii: "]") { pos += 1; return .array(arr) }
            throw error("invalid character '\(charDescription(pos))' after array element")
        }
    }

    mutating func parseString() throws(JSONParseError) -> String {
        pos += 1  // opening quote
        let start = pos
        // Fast path: no escapes.
        while pos < buf.count {
            let c = buf[pos]
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<pos]), as: UTF8.self)
                pos += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw error("invalid character '\(charDescription(pos))' in string literal") }
            pos += 1
        }
        var bytes = Array(UnsafeBufferPointer(rebasing: buf[start..<pos]))
        while pos < buf.count {
            let c = buf[pos]
            if c == UInt8(ascii: "\"") {
                pos += 1
                return String(decoding: bytes, as: UTF8.self)
            }
            if c < 0x20 { throw error("invalid character '\(charDescription(pos))' in string literal") }
            if c != UInt8(ascii: "\\") {
                bytes.append(c)
                pos += 1
                continue
            }
            pos += 1
            guard pos < buf.count else { break }
            let e = buf[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): bytes.append(0x22)
            case UInt8(ascii: "\\"): bytes.append(0x5c)
            case UInt8(ascii: "/"): bytes.append(0x2f)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0c)
            case UInt8(ascii: "n"): bytes.append(0x0a)
            case UInt8(ascii: "r"): bytes.append(0x0d)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar), pos + 1 < buf.count, buf[pos] == UInt8(ascii: "\\"),
                    buf[pos + 1] == UInt8(ascii: "u")
                {
                    let save = pos
                    pos += 2
                    let low = try hex4()
                    if (0xDC00..<0xE000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        pos = save
                    }
                }
                let u = UnicodeScalar(scalar) ?? UnicodeScalar(0xFFFD)!
                bytes.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                pos -= 1
                throw error("invalid character '\(charDescription(pos))' in string escape code")
            }
        }
        throw error("unexpected end of JSON input")
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard pos + 4 <= buf.count else { throw error("unexpected end of JSON input") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = buf[pos]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("invalid character '\(charDescription(pos))' in \\u hexadecimal character escape")
            }
            v = v * 16 + d
            pos += 1
        }
        return v
    }

    mutating func parseNumber() throws(JSONParseError) -> JSON {
        let start = pos
        var isFloat = false
        if buf[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < buf.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buf[pos]) else {
            throw error("invalid character '\(charDescription(pos))' in numeric literal")
        }
        if buf[pos] == UInt8(ascii: "0") {
            pos += 1
        } else {
            while pos < buf.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buf[pos]) { pos += 1 }
        }
        if pos < buf.count, buf[pos] == UInt8(ascii: ".") {
            isFloat = true
            pos += 1
            guard pos < buf.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buf[pos]) else {
                throw error("invalid character '\(charDescription(pos))' after decimal point in numeric literal")
            }
            while pos < buf.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buf[pos]) { pos += 1 }
        }
        if pos < buf.count, buf[pos] == UInt8(ascii: "e") || buf[pos] == UInt8(ascii: "E") {
            isFloat = true
            pos += 1
            if pos < buf.count, buf[pos] == UInt8(ascii: "+") || buf[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < buf.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buf[pos]) else {
                throw error("invalid character '\(charDescription(pos))' in exponent of numeric literal")
            }
            while pos < buf.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buf[pos]) { pos += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<pos]), as: UTF8.self)
        if !isFloat, let i = Int64(text) { return .int(i) }
        guard let d = Double(text) else { throw error("invalid number \(text)") }
        return .double(d)
    }
}
