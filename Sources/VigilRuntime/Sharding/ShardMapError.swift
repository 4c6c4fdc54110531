/// Why a shard map (or a member id) could not be read. Each message names the
/// ConfigMap field, the offending value and what would be valid, so a person
/// looking at `kubectl get configmap vigil-shardmap -o yaml` can fix it.
public enum ShardMapError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The ConfigMap has no `data` at all.
    case missingData
    /// A required `data` key is absent.
    case missingField(String)
    /// An epoch field is not a non-negative base-10 integer.
    case invalidEpoch(field: String, value: String)
    /// A member id is unusable (see `MemberID.init(validating:)`).
    case invalidMember(String, reason: String)
    /// `members` has an empty entry (`a,,b`, a leading or trailing comma).
    case emptyMemberEntry(members: String)
    /// `members` lists the same id twice.
    case duplicateMember(MemberID)
    /// `committedEpoch` is larger than `epoch`.
    case committedEpochAheadOfEpoch(committedEpoch: Int, epoch: Int)

    public var description: String {
        let where_ = "ConfigMap \(ShardMap.configMapName)"
        switch self {
        case .missingData:
            return "\(where_) has no data; it needs the keys \(ShardMap.Field.epoch), \(ShardMap.Field.members) and \(ShardMap.Field.committedEpoch)"
        case .missingField(let field):
            return "\(where_) is missing data.\(field); it needs the keys \(ShardMap.Field.epoch), \(ShardMap.Field.members) and \(ShardMap.Field.committedEpoch)"
        case .invalidEpoch(let field, let value):
            return "\(where_) data.\(field) is \(value.debugDescription); it must be a non-negative base-10 integer such as \"0\" or \"42\""
        case .invalidMember(let value, let reason):
            return "member id \(value.debugDescription) in \(where_) data.\(ShardMap.Field.members) is invalid: \(reason) (ids are 1–\(MemberID.maxLength) lowercase letters, digits, '-' or '.', starting and ending with a letter or digit)"
        case .emptyMemberEntry(let members):
            return "\(where_) data.\(ShardMap.Field.members) is \(members.debugDescription), which has an empty entry; it must be comma-separated member ids such as \"vigil-0,vigil-1\", or \"\" for none"
        case .duplicateMember(let id):
            return "\(where_) data.\(ShardMap.Field.members) lists \(id.rawValue.debugDescription) more than once; each member appears once"
        case .committedEpochAheadOfEpoch(let committed, let epoch):
            return "\(where_) data.\(ShardMap.Field.committedEpoch) is \(committed) but data.\(ShardMap.Field.epoch) is \(epoch); the committed epoch can never be ahead of the published one"
        }
    }
}
