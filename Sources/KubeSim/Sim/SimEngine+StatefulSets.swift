extension SimEngine {
    /// The StatefulSet controller: pods `<sts>-0..N-1`, created in order and
    /// removed in reverse (OrderedReady) or all at once (Parallel), rolled
    /// from the highest ordinal down when the template changes.
    func reconcileStatefulSet(_ k: String) async -> Requeue {
        guard let sts = cached("apps/statefulsets", k), sts.object[path: ["metadata", "deletionTimestamp"]] == nil else { return .awaitChange }
        let o = sts.object
        let uid = o[path: ["metadata", "uid"]]?.stringValue ?? ""
        let replicas = Int(o[path: ["spec", "replicas"]]?.intValue ?? 1)
        let template = o[path: ["spec", "template"]] ?? [:]
        let ordered = (o[path: ["spec", "podManagementPolicy"]]?.stringValue ?? "OrderedReady") == "OrderedReady"
        let rolling = (o[path: ["spec", "updateStrategy", "type"]]?.stringValue ?? "RollingUpdate") == "RollingUpdate"
        let partition = Int(o[path: ["spec", "updateStrategy", "rollingUpdate", "partition"]]?.intValue ?? 0)
        let updateRevision = "\(sts.name)-\(SimIDs.templateHash(template))"
        let prefix = sts.name + "-"
        var byOrdinal: [Int: StoredObject] = [:]
        for p in ownedObjects("pods", by: uid) where p.name.hasPrefix(prefix) {
            if let i = Int(p.name.dropFirst(prefix.count)) { byOrdinal[i] = p }
        }
        func healthy(_ p: StoredObject) -> Bool { Self.isActivePod(p.object) && Self.isPodReady(p.object) }
        func revision(_ p: StoredObject) -> String { p.object[path: ["metadata", "labels", "controller-revision-hash"]]?.stringValue ?? "" }

        // Create missing ordinals (and replace finished ones).
        for i in 0..<replicas {
            if let p = byOrdinal[i] {
                let phase = p.object[path: ["status", "phase"]]?.stringValue ?? ""
                if p.object[path: ["metadata", "deletionTimestamp"]] == nil, phase == "Succeeded" || phase == "Failed" {
                    if let outcome = try? await store.delete(rt.pods, namespace: p.namespace, name: p.name) { noteDelete("pods", outcome) }
                    if ordered { break } else { continue }
                }
                if ordered && !healthy(p) { break }
                continue
            }
            var pod = Self.podFromTemplate(template, owner: o, name: "\(sts.name)-\(i)", extraLabels: [
                "controller-revision-hash": updateRevision, "statefulset.kubernetes.io/pod-name": "\(sts.name)-\(i)",
                "apps.kubernetes.io/pod-index": String(i),
            ])
            pod[path: ["spec", "hostname"]] = .string("\(sts.name)-\(i)")
            if let svc = o[path: ["spec", "serviceName"]]?.stringValue, !svc.isEmpty { pod[path: ["spec", "subdomain"]] = .string(svc) }
            do {
                let s = try await store.create(rt.pods, namespace: sts.namespace, object: pod)
                noteWrite("pods", s)
                byOrdinal[i] = s
                await emit(o, reason: "SuccessfulCreate", message: "create Pod \(s.name) in StatefulSet \(sts.name) successful", component: "statefulset-controller")
            } catch {}
            if ordered { break }
        }
        // Remove condemned ordinals, highest first.
        let lowerHealthy = (0..<replicas).allSatisfy { byOrdinal[$0].map(healthy) ?? false }
        for i in byOrdinal.keys.filter({ $0 >= replicas }).sorted(by: >) {
            guard let p = byOrdinal[i] else { continue }
            if p.object[path: ["metadata", "deletionTimestamp"]] != nil {
                if ordered { break } else { continue }
            }
            if ordered && !lowerHealthy { break }
            if let outcome = try? await store.delete(rt.pods, namespace: p.namespace, name: p.name) {
                noteDelete("pods", outcome)
                await emit(o, reason: "SuccessfulDelete", message: "delete Pod \(p.name) in StatefulSet \(sts.name) successful", component: "statefulset-controller")
            }
            if ordered { break }
        }
        // Rolling update: one pod at a time, highest ordinal first, once all are healthy.
        if rolling && lowerHealthy {
            if let i = (partition..<max(partition, replicas)).reversed().first(where: { byOrdinal[$0].map { revision($0) != updateRevision } ?? false }),
                let p = byOrdinal[i]
            {
                if let outcome = try? await store.delete(rt.pods, namespace: p.namespace, name: p.name) {
                    noteDelete("pods", outcome)
                    await emit(o, reason: "SuccessfulDelete", message: "delete Pod \(p.name) in StatefulSet \(sts.name) successful", component: "statefulset-controller")
                }
            }
        }
        // Status.
        let pods = ownedObjects("pods", by: uid).filter { $0.name.hasPrefix(prefix) && Self.isActivePod($0.object) }
        var currentRevision = o[path: ["status", "currentRevision"]]?.stringValue ?? updateRevision
        let updated = pods.filter { revision($0) == updateRevision }.count
        if updated == replicas && pods.count == replicas { currentRevision = updateRevision }
        let current = pods.filter { revision($0) == currentRevision }.count
        let ready = pods.filter { Self.isPodReady($0.object) }.count
        var st = o["status"] ?? [:]
        st["observedGeneration"] = o[path: ["metadata", "generation"]]
        st["replicas"] = .int(Int64(pods.count))
        st["readyReplicas"] = ready == 0 ? nil : .int(Int64(ready))
        st["currentReplicas"] = current == 0 ? nil : .int(Int64(current))
        st["updatedReplicas"] = updated == 0 ? nil : .int(Int64(updated))
        st["availableReplicas"] = .int(Int64(ready))
        st["currentRevision"] = .string(currentRevision)
        st["updateRevision"] = .string(updateRevision)
        st["collisionCount"] = 0
        await writeStatus(rt.statefulSets, sts, st)
        return .awaitChange
    }
}
