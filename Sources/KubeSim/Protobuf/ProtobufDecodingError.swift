/// Why a Kubernetes protobuf request body could not be turned into JSON.
///
/// The server answers 415 Unsupported Media Type for `unsupportedType` and
/// `unknownKind` (the body is well formed but kube-sim does not know the
/// message), and 400 for the rest.
public struct ProtobufDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, in broad strokes.
    public enum Reason: Sendable, Equatable {
        /// The body does not start with the `k8s\0` magic.
        case badMagic
        /// The bytes are not valid protobuf wire format.
        case malformed
        /// `apiVersion`/`kind` of the envelope names no kind in the table.
        case unknownKind
        /// A present field holds a message type the table does not describe.
        case unsupportedType
        /// The envelope asks for a content encoding or content type kube-sim does not handle.
        case unsupportedEncoding
    }

    public var reason: Reason
    public var message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { message }
}
