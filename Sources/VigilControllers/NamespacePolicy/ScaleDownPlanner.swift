import VigilAPI
import VigilJSON

/// Plans the `scaleDown` action and its inverse as JSON merge patches. Pure.
///
/// Scaling down sets `spec.replicas` to 0 and saves the count from before in
/// the annotation `vigil.dev/scaled-down-from-replicas`, unless a count is
/// already saved there: a second scale-down (a retry, a re-armed policy, a
/// workload someone scaled back up by hand) never replaces the saved count,
/// least of all with 0. A workload already at 0 with nothing saved is left
/// alone (there is nothing to restore), and so is one at 0 with a count
/// saved. An annotation that is not a non-negative integer is treated as
/// absent when the workload has replicas to save.
///
/// Restoring sets `spec.replicas` from the annotation and removes the
/// annotation in the same patch; workloads without a valid saved count are
/// left alone.
public enum ScaleDownPlanner {
    /// Whether `workload` is selected by one of `selectors` (same kind, and
    /// its labels match; an absent or empty selector matches every one).
    public static func selects(_ selectors: [ScaleDownAction.Target], _ workload: ScaleWorkload) -> Bool {
        selectors.contains { $0.kind == workload.kind && ($0.labels?.matches(labels: workload.labels) ?? true) }
    }

    /// The patches that scale the workloads of `namespace` selected by
    /// `selectors` to zero, sorted by kind and name.
    public static func scaleDown(_ workloads: [ScaleWorkload], selectors: [ScaleDownAction.Target], namespace: String) -> [WorkloadPatch] {
        sorted(workloads.filter { $0.namespace == namespace && selects(selectors, $0) }).compactMap { w in
            guard w.replicas != 0 else { return nil }
            var body = JSON.obj([:])
            if let rv = w.resourceVersion { body[path: ["metadata", "resourceVersion"]] = .string(rv) }
            let from: Int
            if let saved = w.savedReplicas {
                from = saved
            } else {
                from = w.replicas
                body[path: ["metadata", "annotations", ScaleDownAction.savedReplicasAnnotation]] = .string(String(w.replicas))
            }
            body[path: ["spec", "replicas"]] = .int(0)
            let note = w.savedReplicas == nil ? "" : " (keeping the saved count \(from))"
            return WorkloadPatch(kind: w.kind, namespace: w.namespace, name: w.name, body: body, description: "scale \(w.subject) from \(w.replicas) to 0\(note)")
        }
    }

    /// The patch that sets `workload` to `replicas` (the `scale` action),
    /// saving the count from before unless one is saved; nil when it
    /// already has that many.
    public static func scale(_ w: ScaleWorkload, to replicas: Int) -> WorkloadPatch? {
        guard w.replicas != replicas else { return nil }
        var body = JSON.obj([:])
        if let rv = w.resourceVersion { body[path: ["metadata", "resourceVersion"]] = .string(rv) }
        if w.savedReplicas == nil {
            body[path: ["metadata", "annotations", ScaleDownAction.savedReplicasAnnotation]] = .string(String(w.replicas))
        }
        body[path: ["spec", "replicas"]] = .int(Int64(replicas))
        return WorkloadPatch(kind: w.kind, namespace: w.namespace, name: w.name, body: body, description: "scale \(w.subject) from \(w.replicas) to \(replicas)")
    }

    /// The patches that undo `scaleDown` for the workloads of `namespace`
    /// selected by `selectors` (every workload when nil), sorted by kind and name.
    public static func restore(_ workloads: [ScaleWorkload], selectors: [ScaleDownAction.Target]? = nil, namespace: String) -> [WorkloadPatch] {
        let chosen = workloads.filter { w in w.namespace == namespace && (selectors.map { selects($0, w) } ?? true) }
        return sorted(chosen).compactMap { w in
            guard let saved = w.savedReplicas else { return nil }
            var body = JSON.obj([:])
            if let rv = w.resourceVersion { body[path: ["metadata", "resourceVersion"]] = .string(rv) }
            body[path: ["metadata", "annotations"]] = .obj([ScaleDownAction.savedReplicasAnnotation: .null])
            body[path: ["spec", "replicas"]] = .int(Int64(saved))
            return WorkloadPatch(kind: w.kind, namespace: w.namespace, name: w.name, body: body, description: "restore \(w.subject) from \(w.replicas) to \(saved) replicas")
        }
    }

    static func sorted(_ workloads: [ScaleWorkload]) -> [ScaleWorkload] {
        workloads.sorted { ($0.kind.rawValue, $0.name) < ($1.kind.rawValue, $1.name) }
    }
}
