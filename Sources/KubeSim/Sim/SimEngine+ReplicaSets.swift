extension SimEngine {
    /// The ReplicaSet controller: keeps `spec.replicas` active pods, reports
    /// replicas / ready / available.
    func reconcileReplicaSet(_ k: String) async -> Requeue {
        guard let rs = cached("apps/replicasets", k), rs.object[path: ["metadata", "deletionTimestamp"]] == nil else { return .awaitChange }
        let o = rs.object
        let uid = o[path: ["metadata", "uid"]]?.stringValue ?? ""
        let want = Int(o[path: ["spec", "replicas"]]?.intValue ?? 1)
        let active = ownedObjects("pods", by: uid).filter { Self.isActivePod($0.object) }
        let diff = want - active.count
        if diff > 0 {
            let template = o[path: ["spec", "template"]] ?? [:]
            for _ in 0..<min(diff, 500) {
                let pod = Self.podFromTemplate(template, owner: o, generateName: rs.name + "-")
                do {
                    let s = try await store.create(rt.pods, namespace: rs.namespace, object: pod)
                    noteWrite("pods", s)
                    await emit(o, reason: "SuccessfulCreate", message: "Created pod: \(s.name)", component: "replicaset-controller")
                } catch {
                    await emit(o, reason: "FailedCreate", message: "Error creating: \(error.message)",
                               warning: true, component: "replicaset-controller")
                    break
                }
            }
        } else if diff < 0 {
            // Delete the least useful first: not ready before ready, newest first.
            let victims = active.sorted { a, b in
                let ra = Self.isPodReady(a.object), rb = Self.isPodReady(b.object)
                if ra != rb { return !ra }
                return a.rv > b.rv
            }.prefix(-diff)
            for v in victims {
                do {
                    let outcome = try await store.delete(rt.pods, namespace: v.namespace, name: v.name)
                    noteDelete("pods", outcome)
                    await emit(o, reason: "SuccessfulDelete", message: "Deleted pod: \(v.name)", component: "replicaset-controller")
                } catch {}
            }
        }
        // Status from the pods as they are now.
        let now = clock()
        let minReady = Double(o[path: ["spec", "minReadySeconds"]]?.intValue ?? 0)
        let pods = ownedObjects("pods", by: uid).filter { Self.isActivePod($0.object) }
        var ready = 0, available = 0
        var next: Requeue = .awaitChange
        for p in pods {
            guard let since = Self.readySince(p.object) else { continue }
            ready += 1
            if minReady <= 0 || since + minReady <= now { available += 1 } else { next = next.merged(.at(since + minReady)) }
        }
        var status = o["status"] ?? [:]
        status["replicas"] = .int(Int64(pods.count))
        status["fullyLabeledReplicas"] = pods.isEmpty ? nil : .int(Int64(pods.count))
        status["readyReplicas"] = ready == 0 ? nil : .int(Int64(ready))
        status["availableReplicas"] = available == 0 ? nil : .int(Int64(available))
        status["observedGeneration"] = o[path: ["metadata", "generation"]]
        await writeStatus(rt.replicaSets, rs, status)
        return next
    }
}
