import Kube

/// What a controller's work queue carries: the namespace and name of an
/// object, never the object itself. A reconciler reads the object's current
/// state from the store with this key (level-based), so any number of events
/// for one object collapse into one reconcile of its latest state.
///
/// `namespace` is "" for cluster-scoped objects; `description` is
/// `namespace/name`, or `name` alone without a namespace (the same string
/// `ObjectStore` uses as its key).
public struct ObjectKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// "" for cluster-scoped objects.
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// The key of an object with this metadata (a missing namespace is "").
    public init(_ metadata: ObjectMeta) {
        self.init(namespace: metadata.namespace ?? "", name: metadata.name ?? "")
    }

    /// Parses `namespace/name` or `name` (cluster-scoped).
    public init(_ description: String) {
        if let slash = description.firstIndex(of: "/") {
            self.init(namespace: String(description[..<slash]), name: String(description[description.index(after: slash)...]))
        } else {
            self.init(namespace: "", name: description)
        }
    }

    public var description: String {
        namespace.isEmpty ? name : "\(namespace)/\(name)"
    }

    public static func < (a: ObjectKey, b: ObjectKey) -> Bool {
        (a.namespace, a.name) < (b.namespace, b.name)
    }
}
