import VigilAPI
import VigilJSON

/// One JSON merge patch (`application/merge-patch+json`) on a Deployment or
/// StatefulSet, planned by `ScaleDownPlanner`.
public struct WorkloadPatch: Sendable, Equatable {
    public var kind: ScaleDownAction.Kind
    public var namespace: String
    public var name: String
    /// The merge patch body; carries `metadata.resourceVersion` as a
    /// precondition when the workload's was known (a 409 means re-plan).
    public var body: JSON
    /// For people and dry runs: `scale Deployment demo/web from 3 to 0`.
    public var description: String

    public init(kind: ScaleDownAction.Kind, namespace: String, name: String, body: JSON, description: String) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.body = body
        self.description = description
    }
}
