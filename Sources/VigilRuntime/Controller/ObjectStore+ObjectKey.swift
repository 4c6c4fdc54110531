extension ObjectStore {
    /// The object with this key, if kept.
    public func get(_ key: ObjectKey) -> Object? {
        get(namespace: key.namespace, name: key.name)
    }

    /// The key of `object` as a controller queues it.
    public func objectKey(of object: Object) -> ObjectKey {
        let m = metadataOf(object)
        return ObjectKey(namespace: m.namespace ?? "", name: m.name ?? "")
    }
}
