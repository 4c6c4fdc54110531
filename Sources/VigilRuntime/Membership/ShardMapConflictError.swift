/// A shard map write lost a race: the ConfigMap exists already (create) or
/// was written since it was read (update). The leader reads again next round.
public struct ShardMapConflictError: Error, Sendable, Hashable, CustomStringConvertible {
    public var namespace: String
    public var detail: String

    public init(namespace: String, detail: String) {
        self.namespace = namespace
        self.detail = detail
    }

    public var description: String { "ConfigMap \(namespace)/\(ShardMap.configMapName) was written by someone else first: \(detail)" }
}
