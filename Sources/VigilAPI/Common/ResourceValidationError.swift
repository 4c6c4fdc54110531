/// A resource that cannot be used as written, with every problem found.
///
/// Printed one problem per line, each prefixed with the resource:
///
///     NamespacePolicy demo/ttl-policy: spec.policies[0].condition: exactly one of ttl, expiresAt, podsSucceeded must be set
public struct ResourceValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The resource, as `Kind namespace/name` (`NamespacePolicy demo/ttl-policy`).
    public var subject: String
    /// Every problem, in document order (never empty).
    public var problems: [ValidationProblem]

    public init(subject: String, problems: [ValidationProblem]) {
        self.subject = subject
        self.problems = problems
    }

    /// One line per problem: `<subject>: <field>: <message>`.
    public var lines: [String] { problems.map { "\(subject): \($0)" } }

    public var description: String { lines.joined(separator: "\n") }
}
