extension SimEngine {
    static let revisionAnnotation = "deployment.kubernetes.io/revision"

    /// The Deployment controller: one ReplicaSet per pod template, rolling
    /// (or recreating) from old to new, revisions, status and conditions.
    func reconcileDeployment(_ k: String) async -> Requeue {
        guard let d = cached("apps/deployments", k), d.object[path: ["metadata", "deletionTimestamp"]] == nil else { return .awaitChange }
        let o = d.object
        let uid = o[path: ["metadata", "uid"]]?.stringValue ?? ""
        let desired = Int(o[path: ["spec", "replicas"]]?.intValue ?? 1)
        let template = o[path: ["spec", "template"]] ?? [:]
        let paused = o[path: ["spec", "paused"]]?.boolValue == true
        var all = ownedObjects("apps/replicasets", by: uid).filter { $0.object[path: ["metadata", "deletionTimestamp"]] == nil }
        var newRS = all.first { Self.sameTemplate($0.object[path: ["spec", "template"]], template) }
        let olds = { (all: [StoredObject], new: StoredObject?) in
            all.filter { $0.name != new?.name }.sorted { Self.revision($0.object) < Self.revision($1.object) }
        }
        let maxOldRevision = olds(all, newRS).map { Self.revision($0.object) }.max() ?? 0
        var createdNew = false
        let strategy = o[path: ["spec", "strategy"]]
        let recreate = strategy?["type"]?.stringValue == "Recreate"
        let (surge, unavailable) = recreate ? (0, desired) : RolloutMath.surgeAndUnavailable(strategy, replicas: desired)

        if newRS == nil && !paused {
            let oldTotal = olds(all, nil).map { Int($0.object[path: ["spec", "replicas"]]?.intValue ?? 0) }.reduce(0, +)
            let start = recreate ? (oldTotal == 0 ? desired : 0)
                : RolloutMath.newReplicas(desired: desired, surge: surge, currentTotal: oldTotal, newCurrent: 0)
            if let s = await createReplicaSet(for: o, template: template, replicas: start, revision: maxOldRevision + 1,
                                              surge: surge) {
                newRS = s
                all.append(s)
                createdNew = true
                if start > 0 {
                    await emit(o, reason: "ScalingReplicaSet", message: "Scaled up replica set \(s.name) from 0 to \(start)", component: "deployment-controller")
                }
            }
        } else if let n = newRS, Self.revision(n.object) <= maxOldRevision {
            // Rolled back to an older template: it becomes the newest revision.
            if let s = await patchReplicaSet(n, annotations: [Self.revisionAnnotation: String(maxOldRevision + 1)]) { newRS = s }
        }

        var oldRSs = olds(all, newRS)
        if let n = newRS, !paused {
            let cur = Int(n.object[path: ["spec", "replicas"]]?.intValue ?? 0)
            let oldTotal = oldRSs.map { Int($0.object[path: ["spec", "replicas"]]?.intValue ?? 0) }.reduce(0, +)
            var target = cur
            if recreate {
                let oldActive = oldRSs.map { Int($0.object[path: ["status", "replicas"]]?.intValue ?? 0) }.reduce(0, +)
                target = (oldTotal == 0 && oldActive == 0) ? desired : cur
            } else if cur > desired || oldTotal == 0 {
                target = desired
            } else {
                target = RolloutMath.newReplicas(desired: desired, surge: surge, currentTotal: oldTotal + cur, newCurrent: cur)
            }
            if target != cur, let s = await scaleReplicaSet(n, to: target, deployment: o, surge: surge) { newRS = s }
            // Scale down the old ones.
            let newReplicas = Int(newRS?.object[path: ["spec", "replicas"]]?.intValue ?? 0)
            let newAvailable = Int(newRS?.object[path: ["status", "availableReplicas"]]?.intValue ?? 0)
            let input = oldRSs.map {
                RolloutMath.Old(name: $0.name, replicas: Int($0.object[path: ["spec", "replicas"]]?.intValue ?? 0),
                                available: Int($0.object[path: ["status", "availableReplicas"]]?.intValue ?? 0))
            }
            let counts = recreate ? input.map { _ in 0 }
                : RolloutMath.scaleDownOld(input, desired: desired, unavailable: unavailable, newReplicas: newReplicas, newAvailable: newAvailable)
            for (i, c) in counts.enumerated() where c != input[i].replicas {
                if let s = await scaleReplicaSet(oldRSs[i], to: c, deployment: o, surge: surge) { oldRSs[i] = s }
            }
            await cleanupHistory(oldRSs, limit: Int(o[path: ["spec", "revisionHistoryLimit"]]?.intValue ?? 10))
        } else if paused, let n = newRS {
            // Paused: only keep the scale.
            let cur = Int(n.object[path: ["spec", "replicas"]]?.intValue ?? 0)
            if oldRSs.allSatisfy({ ($0.object[path: ["spec", "replicas"]]?.intValue ?? 0) == 0 }), cur != desired,
                let s = await scaleReplicaSet(n, to: desired, deployment: o, surge: surge)
            {
                newRS = s
            }
        }

        // Revision annotation on the Deployment.
        if let n = newRS {
            let rev = String(Self.revision(n.object))
            if o[path: ["metadata", "annotations", Self.revisionAnnotation]]?.stringValue != rev {
                let dname = d.name
                let deployments = rt.deployments
                if let (s, _) = try? await store.patch(deployments, namespace: d.namespace, name: dname, transform: { (cur: JSON?) throws(APIError) -> JSON in
                    guard var x = cur else { throw APIError.notFound(deployments, dname) }
                    x[path: ["metadata", "annotations", SimEngine.revisionAnnotation]] = .string(rev)
                    return x
                }) {
                    noteWrite("apps/deployments", s)
                }
            }
        }
        guard let fresh = cached("apps/deployments", k) else { return .awaitChange }
        let status = deploymentStatus(fresh.object, newRS: newRS, olds: oldRSs, unavailable: unavailable, createdNew: createdNew)
        await writeStatus(rt.deployments, fresh, status)
        return .awaitChange
    }

    /// Templates equal apart from the pod-template-hash label.
    static func sameTemplate(_ a: JSON?, _ b: JSON) -> Bool {
        guard var a else { return false }
        var b = b
        a[path: ["metadata", "labels", "pod-template-hash"]] = nil
        b[path: ["metadata", "labels", "pod-template-hash"]] = nil
        if a[path: ["metadata", "labels"]]?.objectValue?.isEmpty == true { a[path: ["metadata", "labels"]] = nil }
        if b[path: ["metadata", "labels"]]?.objectValue?.isEmpty == true { b[path: ["metadata", "labels"]] = nil }
        return a == b
    }

    static func revision(_ o: JSON) -> Int {
        Int(o[path: ["metadata", "annotations", revisionAnnotation]]?.stringValue ?? "") ?? 0
    }

    func createReplicaSet(for d: JSON, template: JSON, replicas: Int, revision: Int, surge: Int) async -> StoredObject? {
        let collision = d[path: ["status", "collisionCount"]]?.intValue
        let hash = SimIDs.templateHash(template, collisionCount: collision)
        let dname = d[path: ["metadata", "name"]]?.stringValue ?? ""
        let ns = d[path: ["metadata", "namespace"]]?.stringValue ?? ""
        var t = template
        t[path: ["metadata", "labels", "pod-template-hash"]] = .string(hash)
        var selector = d[path: ["spec", "selector"]] ?? [:]
        selector[path: ["matchLabels", "pod-template-hash"]] = .string(hash)
        var annotations: JSON = [:]
        for (key, v) in d[path: ["metadata", "annotations"]]?.objectValue ?? JSONObject()
        where key != "kubectl.kubernetes.io/last-applied-configuration" && key != Self.revisionAnnotation && !key.hasPrefix("deployment.kubernetes.io/") {
            annotations[key] = v
        }
        let desired = Int(d[path: ["spec", "replicas"]]?.intValue ?? 1)
        annotations["deployment.kubernetes.io/desired-replicas"] = .string(String(desired))
        annotations["deployment.kubernetes.io/max-replicas"] = .string(String(desired + surge))
        annotations[Self.revisionAnnotation] = .string(String(revision))
        var spec: JSON = ["replicas": .int(Int64(replicas)), "selector": selector, "template": t]
        if let m = d[path: ["spec", "minReadySeconds"]] { spec["minReadySeconds"] = m }
        let rs: JSON = [
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": ["name": .string("\(dname)-\(hash)"), "namespace": .string(ns), "labels": t[path: ["metadata", "labels"]] ?? [:],
                         "annotations": annotations, "ownerReferences": [Self.ownerReference(d)]],
            "spec": spec,
        ]
        do {
            let s = try await store.create(rt.replicaSets, namespace: ns, object: rs)
            noteWrite("apps/replicasets", s)
            return s
        } catch {
            // A ReplicaSet of that name exists: adopt it if it is ours and matches.
            if let existing = await store.lookup("apps/replicasets", namespace: ns, name: "\(dname)-\(hash)"),
                Self.controllerRef(existing.object)?.uid == d[path: ["metadata", "uid"]]?.stringValue
            {
                noteWrite("apps/replicasets", existing)
                return existing
            }
            return nil
        }
    }

    func patchReplicaSet(_ rs: StoredObject, replicas: Int? = nil, annotations: [String: String] = [:]) async -> StoredObject? {
        let name = rs.name
        let rsRT = rt.replicaSets
        do {
            let (s, _) = try await store.patch(rsRT, namespace: rs.namespace, name: name) { (cur: JSON?) throws(APIError) -> JSON in
                guard var o = cur else { throw APIError.notFound(rsRT, name) }
                if let replicas { o[path: ["spec", "replicas"]] = .int(Int64(replicas)) }
                for (k, v) in annotations { o[path: ["metadata", "annotations", k]] = .string(v) }
                return o
            }
            noteWrite("apps/replicasets", s)
            return s
        } catch {
            return nil
        }
    }

    func scaleReplicaSet(_ rs: StoredObject, to n: Int, deployment d: JSON, surge: Int) async -> StoredObject? {
        let from = Int(rs.object[path: ["spec", "replicas"]]?.intValue ?? 0)
        let desired = Int(d[path: ["spec", "replicas"]]?.intValue ?? 1)
        let s = await patchReplicaSet(rs, replicas: n, annotations: [
            "deployment.kubernetes.io/desired-replicas": String(desired),
            "deployment.kubernetes.io/max-replicas": String(desired + surge),
        ])
        if s != nil {
            await emit(d, reason: "ScalingReplicaSet",
                       message: "Scaled \(n > from ? "up" : "down") replica set \(rs.name) from \(from) to \(n)", component: "deployment-controller")
        }
        return s
    }

    /// Deletes the oldest empty ReplicaSets beyond `revisionHistoryLimit`.
    func cleanupHistory(_ olds: [StoredObject], limit: Int) async {
        let empty = olds.filter {
            ($0.object[path: ["spec", "replicas"]]?.intValue ?? 0) == 0 && ($0.object[path: ["status", "replicas"]]?.intValue ?? 0) == 0
        }
        guard empty.count > limit else { return }
        for rs in empty.prefix(empty.count - limit) {
            if let outcome = try? await store.delete(rt.replicaSets, namespace: rs.namespace, name: rs.name) {
                noteDelete("apps/replicasets", outcome)
            }
        }
    }

    func deploymentStatus(_ d: JSON, newRS: StoredObject?, olds: [StoredObject], unavailable: Int, createdNew: Bool) -> JSON {
        let now = Timestamp.format(clock())
        let all = olds + (newRS.map { [$0] } ?? [])
        func sum(_ f: String) -> Int64 { all.map { $0.object[path: ["status", f]]?.intValue ?? 0 }.reduce(0, +) }
        let desired = d[path: ["spec", "replicas"]]?.intValue ?? 1
        let replicas = sum("replicas")
        let ready = sum("readyReplicas")
        let available = sum("availableReplicas")
        let updated = newRS?.object[path: ["status", "replicas"]]?.intValue ?? 0
        var st = d["status"] ?? [:]
        let gen = d[path: ["metadata", "generation"]] ?? 1
        st["observedGeneration"] = gen
        st["replicas"] = replicas == 0 ? nil : .int(replicas)
        st["updatedReplicas"] = updated == 0 ? nil : .int(updated)
        st["readyReplicas"] = ready == 0 ? nil : .int(ready)
        st["availableReplicas"] = available == 0 ? nil : .int(available)
        let unavail = max(0, desired - available)
        st["unavailableReplicas"] = unavail == 0 ? nil : .int(unavail)
        var conds = st["conditions"]?.arrayValue ?? []
        func set(_ type: String, _ ok: Bool, _ reason: String, _ message: String) {
            if let i = conds.firstIndex(where: { $0["type"]?.stringValue == type }) {
                let c = conds[i]
                let sameStatus = c["status"]?.stringValue == (ok ? "True" : "False")
                if sameStatus && c["reason"]?.stringValue == reason && c["message"]?.stringValue == message { return }
                // Progressing stays progressing without churn: only reason changes update it.
                conds[i] = ["type": .string(type), "status": ok ? "True" : "False",
                            "lastUpdateTime": .string(now),
                            "lastTransitionTime": sameStatus ? (c["lastTransitionTime"] ?? .string(now)) : .string(now),
                            "reason": .string(reason), "message": .string(message)]
            } else {
                conds.append(["type": .string(type), "status": ok ? "True" : "False", "lastUpdateTime": .string(now),
                              "lastTransitionTime": .string(now), "reason": .string(reason), "message": .string(message)])
            }
        }
        if available >= desired - Int64(unavailable) {
            set("Available", true, "MinimumReplicasAvailable", "Deployment has minimum availability.")
        } else {
            set("Available", false, "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")
        }
        if let n = newRS {
            let complete = updated == desired && replicas == desired && available == desired
                && (n.object[path: ["spec", "replicas"]]?.intValue ?? 0) == desired
            let prog = conds.first { $0["type"]?.stringValue == "Progressing" }
            if d[path: ["spec", "paused"]]?.boolValue == true {
                set("Progressing", false, "DeploymentPaused", "Deployment is paused")
            } else if complete {
                set("Progressing", true, "NewReplicaSetAvailable", "ReplicaSet \"\(n.name)\" has successfully progressed.")
            } else if createdNew {
                set("Progressing", true, "NewReplicaSetCreated", "Created new replica set \"\(n.name)\"")
            } else if prog == nil {
                set("Progressing", true, "FoundNewReplicaSet", "Found new replica set \"\(n.name)\"")
            } else {
                let prevSt = d["status"] ?? [:]
                let changed = prevSt["replicas"] != st["replicas"] || prevSt["updatedReplicas"] != st["updatedReplicas"]
                    || prevSt["availableReplicas"] != st["availableReplicas"] || prevSt["readyReplicas"] != st["readyReplicas"]
                if changed || prog?["reason"]?.stringValue == "NewReplicaSetAvailable" {
                    set("Progressing", true, "ReplicaSetUpdated", "ReplicaSet \"\(n.name)\" is progressing.")
                }
            }
        }
        // Available first, Progressing second, as the controller orders them.
        conds.sort { ($0["type"]?.stringValue == "Available" ? 0 : 1) < ($1["type"]?.stringValue == "Available" ? 0 : 1) }
        st["conditions"] = .array(conds)
        return st
    }
}
