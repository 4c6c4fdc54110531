/// Decodes Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`)
/// into the JSON the same object would have had if the client had sent JSON.
///
/// The body is the 4-byte magic `k8s\0` followed by a `runtime.Unknown`
/// envelope (typeMeta 1 {apiVersion 1, kind 2}, raw 2, contentEncoding 3,
/// contentType 4) whose `raw` holds the object's own message. Fields are
/// emitted the way Go's `encoding/json` writes the decoded struct: pointer
/// fields when present (even when zero), `omitempty` scalars only when
/// non-zero, non-pointer structs always (`resources: {}`,
/// `creationTimestamp: null`), map keys sorted.
public enum KubeProtobuf {
    /// The media type of Kubernetes protobuf bodies.
    public static let contentType = "application/vnd.kubernetes.protobuf"

    /// The 4-byte prefix of every Kubernetes protobuf body.
    public static let magic: [UInt8] = [0x6b, 0x38, 0x73, 0x00]

    /// The decoded object plus what was skipped on the way.
    public struct Result: Sendable, Equatable {
        /// The object as Kubernetes JSON (`kind`, `apiVersion`, `metadata`, …).
        public var object: JSON
        /// Field numbers the schema does not know, as `path: message field N`,
        /// in the order met. They were skipped; the caller may warn.
        public var unknownFields: [String]
    }

    /// Decodes a full request body into JSON.
    public static func decode(_ body: [UInt8]) throws(ProtobufDecodingError) -> JSON {
        try decodeWithReport(body).object
    }

    /// Decodes a full request body into JSON and lists the skipped unknown fields.
    public static func decodeWithReport(_ body: [UInt8]) throws(ProtobufDecodingError) -> Result {
        guard body.count >= 4, Array(body[0..<4]) == magic else {
            throw ProtobufDecodingError(.badMagic, "protobuf body does not start with the k8s\\0 magic")
        }
        var apiVersion = ""
        var kind = ""
        var raw: ArraySlice<UInt8> = []
        var contentEncoding = ""
        var innerType = ""
        for field in try ProtobufWireReader.fields(body[4...]) {
            switch (field.number, field.wireType) {
            case (1, 2):
                for tm in try ProtobufWireReader.fields(field.bytes) where tm.wireType == 2 {
                    if tm.number == 1 { apiVersion = try utf8(tm.bytes, "typeMeta.apiVersion") }
                    if tm.number == 2 { kind = try utf8(tm.bytes, "typeMeta.kind") }
                }
            case (2, 2): raw = field.bytes
            case (3, 2): contentEncoding = try utf8(field.bytes, "contentEncoding")
            case (4, 2): innerType = try utf8(field.bytes, "contentType")
            case (1...4, _):
                throw ProtobufDecodingError(.malformed, "runtime.Unknown field \(field.number) has wire type \(field.wireType)")
            default: break
            }
        }
        guard contentEncoding.isEmpty else {
            throw ProtobufDecodingError(.unsupportedEncoding, "unsupported protobuf contentEncoding \(contentEncoding)")
        }
        guard innerType.isEmpty || innerType == contentType else {
            throw ProtobufDecodingError(.unsupportedEncoding, "unsupported protobuf contentType \(innerType)")
        }
        guard !kind.isEmpty else {
            throw ProtobufDecodingError(.unknownKind, "protobuf body has no kind in its typeMeta")
        }
        guard let message = ProtobufSchema.message(apiVersion: apiVersion, kind: kind) else {
            throw ProtobufDecodingError(.unknownKind, "unknown kind \(apiVersion) \(kind)")
        }
        var decoder = ProtobufMessageDecoder()
        var object = JSONObject()
        object["kind"] = .string(kind)
        object["apiVersion"] = .string(apiVersion)
        try decoder.decodeFields(of: message, raw, path: "", into: &object)
        return Result(object: .object(object), unknownFields: decoder.unknownFields)
    }

    /// Kinds with a schema, as `apiVersion kind` (DeleteOptions is accepted under any apiVersion).
    public static var supportedKinds: [String] { ProtobufSchema.kinds.keys.sorted() + ["* DeleteOptions"] }

    static func utf8(_ bytes: ArraySlice<UInt8>, _ what: String) throws(ProtobufDecodingError) -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw ProtobufDecodingError(.malformed, "\(what) is not valid UTF-8")
        }
        return s
    }
}
