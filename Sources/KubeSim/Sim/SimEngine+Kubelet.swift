extension SimEngine {
    /// The scheduler (binds unbound pods to the node) and the kubelet (runs
    /// the pod's containers through their timed transitions, reports status,
    /// finishes graceful deletions).
    func reconcilePod(_ k: String) async -> Requeue {
        guard let obj = cached("pods", k) else {
            runtimes[k] = nil
            return .awaitChange
        }
        let view = PodView(pod: obj.object)
        let now = clock()
        if view.nodeName.isEmpty {
            await bind(obj, view)
            return .awaitChange
        }
        guard view.nodeName == Self.nodeName else { return .awaitChange }

        var run: PodRuntime
        if let r = runtimes[k], r.uid == view.uid {
            run = r
        } else {
            if view.isTerminal { return .awaitChange }
            nextIP += 1
            run = PodRuntime(view: view, podIP: SimIDs.podIP(nextIP), now: now)
            await emit(obj.object, reason: "Scheduled", message: "Successfully assigned \(view.namespace)/\(view.name) to \(Self.nodeName)",
                       component: "default-scheduler")
        }

        if view.deletionTimestamp != nil {
            return await terminate(obj, view, &run, now: now)
        }
        if view.isTerminal {
            runtimes[k] = run
            return .awaitChange
        }
        let happenings = run.advance(to: now, view: view)
        let status = run.status(view: view, current: obj.object["status"] ?? [:], now: now)
        runtimes[k] = run
        await writeStatus(rt.pods, obj, status)
        for h in happenings {
            await emit(obj.object, fieldPath: h.fieldPath, reason: h.reason, message: h.message, warning: h.warning,
                       component: "kubelet", host: Self.nodeName)
        }
        return run.nextDue(view: view).map { .at($0) } ?? .awaitChange
    }

    func bind(_ obj: StoredObject, _ view: PodView) async {
        let uid = view.uid
        let pods = rt.pods
        do {
            // Through `binding`: the main resource refuses spec changes.
            let (s, _) = try await store.patch(pods, namespace: view.namespace, name: view.name, subresource: "binding") { (cur: JSON?) throws(APIError) -> JSON in
                guard var o = cur, o[path: ["metadata", "uid"]]?.stringValue == uid,
                    (o[path: ["spec", "nodeName"]]?.stringValue ?? "").isEmpty, o[path: ["metadata", "deletionTimestamp"]] == nil
                else { throw APIError.conflict(pods, view.name, "already bound or gone") }
                o[path: ["spec", "nodeName"]] = .string(SimEngine.nodeName)
                return o
            }
            noteWrite("pods", s)
        } catch {}
    }

    /// Graceful deletion: stop the containers after `termination-seconds`
    /// (never more than the grace period), report it, remove the pod.
    func terminate(_ obj: StoredObject, _ view: PodView, _ run: inout PodRuntime, now: Double) async -> Requeue {
        let k = view.key
        if run.killAt == nil {
            let grace = view.deletionGraceSeconds ?? 30
            run.killAt = now + min(view.annotations.terminationSeconds, max(0, grace))
            for c in run.containers where c.isRunning {
                await emit(obj.object, fieldPath: "spec.containers{\(c.name)}", reason: "Killing", message: "Stopping container \(c.name)",
                           component: "kubelet", host: Self.nodeName)
            }
        }
        guard let killAt = run.killAt, now >= killAt else {
            runtimes[k] = run
            return .at(run.killAt ?? now)
        }
        if !run.killed {
            run.stopAll(at: now, view: view)
            let status = run.status(view: view, current: obj.object["status"] ?? [:], now: now)
            runtimes[k] = run
            await writeStatus(rt.pods, obj, status)
        }
        do {
            let outcome = try await store.delete(rt.pods, namespace: view.namespace, name: view.name,
                                                 options: DeleteOptions(preconditionUID: view.uid, gracePeriodSeconds: 0))
            noteDelete("pods", outcome)
        } catch {}
        runtimes[k] = nil
        return .awaitChange
    }
}
