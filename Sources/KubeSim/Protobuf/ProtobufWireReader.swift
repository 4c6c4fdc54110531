/// One field occurrence as it appears on the wire, before any schema applies.
struct ProtobufWireField: Sendable {
    /// Field number.
    var number: Int
    /// Wire type: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
    var wireType: UInt8
    /// The varint, or the fixed32/fixed64 bits.
    var scalar: UInt64
    /// The payload of a length-delimited field.
    var bytes: ArraySlice<UInt8>
}

/// Splits protobuf bytes into field occurrences (wire level only).
enum ProtobufWireReader {
    static func readVarint(_ data: ArraySlice<UInt8>, _ index: inout Int) throws(ProtobufDecodingError) -> UInt64 {
        let start = index
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard index < data.endIndex else {
                throw ProtobufDecodingError(.malformed, "truncated varint at offset \(start - data.startIndex)")
            }
            let b = data[index]
            index += 1
            if shift == 63 && b > 1 {
                throw ProtobufDecodingError(.malformed, "varint overflows 64 bits at offset \(start - data.startIndex)")
            }
            result |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 {
                throw ProtobufDecodingError(.malformed, "varint longer than 10 bytes at offset \(start - data.startIndex)")
            }
        }
    }

    static func fields(_ data: ArraySlice<UInt8>) throws(ProtobufDecodingError) -> [ProtobufWireField] {
        var out: [ProtobufWireField] = []
        var i = data.startIndex
        while i < data.endIndex {
            let key = try readVarint(data, &i)
            let number = key >> 3
            let wire = UInt8(key & 7)
            guard number > 0, number <= 536_870_911 else {
                throw ProtobufDecodingError(.malformed, "invalid field number \(number)")
            }
            var field = ProtobufWireField(number: Int(number), wireType: wire, scalar: 0, bytes: [])
            switch wire {
            case 0:
                field.scalar = try readVarint(data, &i)
            case 1, 5:
                let n = wire == 1 ? 8 : 4
                guard data.endIndex - i >= n else {
                    throw ProtobufDecodingError(.malformed, "truncated fixed\(n * 8) field \(number)")
                }
                var v: UInt64 = 0
                for k in 0..<n { v |= UInt64(data[i + k]) << (8 * UInt64(k)) }
                field.scalar = v
                i += n
            case 2:
                let len = try readVarint(data, &i)
                guard len <= UInt64(data.endIndex - i) else {
                    throw ProtobufDecodingError(.malformed, "length \(len) of field \(number) runs past the end")
                }
                field.bytes = data[i..<(i + Int(len))]
                i += Int(len)
            default:
                throw ProtobufDecodingError(.malformed, "unsupported wire type \(wire) for field \(number)")
            }
            out.append(field)
        }
        return out
    }

    /// Values of a packed repeated varint field.
    static func packedVarints(_ data: ArraySlice<UInt8>) throws(ProtobufDecodingError) -> [UInt64] {
        var out: [UInt64] = []
        var i = data.startIndex
        while i < data.endIndex { out.append(try readVarint(data, &i)) }
        return out
    }
}
