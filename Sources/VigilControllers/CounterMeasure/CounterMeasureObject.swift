import Foundation
import Kube
import VigilAPI
import VigilJSON

/// A `CounterMeasure` as the informer keeps it: decoded once, when the
/// watch event arrives (not on every reconcile), with the document it came
/// from. A resource that does not decode is kept too, with its problems, so
/// the reconciler can report them in status and an Event.
public struct CounterMeasureObject: KubeResource, JSONTreeInitializable, Sendable {
    public static let descriptor = ResourceDescriptor(
        group: CounterMeasure.group, version: CounterMeasure.version, kind: CounterMeasure.kind, plural: CounterMeasure.plural, namespaced: true)

    public let metadata: ObjectMeta
    /// The object as stored.
    public let document: JSON
    /// The typed resource, or every problem found decoding it.
    public let decoded: Result<CounterMeasure, ResourceValidationError>

    public init(tree: JSON) throws(KubeError) {
        metadata = try ObjectMeta(tree: tree["metadata"] ?? .object(JSONObject()))
        document = tree
        // Unknown fields are accepted here: a newer CRD's fields must not stop a running controller.
        do { decoded = .success(try CounterMeasure(json: tree, allowUnknownFields: true)) } catch { decoded = .failure(error) }
    }

    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        let tree = try JSON.parse(Array(try JSONEncoder().encode(value)))
        try self.init(tree: tree)
    }

    public func encode(to encoder: any Encoder) throws {
        try JSONDecoder().decode(JSONValue.self, from: Data(document.serialized())).encode(to: encoder)
    }
}
