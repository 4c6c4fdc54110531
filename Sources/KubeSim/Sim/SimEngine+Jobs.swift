extension SimEngine {
    /// The Job controller: runs pods up to `parallelism` until `completions`
    /// succeed or more than `backoffLimit` fail; reports counts, times and the
    /// SuccessCriteriaMet/Complete or FailureTarget/Failed conditions.
    func reconcileJob(_ k: String) async -> Requeue {
        guard let job = cached("batch/jobs", k), job.object[path: ["metadata", "deletionTimestamp"]] == nil else { return .awaitChange }
        let o = job.object
        let uid = o[path: ["metadata", "uid"]]?.stringValue ?? ""
        let conds = o[path: ["status", "conditions"]]?.arrayValue ?? []
        let finished = conds.contains {
            ["Complete", "Failed"].contains($0["type"]?.stringValue ?? "") && $0["status"]?.stringValue == "True"
        }
        let pods = ownedObjects("pods", by: uid)
        func phase(_ p: StoredObject) -> String { p.object[path: ["status", "phase"]]?.stringValue ?? "" }
        var active = pods.filter { Self.isActivePod($0.object) }
        let succeeded = pods.filter { phase($0) == "Succeeded" }.count
        let failed = pods.filter { phase($0) == "Failed" }.count
        let terminating = pods.filter { $0.object[path: ["metadata", "deletionTimestamp"]] != nil && !["Succeeded", "Failed"].contains(phase($0)) }.count
        let completions = o[path: ["spec", "completions"]]?.intValue.map(Int.init)
        let parallelism = Int(o[path: ["spec", "parallelism"]]?.intValue ?? 1)
        let backoffLimit = Int(o[path: ["spec", "backoffLimit"]]?.intValue ?? 6)
        let suspended = o[path: ["spec", "suspend"]]?.boolValue == true
        let now = clock()
        let nowText = Timestamp.format(now)

        var st = o["status"] ?? [:]
        var newConds = conds
        var outcome: (type: String, reason: String, message: String)? = nil
        if !finished {
            if failed > backoffLimit {
                outcome = ("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
            } else if let c = completions, succeeded >= c {
                outcome = ("Complete", "CompletionsReached", "Reached expected number of succeeded pods")
            } else if completions == nil, succeeded > 0, active.isEmpty {
                outcome = ("Complete", "CompletionsReached", "Reached expected number of succeeded pods")
            }
        }
        if let outcome {
            // Stop what still runs.
            for p in active {
                if let r = try? await store.delete(rt.pods, namespace: p.namespace, name: p.name) { noteDelete("pods", r) }
            }
            active = []
            let interim = outcome.type == "Complete" ? "SuccessCriteriaMet" : "FailureTarget"
            for t in [interim, outcome.type] {
                newConds.append(["type": .string(t), "status": "True", "lastProbeTime": .string(nowText), "lastTransitionTime": .string(nowText),
                                 "reason": .string(outcome.reason), "message": .string(outcome.message)])
            }
            if outcome.type == "Complete" {
                st["completionTime"] = .string(nowText)
                await emit(o, reason: "Completed", message: "Job completed", component: "job-controller")
            } else {
                await emit(o, reason: "BackoffLimitExceeded", message: outcome.message, warning: true, component: "job-controller")
            }
        } else if !finished && !suspended {
            let remaining = completions.map { max(0, $0 - succeeded) } ?? (succeeded > 0 ? 0 : parallelism)
            let want = min(parallelism, remaining)
            if active.count < want {
                let template = o[path: ["spec", "template"]] ?? [:]
                for _ in 0..<(want - active.count) {
                    let pod = Self.podFromTemplate(template, owner: o, generateName: job.name + "-")
                    do {
                        let s = try await store.create(rt.pods, namespace: job.namespace, object: pod)
                        noteWrite("pods", s)
                        active.append(s)
                        await emit(o, reason: "SuccessfulCreate", message: "Created pod: \(s.name)", component: "job-controller")
                    } catch { break }
                }
            } else if active.count > want {
                for p in active.suffix(active.count - want) {
                    if let r = try? await store.delete(rt.pods, namespace: p.namespace, name: p.name) { noteDelete("pods", r) }
                }
                active = Array(active.prefix(want))
            }
        }
        if st["startTime"] == nil && !suspended { st["startTime"] = .string(nowText) }
        st["active"] = active.isEmpty ? nil : .int(Int64(active.count))
        st["succeeded"] = succeeded == 0 ? nil : .int(Int64(succeeded))
        st["failed"] = failed == 0 ? nil : .int(Int64(failed))
        st["terminating"] = .int(Int64(terminating))
        st["ready"] = .int(Int64(active.filter { Self.isPodReady($0.object) }.count))
        st["uncountedTerminatedPods"] = [:]
        st["conditions"] = newConds.isEmpty ? nil : .array(newConds)
        await writeStatus(rt.jobs, job, st)
        return .awaitChange
    }
}
