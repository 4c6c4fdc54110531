extension SimEngine {
    /// The DaemonSet controller for a one-node cluster: exactly one pod, on
    /// `sim-node-1`, replaced when the template changes.
    func reconcileDaemonSet(_ k: String) async -> Requeue {
        guard let ds = cached("apps/daemonsets", k), ds.object[path: ["metadata", "deletionTimestamp"]] == nil else { return .awaitChange }
        let o = ds.object
        let uid = o[path: ["metadata", "uid"]]?.stringValue ?? ""
        let template = o[path: ["spec", "template"]] ?? [:]
        let hash = SimIDs.templateHash(template)
        let gen = o[path: ["metadata", "generation"]]?.intValue ?? 1
        let all = ownedObjects("pods", by: uid)
        let active = all.filter { Self.isActivePod($0.object) }
        let terminating = all.contains { $0.object[path: ["metadata", "deletionTimestamp"]] != nil }
        func rev(_ p: StoredObject) -> String { p.object[path: ["metadata", "labels", "controller-revision-hash"]]?.stringValue ?? "" }
        if active.isEmpty && !terminating {
            let pod = Self.podFromTemplate(template, owner: o, generateName: ds.name + "-", extraLabels: [
                "controller-revision-hash": hash, "pod-template-generation": String(gen),
            ])
            if let s = try? await store.create(rt.pods, namespace: ds.namespace, object: pod) {
                noteWrite("pods", s)
                await emit(o, reason: "SuccessfulCreate", message: "Created pod: \(s.name)", component: "daemonset-controller")
            }
        } else {
            // Extras, and an outdated pod (maxUnavailable 1), go.
            let sorted = active.sorted { (rev($0) == hash ? 0 : 1, $0.rv) < (rev($1) == hash ? 0 : 1, $1.rv) }
            var victims = Array(sorted.dropFirst())
            if let first = sorted.first, rev(first) != hash, !terminating { victims.append(first) }
            for v in victims {
                if let outcome = try? await store.delete(rt.pods, namespace: v.namespace, name: v.name) {
                    noteDelete("pods", outcome)
                    await emit(o, reason: "SuccessfulDelete", message: "Deleted pod: \(v.name)", component: "daemonset-controller")
                }
            }
        }
        let pods = ownedObjects("pods", by: uid).filter { Self.isActivePod($0.object) }
        let ready = pods.filter { Self.isPodReady($0.object) }.count
        let updated = pods.filter { rev($0) == hash }.count
        var st = o["status"] ?? [:]
        st["currentNumberScheduled"] = .int(Int64(pods.count))
        st["numberMisscheduled"] = 0
        st["desiredNumberScheduled"] = 1
        st["numberReady"] = .int(Int64(ready))
        st["observedGeneration"] = .int(gen)
        st["updatedNumberScheduled"] = updated == 0 ? nil : .int(Int64(updated))
        st["numberAvailable"] = ready == 0 ? nil : .int(Int64(ready))
        st["numberUnavailable"] = ready == 1 ? nil : .int(Int64(1 - ready))
        await writeStatus(rt.daemonSets, ds, st)
        return .awaitChange
    }
}
