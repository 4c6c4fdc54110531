import VigilRuntime

/// The id a resource subscribes to the shared Prometheus poller with:
/// `<Kind>/<namespace>/<name>`, so the poller's wake-ups and ownership
/// changes find the resource and its kind's controller.
public enum PollerSubscriber {
    public static func id(kind: String, _ key: ObjectKey) -> String { "\(kind)/\(key.namespace)/\(key.name)" }

    /// The kind and key of a subscriber id (nil for one not made by `id`).
    public static func parse(_ id: String) -> (kind: String, key: ObjectKey)? {
        let parts = id.split(separator: "/", maxSplits: 2).map(String.init)
        guard parts.count == 3 else { return nil }
        return (parts[0], ObjectKey(namespace: parts[1], name: parts[2]))
    }

    /// The key of a subscriber id made for `kind` (nil for another kind's).
    public static func key(kind: String, subscriber id: String) -> ObjectKey? {
        guard let (k, key) = parse(id), k == kind else { return nil }
        return key
    }
}
