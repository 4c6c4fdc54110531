import VigilJSON

/// One thing wrong with a resource: the field (`spec.policies[1].condition`),
/// the value found there (absent when the field is missing) and a message
/// that says what would be valid.
public struct ValidationProblem: Sendable, Equatable, CustomStringConvertible {
    /// The field path, as `kubectl explain` spells it, with list indexes:
    /// `spec.policies[0].action.webhook.url`.
    public var field: String
    /// The offending value; nil when the field is missing.
    public var value: JSON?
    /// What is wrong and what would be valid (the value appears in it where it helps).
    public var message: String

    public init(field: String, value: JSON?, message: String) {
        self.field = field
        self.value = value
        self.message = message
    }

    /// `spec.policies[0].condition: exactly one of ttl, expiresAt, podsSucceeded must be set`.
    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}
