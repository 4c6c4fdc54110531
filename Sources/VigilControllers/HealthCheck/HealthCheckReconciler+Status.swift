import Foundation
import Kube
import VigilAPI
import VigilJSON
import VigilRuntime

extension HealthCheckReconciler {
    /// The whole status this reconcile owns, from the working state.
    func statusJSON(_ hc: HealthCheck, _ w: Working, generation: Int64?, now: RFC3339Time) -> JSON {
        var o = w.progress.json.objectValue ?? JSONObject()
        o["observedGeneration"] = generation.map { .int($0) } ?? .null
        o["schedule"] = .string(hc.spec.schedule.summary)
        o["check"] = .string(hc.spec.check.summary)
        let previous = w.stored["conditions"]?.arrayValue ?? []
        o["conditions"] = .array(HealthCheckEvaluator.conditions(hc.spec, w.progress, now: now).map {
            StatusFields.condition($0.type, ($0.status, $0.reason, $0.message), previous: previous, generation: generation, now: now)
        })
        if !w.effects.isEmpty { o["effects"] = EffectLedger.json(w.effects) }
        return .object(o)
    }

    /// Writes the status if it changed, conditional on the version it was
    /// decided on. False when someone else wrote first (nothing written).
    func persist(_ key: ObjectKey, _ hc: HealthCheck, _ w: inout Working, generation: Int64?, now: RFC3339Time) async throws -> Bool {
        let status = statusJSON(hc, w, generation: generation, now: now)
        if status == w.stored { return true }
        guard let rv = try await writeStatus(key, status, resourceVersion: w.resourceVersion) else { return false }
        w.resourceVersion = rv
        w.stored = status
        return true
    }

    /// Replaces `status` if the object is still at `resourceVersion`; the
    /// new version, or nil on a conflict (or when the object is gone).
    func writeStatus(_ key: ObjectKey, _ status: JSON, resourceVersion: String) async throws -> String? {
        let patch: JSON = [
            .obj(["op": "test", "path": "/metadata/resourceVersion", "value": .string(resourceVersion)]),
            .obj(["op": "add", "path": "/status", "value": status]),
        ]
        do {
            let written = try await client.patch(Self.descriptor, namespace: key.namespace, name: key.name, subresource: "status", type: .json, body: patch.serialized())
            ownWrites.wrote(key, resourceVersion: written.metadata.resourceVersion)
            return written.metadata.resourceVersion ?? ""
        } catch {
            if error.isConflict || error.statusCode == 422 || error.isNotFound { return nil }
            throw error
        }
    }

    /// Ready=False with `reason`, once per distinct problem (the rest of status kept).
    func writeInvalid(_ key: ObjectKey, _ subject: EventRecorder.Subject, object: HealthCheckObject, reason: String, message: String, now: RFC3339Time) async throws {
        let current = object.document["status"] ?? .object(JSONObject())
        let generation = object.metadata.generation
        let previous = current["conditions"]?.arrayValue ?? []
        let old = previous.first { $0["type"]?.stringValue == "Ready" }
        if old?["reason"]?.stringValue == reason && old?["message"]?.stringValue == message && current["observedGeneration"]?.intValue == generation { return }
        var o = current.objectValue ?? JSONObject()
        o["observedGeneration"] = generation.map { .int($0) } ?? .null
        var conditions = previous.filter { $0["type"]?.stringValue != "Ready" }
        conditions.insert(StatusFields.condition("Ready", (.false, reason, message), previous: previous, generation: generation, now: now), at: 0)
        o["conditions"] = .array(conditions)
        _ = try await writeStatus(key, .object(o), resourceVersion: object.metadata.resourceVersion ?? "")
        await events.announce(subject, .init(warning: true, reason: reason, message: message), logger: logger)
    }

    /// Runs (or goes on with) the remedy decided for a failed run, through
    /// the action engine and the ledger, and records how it stands.
    func runRemedy(_ remedy: HealthCheckSpec.Remedy, _ hc: HealthCheck, _ subject: EventRecorder.Subject, _ key: ObjectKey, _ w: inout Working) async throws {
        guard let run = w.progress.remedy.running else { return }
        if w.progress.remedy.steps.isEmpty, let wait = budget.take() {
            // Not started yet, and the replica's cap on runs per minute is used up: it waits, and says so.
            let message = "waiting for the action cap (actions.maxRunsPerMinute \(Int(budget.perMinute)) in vigil.yaml)"
            if w.progress.remedy.message != message {
                w.progress.remedy.message = message
                w.notes.append(.init(warning: true, reason: "RateLimited", message: "the remedy for run \(run) waits: \(message)"))
                if !(try await persist(key, hc, &w, generation: hc.generation, now: now())) { w.wake(after: 1) }
            }
            w.wake(after: wait)
            return
        }
        // What the failed run said is kept with the remedy (a status written by an earlier version kept it only in history).
        let failed = w.progress.history.first { $0.number == run }
        let r = w.progress.remedy
        let values = TemplateValues(namespace: key.namespace, labels: r.labels ?? failed?.labels ?? [:], value: r.value ?? failed?.value, resourceName: key.name)
        let check = hc.spec.check.summary
        let message = r.cause ?? failed?.message ?? ""
        let engineRun = ActionEngine.Run(
            subject: subject, resource: Self.descriptor, instance: "run/\(run)", target: "remedy", namespace: key.namespace, values: values,
            dryRun: w.progress.remedy.dryRun,
            defaultWebhookBody: { steps in Self.webhookBody(subject: subject, run: run, check: check, message: message, steps: steps) })
        let store = EffectLedgerStore(
            client: client, resource: Self.descriptor, namespace: key.namespace, name: key.name, owner: replica, policy: ledgerPolicy, clock: clock,
            wallClockAtZero: wallClockAtZero)
        let outcome: ActionEngine.Outcome
        do {
            outcome = try await engine.run(remedy.actions, engineRun, ledger: store, cached: nil)
        } catch EffectLedgerError.objectNotFound {
            return
        }
        w.notes += outcome.announcements(previous: w.progress.remedy.steps, dryRun: w.progress.remedy.dryRun)
        w.progress.remedy.steps = outcome.steps.map(ActionStepRecord.init)
        if outcome.finished {
            w.progress.remedy.running = nil
            w.progress.remedy.lastResult = "Succeeded"
            w.progress.remedy.message = nil
            w.notes.append(.init(reason: "RemedySucceeded", message: "the remedy for run \(run) finished: \(outcome.steps.count) action\(outcome.steps.count == 1 ? "" : "s")"))
            metrics.remedy(result: "succeeded", namespace: key.namespace, name: key.name)
        } else if outcome.failed {
            w.progress.remedy.running = nil
            w.progress.remedy.lastResult = "Failed"
            w.progress.remedy.message = outcome.steps.last?.error
            metrics.remedy(result: "failed", namespace: key.namespace, name: key.name)
        } else {
            w.progress.remedy.message = outcome.steps.last.map { "action \($0.index) (\($0.type)) \($0.phase.rawValue.lowercased()): \($0.error ?? "")" }
            if let after = outcome.retryAfter { w.wake(after: after) }
        }
        // The engine wrote the ledger: write on top of the version it left.
        for _ in 0..<4 {
            let fresh: JSON
            do {
                fresh = try JSON.parse(try await client.send(.get(Self.descriptor, namespace: key.namespace, name: key.name)).body)
            } catch let error as KubeError where error.isNotFound {
                return
            }
            w.effects = (try? EffectLedgerSnapshot(object: fresh))?.entries ?? []
            w.resourceVersion = fresh[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""
            w.stored = fresh["status"] ?? .object(JSONObject())
            if try await persist(key, hc, &w, generation: hc.generation, now: now()) { return }
        }
        w.wake(after: 1)
    }

    /// The body a remedy's `webhook` action without its own `body` sends.
    static func webhookBody(subject: EventRecorder.Subject, run: Int64, check: String, message: String, steps: [ActionEngine.Step]) -> [UInt8] {
        var o = JSONObject()
        o["type"] = "vigil.healthcheck.remedy"
        o["resource"] = .obj(["apiVersion": .string(subject.apiVersion), "kind": .string(subject.kind), "namespace": .string(subject.namespace), "name": .string(subject.name), "uid": .string(subject.uid)])
        o["check"] = .string(check)
        o["run"] = .int(run)
        o["message"] = .string(message)
        o["actions"] = .array(steps.map { .obj(["index": .int(Int64($0.index)), "type": .string($0.type), "phase": .string($0.phase.rawValue), "summary": .string($0.summary)]) })
        return JSON.object(o).serialized()
    }
}
