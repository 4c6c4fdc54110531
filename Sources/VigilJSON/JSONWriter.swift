extension JSON {
    /// Compact serialization, as the API server writes JSON.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out)
        return out
    }

    public var serializedString: String { String(decoding: serialized(), as: UTF8.self) }

    public func write(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: [0x6e, 0x75, 0x6c, 0x6c])
        case .bool(let b):
            if b { out.append(contentsOf: [0x74, 0x72, 0x75, 0x65]) } else { out.append(contentsOf: [0x66, 0x61, 0x6c, 0x73, 0x65]) }
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d): out.append(contentsOf: JSON.formatDouble(d).utf8)
        case .string(let s): JSON.writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            var first = true
            for v in a {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                v.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            var first = true
            for (k, v) in o.entries {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                JSON.writeString(k, into: &out)
                out.append(UInt8(ascii: ":"))
                v.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func formatDouble(_ d: Double) -> String {
        if !d.isFinite { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(0x22)
        var s = s
        s.withUTF8 { bytes in
            var runStart = 0
            for i in 0..<bytes.count {
                let c = bytes[i]
                let escape: [UInt8]?
                switch c {
                case 0x22: escape = [0x5c, 0x22]
                case 0x5c: escape = [0x5c, 0x5c]
                case 0x0a: escape = [0x5c, 0x6e]
                case 0x0d: escape = [0x5c, 0x72]
                case 0x09: escape = [0x5c, 0x74]
                case 0x3c, 0x3e, 0x26:  // <, >, & escaped as Go does
                    escape = [0x5c, 0x75, 0x30, 0x30, hexDigits[Int(c >> 4)], hexDigits[Int(c & 0xf)]]
                case 0..<0x20:
                    escape = [0x5c, 0x75, 0x30, 0x30, hexDigits[Int(c >> 4)], hexDigits[Int(c & 0xf)]]
                default: escape = nil
                }
                if let escape {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                    out.append(contentsOf: escape)
                    runStart = i + 1
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        out.append(0x22)
    }

    /// Indented output (two spaces), for people.
    public func prettyPrinted(indent: String = "") -> String {
        switch self {
        case .array(let a):
            if a.isEmpty { return "[]" }
            let inner = indent + "  "
            return "[\n" + a.map { inner + $0.prettyPrinted(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let o):
            if o.isEmpty { return "{}" }
            let inner = indent + "  "
            return "{\n" + o.entries.map { inner + JSON.string($0.key).serializedString + ": " + $0.value.prettyPrinted(indent: inner) }
                .joined(separator: ",\n") + "\n" + indent + "}"
        default:
            return serializedString
        }
    }
}
