/// A membership setting that cannot work, with the field, its value and what
/// would be valid.
public struct MembershipConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var value: String
    public var requirement: String

    public init(field: String, value: String, requirement: String) {
        self.field = field
        self.value = value
        self.requirement = requirement
    }

    public var description: String { "shard membership: \(field) = \(value) \(requirement)" }
}
