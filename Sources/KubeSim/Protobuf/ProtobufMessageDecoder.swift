/// Walks protobuf bytes with the schema table and builds Go-shaped JSON.
struct ProtobufMessageDecoder {
    /// Skipped field numbers, `path: message field N`.
    var unknownFields: [String] = []

    typealias FieldType = ProtobufSchema.FieldType

    /// Decodes the fields of `message` from `data` and appends them to `object` (Go struct order).
    mutating func decodeFields(
        of message: String, _ data: ArraySlice<UInt8>, path: String, into object: inout JSONObject
    ) throws(ProtobufDecodingError) {
        guard let spec = ProtobufSchema.messages[message] else {
            throw ProtobufDecodingError(
                .unsupportedType, "unsupported protobuf message type \(message) at \(path.isEmpty ? "." : path)")
        }
        let wire = try ProtobufWireReader.fields(data)
        var byNumber: [Int: [ProtobufWireField]] = [:]
        for w in wire { byNumber[w.number, default: []].append(w) }
        for w in wire where !spec.contains(where: { $0.number == w.number }) {
            let entry = "\(path.isEmpty ? "." : path): \(message) field \(w.number)"
            if unknownFields.last != entry { unknownFields.append(entry) }
        }
        for field in spec {
            let occurrences = byNumber[field.number] ?? []
            let fieldPath = path + "." + field.json
            if field.emit == .inline {
                guard case .message(let child) = field.type else { continue }
                try decodeFields(of: child, concatenated(occurrences), path: path, into: &object)
                continue
            }
            if let value = try emitted(field, occurrences, path: fieldPath) {
                object[field.json] = value
            }
        }
    }

    /// The JSON for one field, or nil when Go would leave it out.
    private mutating func emitted(
        _ field: ProtobufSchema.Field, _ occurrences: [ProtobufWireField], path: String
    ) throws(ProtobufDecodingError) -> JSON? {
        let present = !occurrences.isEmpty
        switch field.type {
        case .message(let name):
            // Pointers: only when sent. Non-pointer structs: always, zero value when absent.
            if !present && field.emit == .ptr { return JSON?.none }
            return try messageValue(name, concatenated(occurrences), path: path)
        case .list(let element):
            var items: [JSON] = []
            for o in occurrences { items += try listItems(element, o, path: path) }
            if items.isEmpty { return field.emit == .req ? JSON.null : JSON?.none }
            return .array(items)
        case .map(let valueType):
            var entries: [String: JSON] = [:]
            for o in occurrences {
                let (k, v) = try mapEntry(valueType, o, path: path)
                entries[k] = v
            }
            if entries.isEmpty { return field.emit == .req ? JSON.null : JSON?.none }
            var obj = JSONObject()
            for k in entries.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
                obj[k] = entries[k]
            }
            return .object(obj)
        default:
            guard let last = occurrences.last else {
                // (JSON is nil-literal convertible: spell out Optional.none, not `nil`.)
                return field.emit == .req ? zeroScalar(field.type) : JSON?.none
            }
            let value = try scalar(field.type, last, path: path)
            if field.emit == .opt && isZero(value) { return JSON?.none }
            return value
        }
    }

    private func concatenated(_ occurrences: [ProtobufWireField]) -> ArraySlice<UInt8> {
        // Repeated occurrences of a singular message merge, which for our purposes is concatenation.
        if occurrences.count == 1 { return occurrences[0].bytes }
        var all: [UInt8] = []
        for o in occurrences { all += o.bytes }
        return all[...]
    }

    private mutating func listItems(
        _ element: FieldType, _ o: ProtobufWireField, path: String
    ) throws(ProtobufDecodingError) -> [JSON] {
        switch element {
        case .message(let name):
            try expect(o, 2, path)
            return [try messageValue(name, o.bytes, path: path + "[]")]
        case .int32, .int64, .bool:
            if o.wireType == 2 {
                return try ProtobufWireReader.packedVarints(o.bytes).map { v in varintJSON(element, v) }
            }
            return [try scalar(element, o, path: path)]
        case .double:
            if o.wireType == 2 {
                guard o.bytes.count % 8 == 0 else {
                    throw ProtobufDecodingError(.malformed, "packed doubles at \(path) have a ragged length")
                }
                var out: [JSON] = []
                var i = o.bytes.startIndex
                while i < o.bytes.endIndex {
                    var bits: UInt64 = 0
                    for k in 0..<8 { bits |= UInt64(o.bytes[i + k]) << (8 * UInt64(k)) }
                    out.append(.double(Double(bitPattern: bits)))
                    i += 8
                }
                return out
            }
            return [try scalar(element, o, path: path)]
        default:
            return [try scalar(element, o, path: path)]
        }
    }

    private mutating func mapEntry(
        _ valueType: FieldType, _ o: ProtobufWireField, path: String
    ) throws(ProtobufDecodingError) -> (String, JSON) {
        try expect(o, 2, path)
        var key = ""
        var valueFields: [ProtobufWireField] = []
        for e in try ProtobufWireReader.fields(o.bytes) {
            if e.number == 1 {
                try expect(e, 2, path + " map key")
                key = try KubeProtobuf.utf8(e.bytes, "map key at \(path)")
            } else if e.number == 2 {
                valueFields.append(e)
            }
        }
        let entryPath = path + "[" + key + "]"
        let value: JSON
        switch valueType {
        case .message(let name):
            value = try messageValue(name, concatenated(valueFields), path: entryPath)
        default:
            if let last = valueFields.last {
                value = try scalar(valueType, last, path: entryPath)
            } else {
                value = zeroScalar(valueType)
            }
        }
        return (key, value)
    }

    /// JSON for a message value (custom forms for the special types).
    private mutating func messageValue(
        _ name: String, _ data: ArraySlice<UInt8>, path: String
    ) throws(ProtobufDecodingError) -> JSON {
        if ProtobufSchema.special.contains(name) {
            return try ProtobufSpecialTypes.decode(name, data, path: path)
        }
        var obj = JSONObject()
        try decodeFields(of: name, data, path: path, into: &obj)
        return .object(obj)
    }

    private func expect(_ o: ProtobufWireField, _ wire: UInt8, _ path: String) throws(ProtobufDecodingError) {
        guard o.wireType == wire else {
            throw ProtobufDecodingError(
                .malformed, "field \(o.number) at \(path) has wire type \(o.wireType), expected \(wire)")
        }
    }

    private func scalar(_ type: FieldType, _ o: ProtobufWireField, path: String) throws(ProtobufDecodingError) -> JSON {
        switch type {
        case .string:
            try expect(o, 2, path)
            return .string(try KubeProtobuf.utf8(o.bytes, path))
        case .bytes:
            try expect(o, 2, path)
            return .string(Base64.encode(Array(o.bytes)))
        case .int32, .int64, .bool:
            try expect(o, 0, path)
            return varintJSON(type, o.scalar)
        case .double:
            try expect(o, 1, path)
            return .double(Double(bitPattern: o.scalar))
        case .message, .list, .map:
            throw ProtobufDecodingError(.malformed, "internal: \(path) is not a scalar")
        }
    }

    private func varintJSON(_ type: FieldType, _ v: UInt64) -> JSON {
        switch type {
        case .int32: return .int(Int64(Int32(truncatingIfNeeded: v)))
        case .bool: return .bool(v != 0)
        default: return .int(Int64(bitPattern: v))
        }
    }

    private func zeroScalar(_ type: FieldType) -> JSON {
        switch type {
        case .string: return .string("")
        case .int32, .int64: return .int(0)
        case .bool: return .bool(false)
        case .double: return .double(0)
        default: return .null  // nil []byte
        }
    }

    private func isZero(_ value: JSON) -> Bool {
        switch value {
        case .string(let s): return s.isEmpty
        case .int(let i): return i == 0
        case .bool(let b): return !b
        case .double(let d): return d == 0
        default: return false
        }
    }
}
