import Kube

/// The shard map as ConfigMap `vigil-shardmap`. Reads are quorum GETs (no
/// resourceVersion); updates are JSON patches whose first op tests
/// `/metadata/resourceVersion`.
extension KubeClient: ShardMapStore {
    public func readShardMap(namespace: String) async throws -> (map: ShardMap, resourceVersion: String?) {
        let cm: ConfigMap
        do {
            cm = try await get(ConfigMap.self, namespace: namespace, name: ShardMap.configMapName)
        } catch {
            if error.isNotFound { return (.initial, nil) }
            throw error
        }
        return (try ShardMap(configMapData: cm.data), cm.metadata.resourceVersion)
    }

    @discardableResult
    public func writeShardMap(namespace: String, _ map: ShardMap, precondition resourceVersion: String?) async throws -> String {
        do {
            let stored: ConfigMap
            if let resourceVersion {
                let patch: JSONValue = .array([
                    .object(["op": .string("test"), "path": .string("/metadata/resourceVersion"), "value": .string(resourceVersion)]),
                    .object(["op": .string("add"), "path": .string("/data"), "value": .object(map.configMapData.mapValues { .string($0) })]),
                ])
                let resp = try await send(
                    .patch(.configMaps, namespace: namespace, name: ShardMap.configMapName, type: .json, body: try KubeJSON.encode(patch)))
                stored = try KubeJSON.decode(ConfigMap.self, from: resp.body)
            } else {
                let cm = ConfigMap(metadata: ObjectMeta(name: ShardMap.configMapName, namespace: namespace), data: map.configMapData)
                let resp = try await send(.create(.configMaps, namespace: namespace, body: try KubeJSON.encode(cm)))
                stored = try KubeJSON.decode(ConfigMap.self, from: resp.body)
            }
            return stored.metadata.resourceVersion ?? ""
        } catch {
            if error.isConflict || error.isAlreadyExists || error.statusCode == 422 {
                throw ShardMapConflictError(namespace: namespace, detail: error.description)
            }
            throw error
        }
    }
}
