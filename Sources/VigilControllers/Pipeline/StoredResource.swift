import Foundation
import Kube
import VigilAPI
import VigilJSON

/// A kind of Vigil resource as the pipeline handles it: where it is served
/// and how it decodes (checking every rule that depends on it alone).
public protocol StoredKind: Sendable {
    static var descriptor: ResourceDescriptor { get }
    init(json: JSON, allowUnknownFields: Bool) throws(ResourceValidationError)
}

/// A resource as every kind's informer keeps it, the first stage of the one
/// reconcile pipeline (typed object → facts → pure decision → the action
/// engine through the ledger → one status write → Events): its metadata and
/// the document it came from, kept serialized (its status holds the ledger
/// and the kind's progress). The typed resource is decoded from those bytes
/// when a reconcile asks (`decoded`), not kept: a replica holds thousands of
/// objects and reconciles each now and then, and the typed copy took about
/// 640 bytes per NamespacePolicy beside the 1.1 KB of its document (issue 16,
/// heaptrack of a replica holding 5,000). A resource that does not decode is
/// kept too; `decoded` then gives its problems, so the reconciler reports
/// them in status and an Event.
public struct StoredResource<Kind: StoredKind>: KubeResource, JSONTreeInitializable, Sendable {
    public static var descriptor: ResourceDescriptor { Kind.descriptor }

    /// The kept fields, in one shared allocation: the store's dictionaries,
    /// lists and snapshots copy a reference, not the 180-byte metadata.
    final class Box: Sendable {
        let metadata: ObjectMeta
        let serialized: [UInt8]
        init(metadata: ObjectMeta, serialized: [UInt8]) {
            self.metadata = metadata
            self.serialized = serialized
        }
    }
    let box: Box

    /// The object's metadata without labels, annotations and owner
    /// references (read those from `document`).
    public var metadata: ObjectMeta { box.metadata }
    /// The object as stored, serialized: a parsed tree takes several times
    /// its bytes in memory (issue 16 measured about 5.8 KB of heap per
    /// NamespacePolicy with the tree kept), and a replica holds thousands of
    /// objects while a reconcile reads the document once or twice.
    public var serialized: [UInt8] { box.serialized }

    /// The typed resource, or every problem found decoding it; parsed and
    /// decoded from `serialized` on each access. A reconcile that also reads
    /// `document` parses it once and calls `decoded(from:)`.
    public var decoded: Result<Kind, ResourceValidationError> { decoded(from: document) }

    /// The typed resource decoded from `document` (this object's, parsed
    /// once by the caller). Unknown fields are accepted here: a newer CRD's
    /// fields must not stop a running controller.
    public func decoded(from document: JSON) -> Result<Kind, ResourceValidationError> {
        do { return .success(try Kind(json: document, allowUnknownFields: true)) } catch { return .failure(error) }
    }

    /// The object as stored, parsed from `serialized` on each access.
    public var document: JSON { (try? JSON.parse(serialized)) ?? .object(JSONObject()) }

    /// `status` when its ledger holds a `Pending` entry, nil otherwise; the
    /// bytes are searched first, so only such objects are parsed.
    public var statusWithPendingEffect: JSON? {
        serialized.firstRange(of: Array(#""phase":"Pending""#.utf8)) == nil ? nil : document["status"]
    }

    /// The annotation `kubectl apply` (client-side) writes: a copy of the
    /// applied object, as large as its spec.
    public static var lastAppliedAnnotation: String { "kubectl.kubernetes.io/last-applied-configuration" }

    /// Keeps `tree` without what no reconcile reads and what can double an
    /// object's size: `metadata.managedFields` (server-side apply's field
    /// owners; controller-runtime strips them from its caches too) and the
    /// last-applied annotation. Vigil only patches, so nothing it writes
    /// back depends on them. `metadata` keeps what the reconcilers read
    /// (name, namespace, UID, resourceVersion, generation, creation and
    /// deletion times, finalizers); labels and annotations stay in the
    /// document.
    public init(tree: JSON) throws(KubeError) {
        var tree = tree
        if tree[path: ["metadata", "managedFields"]] != nil { tree[path: ["metadata", "managedFields"]] = nil }
        if tree[path: ["metadata", "annotations", Self.lastAppliedAnnotation]] != nil {
            tree[path: ["metadata", "annotations", Self.lastAppliedAnnotation]] = nil
        }
        var meta = try ObjectMeta(tree: tree["metadata"] ?? .object(JSONObject()))
        meta.labels = nil
        meta.annotations = nil
        meta.ownerReferences = nil
        box = Box(metadata: meta, serialized: tree.serialized())
    }

    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        let tree = try JSON.parse(Array(try JSONEncoder().encode(value)))
        try self.init(tree: tree)
    }

    public func encode(to encoder: any Encoder) throws {
        try JSONDecoder().decode(JSONValue.self, from: Data(serialized)).encode(to: encoder)
    }
}

extension CounterMeasure: StoredKind {
    public static let descriptor = ResourceDescriptor(group: group, version: version, kind: kind, plural: plural, namespaced: true)
}

extension NamespacePolicy: StoredKind {
    public static let descriptor = ResourceDescriptor(group: group, version: version, kind: kind, plural: plural, namespaced: true)
}

/// A `CounterMeasure` as the informer keeps it.
public typealias CounterMeasureObject = StoredResource<CounterMeasure>
/// A `NamespacePolicy` as the informer keeps it.
public typealias NamespacePolicyObject = StoredResource<NamespacePolicy>

extension HealthCheck: StoredKind {
    public static let descriptor = ResourceDescriptor(group: group, version: version, kind: kind, plural: plural, namespaced: true)
}

/// A `HealthCheck` as the informer keeps it.
public typealias HealthCheckObject = StoredResource<HealthCheck>

extension MemoryScaler: StoredKind {
    public static let descriptor = ResourceDescriptor(group: group, version: version, kind: kind, plural: plural, namespaced: true)
}

/// A `MemoryScaler` as the informer keeps it.
public typealias MemoryScalerObject = StoredResource<MemoryScaler>
