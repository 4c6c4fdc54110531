import Foundation
import Kube
import VigilAPI
import VigilHTTP
import VigilJSON
import VigilPrometheus
import VigilRuntime

extension HealthCheckReconciler {
    typealias Record = HealthCheckProgress.Record

    /// The name of run `number`'s Job: the check's name and the run number, at most 63 characters
    /// (a longer name keeps its start and a hash of the whole, so two long names stay distinct).
    static func jobName(_ check: String, run number: Int64) -> String {
        let suffix = "-\(number)"
        return KubernetesNames.truncated(check, limit: 63 - suffix.count) + suffix
    }

    /// The check's name as a label value (at most 63 characters, hashed when longer).
    static func labelValue(_ check: String) -> String { KubernetesNames.truncated(check, limit: 63) }

    /// Looks at the run in flight; returns its record once it is over.
    func observe(_ current: HealthCheckProgress.Current, _ hc: HealthCheck, _ subject: EventRecorder.Subject, _ w: inout Working, now: RFC3339Time) async throws -> Record? {
        func record(_ result: HealthCheckProgress.Result, _ message: String, duration: Double? = nil) -> Record {
            Record(
                number: current.number, scheduledAt: current.scheduledAt, startedAt: current.startedAt, finishedAt: now, result: result, message: message,
                durationSeconds: duration ?? max(0, now.secondsSinceEpoch - current.startedAt.secondsSinceEpoch), job: current.job)
        }
        switch hc.spec.check {
        case .http(let h):
            switch probes.state(Self.probeID(uid: subject.uid, run: current.number)) {
            case .done(let o):
                return record(o.passed ? .succeeded : .failed, o.message, duration: o.durationSeconds)
            case .running:
                // The probe's end wakes the resource; this is only the backstop.
                w.wake(after: max(1, current.startedAt.secondsSinceEpoch + h.timeout.seconds + 1 - now.secondsSinceEpoch))
                return nil
            case .unknown:
                if case .inProgress(_, let after) = ledger.decide(w.effects, key: Self.checkKey(uid: subject.uid, run: current.number), owner: replica, now: now) {
                    w.wake(after: after)
                    return nil
                }
                return record(.unknown, "run \(current.number) was started by \(current.owner), which stopped before recording the answer (the probe may or may not have been sent); it is not sent again: a run is made at most once")
            }
        case .job(let j):
            guard let name = current.job else { return record(.unknown, "no Job was recorded for this run") }
            let job: JSON
            do {
                job = try JSON.parse(try await client.send(.get(.jobs, namespace: subject.namespace, name: name)).body)
            } catch let error as KubeError where error.isNotFound {
                return record(.unknown, "Job \(name) no longer exists: it was deleted before its result was read")
            }
            let deadline = current.startedAt.secondsSinceEpoch + j.timeout.seconds
            switch ActionExecutor.JobState(job) {
            case .running:
                if now.secondsSinceEpoch >= deadline + Self.jobGrace {
                    var options = DeleteOptions()
                    options.propagationPolicy = "Background"
                    _ = try? await client.delete(.jobs, namespace: subject.namespace, name: name, options: options)
                    return record(.failed, "Job \(name) did not finish within \(j.timeout.text) (timeout); it was deleted")
                }
                w.wake(after: min(Self.jobPoll, max(deadline + Self.jobGrace - now.secondsSinceEpoch, 0.5)))
                return nil
            case .complete:
                let log = try? await executor.jobLog(namespace: subject.namespace, job: name, tailLines: 200)
                var r = record(.succeeded, "Job \(name) completed")
                r.metrics = HealthCheckJobOutput.metrics(in: log?.log ?? "")
                return r
            case .failed(let why):
                let log = try? await executor.jobLog(namespace: subject.namespace, job: name, tailLines: 200)
                var r = record(.failed, "Job \(name) failed" + (why.isEmpty ? "" : " (\(why))"))
                if let text = log?.log {
                    r.log = HealthCheckJobOutput.tail(text)
                    r.metrics = HealthCheckJobOutput.metrics(in: text)
                    if let last = HealthCheckJobOutput.lastLine(text) { r.message += "; last log line: \(last)" }
                }
                return r
            }
        case .promql:
            return record(.unknown, "a promql check is recorded when it starts; this run record is left over from another version of the spec")
        }
    }

    /// Starts run `number` for `slot`. Returns the HTTP probe to send once the run is recorded.
    func start(
        number: Int64, slot: RFC3339Time, next: RFC3339Time?, _ hc: HealthCheck, _ subject: EventRecorder.Subject, _ w: inout Working, now: RFC3339Time
    ) async throws -> (id: String, request: HTTPRequest, check: HealthCheckProbe.HTTP)? {
        let spec = hc.spec
        switch spec.check {
        case .http(let h):
            w.progress.runs = number
            w.progress.nextRunAt = next
            w.progress.current = .init(number: number, scheduledAt: slot, startedAt: now, owner: replica)
            w.effects = ledger.recordPending(w.effects, key: Self.checkKey(uid: subject.uid, run: number), action: "check:http", owner: replica, now: now)
            var headers = h.headers.map { ($0.name, $0.value) }
            if !h.headers.contains(where: { $0.name.lowercased() == "user-agent" }) { headers.append(("User-Agent", "vigil-healthcheck/1")) }
            headers += [("Vigil-HealthCheck", "\(subject.namespace)/\(subject.name)"), ("Vigil-Run", String(number)), ("Vigil-Scheduled-At", slot.text)]
            let request = HTTPRequest(method: h.method, url: h.url, headers: headers, body: h.body.map { Array($0.utf8) }, timeout: .milliseconds(h.timeout.milliseconds))
            return (Self.probeID(uid: subject.uid, run: number), request, h)

        case .job(let j):
            let name = Self.jobName(subject.name, run: number)
            var serviceAccount: String?
            do {
                if let level = spec.level { serviceAccount = try await rbac.ensure(hc, uid: subject.uid, level: level, now: now.secondsSinceEpoch) }
                try await executor.createJob(
                    name: name, namespace: subject.namespace, owner: subject,
                    labels: ["vigil.dev/healthcheck": Self.labelValue(subject.name), "vigil.dev/run": String(number)], spec: Self.jobSpec(j, run: number, check: subject.name, serviceAccount: serviceAccount),
                    dryRun: false)
            } catch let failure as PermanentEffectFailure {
                // Not the check failing: it could not be started. Recorded, never a reason for the remedy.
                let r = Record(number: number, scheduledAt: slot, startedAt: now, finishedAt: now, result: .unknown, message: "could not start the check's Job: \(failure.message)")
                recordAtOnce(r, next: next, spec, subject, &w, now: now)
                return nil
            }
            w.progress.runs = number
            w.progress.nextRunAt = next
            w.progress.current = .init(number: number, scheduledAt: slot, startedAt: now, owner: replica, job: name)
            w.wake(after: Self.jobPoll)
            return nil

        case .promql(let q):
            let view = poller.latest(for: Self.subscriber(ObjectKey(namespace: subject.namespace, name: subject.name)))
            let source = q.source ?? CounterMeasureSpec.defaultSource
            guard let view else {
                // Not polled yet (just registered, e.g. by a new owner after a failover): wait a little for the first answer.
                let since = max(slot.secondsSinceEpoch, pollerWaits.registeredAt(Self.subscriber(ObjectKey(namespace: subject.namespace, name: subject.name))) ?? 0)
                if now.secondsSinceEpoch - since < 60 {
                    w.wake(after: 1)
                    return nil
                }
                let r = Record(number: number, scheduledAt: slot, startedAt: now, finishedAt: now, result: .unknown, message: "Prometheus source \(source) has not answered yet")
                recordAtOnce(r, next: next, spec, subject, &w, now: now)
                return nil
            }
            recordAtOnce(Self.judge(q, view: view, source: source, number: number, slot: slot, now: now), next: next, spec, subject, &w, now: now)
            return nil
        }
    }

    /// A run that is over as it starts (a promql verdict, a Job that could not be created):
    /// recorded in the same write that starts it.
    func recordAtOnce(_ r: Record, next: RFC3339Time?, _ spec: HealthCheckSpec, _ subject: EventRecorder.Subject, _ w: inout Working, now: RFC3339Time) {
        w.progress.runs = r.number
        w.progress.nextRunAt = next
        w.notes += HealthCheckEvaluator.finish(spec, &w.progress, r, now: now)
        metrics.recorded(r, namespace: subject.namespace, name: subject.name)
    }

    /// A PromQL check's verdict on the poller's latest answer. Missing data
    /// (unreachable, a failed query) is Unknown, never a failure.
    static func judge(_ q: HealthCheckProbe.PromQL, view: PrometheusView, source: String, number: Int64, slot: RFC3339Time, now: RFC3339Time) -> Record {
        func record(_ result: HealthCheckProgress.Result, _ message: String) -> Record {
            Record(number: number, scheduledAt: slot, startedAt: now, finishedAt: now, result: result, message: message, durationSeconds: 0)
        }
        if case .unreachable(let error, _) = view.reachability { return record(.unknown, "Prometheus source \(source) is unreachable: \(error)") }
        let samples: [(labels: [String: String], value: String)]
        switch view.content {
        case .failed(let e): return record(.unknown, "the query failed: \(e)")
        case .samples(let s): samples = s.map { ($0.labels, $0.value.text) }
        case .scalar(let v): samples = [([:], v.text)]
        case .alerts: return record(.unknown, "the poller answered with alerts, not series")
        case .unavailable: return record(.unknown, "Prometheus source \(source) has no current data (unreachable)")
        }
        let polled = "polled at \(view.fetchedAtWall.text)"
        switch (q.failWhen, samples.isEmpty) {
        case (.nonEmpty, false):
            let first = samples[0]
            var r = record(.failed, "\(samples.count) series returned (\(polled)); first: \(CounterMeasureEvaluator.describe(first.labels)) = \(first.value)")
            r.labels = first.labels
            r.value = first.value
            return r
        case (.nonEmpty, true): return record(.succeeded, "no series returned (\(polled))")
        case (.empty, true): return record(.failed, "no series returned, and failWhen is empty (\(polled))")
        case (.empty, false): return record(.succeeded, "\(samples.count) series returned (\(polled))")
        }
    }

    /// The Job spec of one run: the template with the run's labels, no retries beyond `backoffLimit`, stopped by Kubernetes at the timeout.
    static func jobSpec(_ j: HealthCheckProbe.Job, run: Int64, check: String, serviceAccount: String?) -> JSON {
        var template = j.template
        var labels = template[path: ["metadata", "labels"]]?.objectValue ?? JSONObject()
        labels["vigil.dev/healthcheck"] = .string(Self.labelValue(check))
        labels["vigil.dev/run"] = .string(String(run))
        var metadata = template["metadata"]?.objectValue ?? JSONObject()
        metadata["labels"] = .object(labels)
        template["metadata"] = .object(metadata)
        var pod = template["spec"]?.objectValue ?? JSONObject()
        if pod["restartPolicy"] == nil { pod["restartPolicy"] = "Never" }
        if let serviceAccount { pod["serviceAccountName"] = .string(serviceAccount) }
        template["spec"] = .object(pod)
        return [
            "template": template, "backoffLimit": .int(j.backoffLimit), "ttlSecondsAfterFinished": .int(j.ttlSecondsAfterFinished),
            "activeDeadlineSeconds": .int(max(1, j.timeout.milliseconds / 1000)),
        ]
    }
}
