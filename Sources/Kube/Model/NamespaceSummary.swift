import Foundation
import VigilJSON

/// A namespace as a replica's namespace informer keeps it: its name, UID,
/// resourceVersion, creation and deletion times and phase, nothing else.
/// Every replica keeps every namespace of the cluster (the shard map hashes
/// them all), so its size is paid once per namespace per replica: a full
/// `Namespace` with its labels, annotations and parsed metadata took about
/// 1.2 KB of heap (issue 16, heaptrack of a replica holding 5,000), this
/// a few hundred bytes. `metadata` is made on each access from the kept
/// fields. Read-only: it decodes, it does not encode.
public struct NamespaceSummary: KubeResource, JSONTreeInitializable, Sendable, Hashable {
    public static let descriptor = ResourceDescriptor.namespaces

    public let name: String
    public let uid: String?
    public let resourceVersion: String?
    public let creationTimestamp: String?
    public let deletionTimestamp: String?
    /// `status.phase` (`Active`, `Terminating`).
    public let phase: String?

    /// Being deleted: a deletion time is set or the phase says so.
    public var terminating: Bool { deletionTimestamp != nil || phase == "Terminating" }

    /// The kept fields as metadata (labels and annotations are not kept).
    public var metadata: ObjectMeta {
        var m = ObjectMeta(name: name)
        m.uid = uid
        m.resourceVersion = resourceVersion
        m.creationTimestamp = creationTimestamp
        m.deletionTimestamp = deletionTimestamp
        return m
    }

    public init(
        name: String, uid: String? = nil, resourceVersion: String? = nil, creationTimestamp: String? = nil, deletionTimestamp: String? = nil,
        phase: String? = nil
    ) {
        self.name = name
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.creationTimestamp = creationTimestamp
        self.deletionTimestamp = deletionTimestamp
        self.phase = phase
    }

    public init(tree: JSON) throws(KubeError) {
        let meta = try Tree.object(tree["metadata"] ?? .object(JSONObject()), "namespace.metadata")
        guard let name = try Tree.string(meta, "name", "namespace.metadata") else { throw .decoding("namespace.metadata.name: missing") }
        self.init(
            name: name, uid: try Tree.string(meta, "uid", "namespace.metadata"),
            resourceVersion: try Tree.string(meta, "resourceVersion", "namespace.metadata"),
            creationTimestamp: try Tree.string(meta, "creationTimestamp", "namespace.metadata"),
            deletionTimestamp: try Tree.string(meta, "deletionTimestamp", "namespace.metadata"),
            phase: tree[path: ["status", "phase"]]?.stringValue)
    }

    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        try self.init(tree: try JSON.parse(Array(try JSONEncoder().encode(value))))
    }

    public func encode(to encoder: any Encoder) throws {
        throw EncodingError.invalidValue(self, .init(codingPath: [], debugDescription: "NamespaceSummary is read-only"))
    }
}
