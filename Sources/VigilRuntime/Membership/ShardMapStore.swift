/// Where the shard map lives (ConfigMap `vigil-shardmap`): a quorum read,
/// and a write that only lands if nobody wrote since the read. `KubeClient`
/// is one.
public protocol ShardMapStore: Sendable {
    /// The map with the resourceVersion it was read at, by a quorum GET;
    /// `(ShardMap.initial, nil)` when the ConfigMap does not exist. Throws
    /// `ShardMapError` when it exists but cannot be read.
    func readShardMap(namespace: String) async throws -> (map: ShardMap, resourceVersion: String?)
    /// Creates the ConfigMap (`precondition` nil) or replaces its data if its
    /// resourceVersion is still `precondition`; returns the new
    /// resourceVersion. Throws `ShardMapConflictError` when someone wrote
    /// first.
    @discardableResult
    func writeShardMap(namespace: String, _ map: ShardMap, precondition resourceVersion: String?) async throws -> String
}
