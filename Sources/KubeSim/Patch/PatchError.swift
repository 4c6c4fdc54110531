/// A patch that could not be applied, carrying the `metav1.Status` fields the
/// kube-apiserver answers with for the same failure.
///
/// `code`/`reason`/`message` are what goes on the wire (`reason` is `""` for
/// `StatusReasonUnknown`, which the apiserver uses for plain Go errors).
/// `detail` is the underlying library text (evanphx/json-patch,
/// strategicpatch, …); the apiserver does not always put it in the Status
/// (JSON-patch op failures only say "the server rejected our request due to
/// an error in our request"), so it is kept separately for logs.
///
/// | failure | code | reason | message |
/// |---|---|---|---|
/// | JSON patch body not an array of objects | 400 | BadRequest | Go json error text |
/// | JSON patch over 10000 operations | 413 | RequestEntityTooLarge | "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got N" |
/// | JSON patch op failed (test, missing path, bad index, unknown op) | 422 | Invalid | "the server rejected our request due to an error in our request" |
/// | merge patch body `null` or a scalar | 400 | BadRequest | "Invalid JSON Patch" |
/// | strategic patch body not an object | 400 | BadRequest | Go json error text |
/// | `$retainKeys` malformed / keys outside it | 400 | BadRequest | "invalid patch format of retainKeys" |
/// | `$deleteFromPrimitiveList` malformed | 400 | BadRequest | "invalid patch format of primitive list" |
/// | `$setElementOrder` malformed | 400 | BadRequest | "invalid patch format of setElementOrder list" |
/// | lists of lists | 422 | Invalid | "the server rejected our request due to an error in our request" |
/// | other strategic errors (unknown `$patch`, missing merge key, `$patch: merge` in a list, …) | 500 | "" | strategicpatch error text |
/// | server-side apply conflict | 409 | Conflict | "Apply failed with N conflict(s): …" (+ causes) |
/// | server-side apply body with managedFields | 400 | BadRequest | "metadata.managedFields must be nil" |
public struct PatchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One `metav1.StatusCause` (used by apply conflicts).
    public struct Cause: Sendable, Equatable {
        public var type: String
        public var message: String
        public var field: String
        public init(type: String, message: String, field: String) {
            self.type = type
            self.message = message
            self.field = field
        }
    }

    /// HTTP status code.
    public var code: Int
    /// `metav1.StatusReason` (`""` = Unknown).
    public var reason: String
    /// `Status.message` as the apiserver sends it.
    public var message: String
    /// The underlying patch-library explanation (may equal `message`).
    public var detail: String
    /// `Status.details.causes`.
    public var causes: [Cause]

    public init(code: Int, reason: String, message: String, detail: String? = nil, causes: [Cause] = []) {
        self.code = code
        self.reason = reason
        self.message = message
        self.detail = detail ?? message
        self.causes = causes
    }

    public var description: String {
        detail == message ? "\(code) \(reason): \(message)" : "\(code) \(reason): \(message) (\(detail))"
    }

    /// The message `NewGenericServerResponse(422, …)` produces.
    public static let genericInvalidMessage = "the server rejected our request due to an error in our request"

    static func badRequest(_ message: String) -> PatchError {
        PatchError(code: 400, reason: "BadRequest", message: message)
    }

    static func genericInvalid(_ detail: String) -> PatchError {
        PatchError(code: 422, reason: "Invalid", message: genericInvalidMessage, detail: detail)
    }

    /// A plain (non-Status) Go error: the apiserver answers 500 with an empty reason.
    static func internalError(_ message: String) -> PatchError {
        PatchError(code: 500, reason: "", message: message)
    }
}
