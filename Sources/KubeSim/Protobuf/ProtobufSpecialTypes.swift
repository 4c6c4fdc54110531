/// JSON forms of the apimachinery messages whose Go types marshal themselves:
/// `metav1.Time`/`MicroTime` (RFC 3339, `null` when zero), `metav1.Duration`
/// (Go duration string), `intstr.IntOrString` (number or string),
/// `resource.Quantity` (string, `"0"` when empty), `FieldsV1` and
/// `RawExtension` (embedded raw JSON).
enum ProtobufSpecialTypes {
    /// Seconds of Go's zero `time.Time` (0001-01-01T00:00:00Z), which marshals as `null`.
    static let goZeroTimeSeconds: Int64 = -62_135_596_800

    static func decode(_ name: String, _ data: ArraySlice<UInt8>, path: String) throws(ProtobufDecodingError) -> JSON {
        let fields = try ProtobufWireReader.fields(data)
        func varint(_ n: Int) throws(ProtobufDecodingError) -> UInt64 {
            guard let f = fields.last(where: { $0.number == n }) else { return 0 }
            guard f.wireType == 0 else {
                throw ProtobufDecodingError(.malformed, "\(name) field \(n) at \(path) is not a varint")
            }
            return f.scalar
        }
        func bytes(_ n: Int) throws(ProtobufDecodingError) -> ArraySlice<UInt8>? {
            guard let f = fields.last(where: { $0.number == n }) else { return nil }
            guard f.wireType == 2 else {
                throw ProtobufDecodingError(.malformed, "\(name) field \(n) at \(path) is not length-delimited")
            }
            return f.bytes
        }
        switch name {
        case "meta.v1.Time", "meta.v1.MicroTime":
            // An empty message is Go's zero time; Time drops the nanoseconds on decode.
            if data.isEmpty { return .null }
            let seconds = Int64(bitPattern: try varint(1))
            let nanos = Int64(Int32(truncatingIfNeeded: try varint(2)))
            let micro = name == "meta.v1.MicroTime"
            if seconds == goZeroTimeSeconds && (!micro || nanos == 0) { return .null }
            return .string(micro ? formatMicro(seconds, nanos) : Timestamp.format(Double(seconds)))
        case "meta.v1.Duration":
            return .string(goDuration(Int64(bitPattern: try varint(1))))
        case "intstr.IntOrString":
            if try varint(1) == 1 {
                return .string(try bytes(3).map { b throws(ProtobufDecodingError) in try KubeProtobuf.utf8(b, path) } ?? "")
            }
            return .int(Int64(Int32(truncatingIfNeeded: try varint(2))))
        case "resource.Quantity":
            guard let b = try bytes(1), !b.isEmpty else { return .string("0") }
            return .string(try KubeProtobuf.utf8(b, path))
        case "meta.v1.FieldsV1", "runtime.RawExtension":
            guard let b = try bytes(1), !b.isEmpty else { return .null }
            do {
                return try JSON.parse(b)
            } catch {
                throw ProtobufDecodingError(.malformed, "\(name) at \(path) is not JSON: \(error.description)")
            }
        default:
            throw ProtobufDecodingError(.unsupportedType, "unsupported protobuf message type \(name) at \(path)")
        }
    }

    /// `metav1.MicroTime` text: UTC, six fractional digits.
    static func formatMicro(_ seconds: Int64, _ nanos: Int64) -> String {
        var s = seconds
        var n = nanos
        if n < 0 {  // normalise, as time.Unix does
            s -= 1
            n += 1_000_000_000
        }
        let whole = Timestamp.format(Double(s))
        var frac = String(n / 1000)
        while frac.count < 6 { frac = "0" + frac }
        return String(whole.dropLast()) + "." + frac + "Z"
    }

    /// Go's `time.Duration.String()` for a count of nanoseconds.
    static func goDuration(_ d: Int64) -> String {
        if d == 0 { return "0s" }
        let sign = d < 0 ? "-" : ""
        var u = d.magnitude
        func fraction(_ v: UInt64, _ digits: Int) -> String {
            var p: UInt64 = 1
            for _ in 0..<digits { p *= 10 }
            var frac = String(v % p)
            while frac.count < digits { frac = "0" + frac }
            while frac.hasSuffix("0") { frac.removeLast() }
            return frac.isEmpty ? String(v / p) : "\(v / p).\(frac)"
        }
        if u < 1_000_000_000 {
            if u < 1_000 { return "\(sign)\(u)ns" }
            if u < 1_000_000 { return "\(sign)\(fraction(u, 3))µs" }
            return "\(sign)\(fraction(u, 6))ms"
        }
        var out = fraction(u % 60_000_000_000, 9) + "s"
        u /= 60_000_000_000
        if u > 0 {
            out = "\(u % 60)m" + out
            u /= 60
            if u > 0 { out = "\(u)h" + out }
        }
        return sign + out
    }
}
