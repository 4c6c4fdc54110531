/// The identity of one replica in a shard ring: the `<id>` of its member
/// Lease `vigil-member-<id>` (normally the pod name). Ordering is plain
/// string order, which is how `ShardMap.members` is sorted and how
/// rendezvous ties are broken.
public struct MemberID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The id as written in Lease names and in the shard map.
    public let rawValue: String

    /// The longest id accepted: `vigil-member-` plus the id must still be a
    /// valid object name (253 characters).
    public static let maxLength = 240

    /// An id taken as given (no validation); use `init(validating:)` for
    /// text that comes from outside the process.
    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// An id checked to be usable in a Lease name and in the comma-separated
    /// `members` field: 1…240 characters of lowercase letters, digits, `-`
    /// or `.`, starting and ending with a letter or digit.
    public init(validating rawValue: String) throws(ShardMapError) {
        if let reason = MemberID.problem(with: rawValue) {
            throw .invalidMember(rawValue, reason: reason)
        }
        self.init(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: MemberID, rhs: MemberID) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// Why `rawValue` is not a valid id, or nil when it is.
    static func problem(with rawValue: String) -> String? {
        let bytes = Array(rawValue.utf8)
        if bytes.isEmpty { return "it is empty" }
        if bytes.count > maxLength { return "it has \(bytes.count) characters, at most \(maxLength) are allowed" }
        func isAlphanumeric(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
        for b in bytes where !(isAlphanumeric(b) || b == 0x2D || b == 0x2E) {
            return "it contains \(String(decoding: [b], as: UTF8.self).debugDescription); only lowercase letters, digits, '-' and '.' are allowed"
        }
        if !isAlphanumeric(bytes[0]) || !isAlphanumeric(bytes[bytes.count - 1]) {
            return "it must start and end with a lowercase letter or digit"
        }
        return nil
    }
}
