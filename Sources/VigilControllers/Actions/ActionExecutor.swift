import Foundation
import Kube
import Metrics
import VigilAPI
import VigilHTTP
import VigilJSON
import VigilRuntime

/// Carries out one `RenderedAction` against the cluster: the effect the
/// ledger wraps, shared by every resource kind. Every action is safe to
/// repeat under the same effect key (the ledger re-runs a `Pending` one after
/// a failover): deletes count NotFound as done; a debug container and a Job
/// are named after the key, so a repeat finds the one already made; a
/// restart stamps the key on the pod template; a scale keeps the count saved
/// before the first one; a webhook sends the key as `webhook-id`.
///
/// Throws `PermanentEffectFailure` for what no retry fixes (4xx answers, a
/// missing pod, a failed Job; a 403 names the verb, the resource and how to
/// grant it) and any other error for what a retry may fix.
public struct ActionExecutor: Sendable {
    /// What the executor needs to know about the run.
    public struct Context: Sendable {
        /// The resource whose action this is (owner of captured output, subject of Events).
        public var subject: EventRecorder.Subject
        /// The namespace acted in.
        public var namespace: String
        public var key: EffectKey
        /// Send Kubernetes writes with `dryRun=All` and call no webhook.
        public var dryRun: Bool
        /// The body a `webhook` without its own `body` sends.
        public var defaultWebhookBody: @Sendable () -> [UInt8]

        public init(subject: EventRecorder.Subject, namespace: String, key: EffectKey, dryRun: Bool, defaultWebhookBody: @escaping @Sendable () -> [UInt8]) {
            self.subject = subject
            self.namespace = namespace
            self.key = key
            self.dryRun = dryRun
            self.defaultWebhookBody = defaultWebhookBody
        }
    }

    /// What an action did.
    public struct Result: Sendable, Equatable {
        /// For status and Events: `deleted pod shop/web-1`, `would delete … (dry run)`.
        public var summary: String
        /// Captured output (`debug`, `job` with `capture: true`).
        public var output: CapturedOutput?
        public init(summary: String, output: CapturedOutput? = nil) {
            self.summary = summary
            self.output = output
        }
    }

    /// The label users put on a ClusterRole to grant Vigil more (aggregated into Vigil's role).
    public static let aggregationLabel = "rbac.vigil.dev/aggregate-to-vigil"

    let client: KubeClient
    let http: HTTPClient
    let replica: String
    let clock: any RuntimeClock
    let events: EventRecorder
    let kinds: KindResolver
    let outputs: OutputStore
    /// How often a debug container or Job is looked at while waiting.
    let pollInterval: Double
    /// Unix seconds at `clock.now() == 0` (restart stamps wall-clock time).
    let wallClockAtZero: Double

    public init(
        client: KubeClient, http: HTTPClient, replica: String, clock: any RuntimeClock = SystemClock(), wallClockAtZero: Double? = nil,
        pollInterval: Double = 0.5, keepOutputs: Int = 10
    ) {
        self.wallClockAtZero = wallClockAtZero ?? (Date().timeIntervalSince1970 - clock.now())
        self.client = client
        self.http = http
        self.replica = replica
        self.clock = clock
        self.events = EventRecorder(client: client, instance: replica)
        self.kinds = KindResolver(client: client)
        self.outputs = OutputStore(client: client, keep: keepOutputs)
        self.pollInterval = pollInterval
    }

    /// Carries out `action` and counts it in
    /// `vigil_actions_total{shard, kind, action, result}` (`succeeded`,
    /// `dry_run`, `failed`; a cancelled action is not counted).
    public func execute(_ action: RenderedAction, _ c: Context) async throws -> Result {
        let result: Result
        do {
            result = try await carryOut(action, c)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // A cancelled task's request fails as a transport error: not the action's failure.
            if !Task.isCancelled { count(action, c, "failed") }
            throw error
        }
        count(action, c, c.dryRun ? "dry_run" : "succeeded")
        return result
    }

    func count(_ action: RenderedAction, _ c: Context, _ result: String) {
        Counter(
            label: "vigil_actions_total", dimensions: [("shard", replica), ("kind", c.subject.kind), ("action", action.type), ("result", result)]
        ).increment()
    }

    func carryOut(_ action: RenderedAction, _ c: Context) async throws -> Result {
        let ns = c.namespace
        let write = WriteOptions(dryRun: c.dryRun)
        let would = c.dryRun ? "would " : ""
        let suffix = c.dryRun ? " (dry run: sent with dryRun=All)" : ""
        switch action {
        case .deletePod(let name, let grace):
            do {
                try await client.delete(.pods, namespace: ns, name: name, options: DeleteOptions(gracePeriodSeconds: grace, dryRun: c.dryRun))
            } catch {
                if error.isNotFound { return Result(summary: "pod \(ns)/\(name) was already gone") }
                throw Self.classify(error, verb: "delete", resource: "pods", namespace: ns, name: name)
            }
            return Result(summary: "\(would)delete pod \(ns)/\(name)\(suffix)")
        case .delete(let apiVersion, let kind, let name):
            let d = try await kinds.resolve(apiVersion: apiVersion, kind: kind)
            do {
                try await client.delete(d, namespace: ns, name: name, options: DeleteOptions(dryRun: c.dryRun))
            } catch {
                if error.isNotFound { return Result(summary: "\(kind) \(ns)/\(name) was already gone") }
                throw Self.classify(error, verb: "delete", resource: d.plural, group: d.group, namespace: ns, name: name)
            }
            return Result(summary: "\(would)delete \(kind) \(ns)/\(name)\(suffix)")
        case .patch(let apiVersion, let kind, let name, let type, let body):
            let d = try await kinds.resolve(apiVersion: apiVersion, kind: kind)
            let t: PatchType = switch type {
            case .merge: .merge
            case .json: .json
            case .strategic: .strategic
            }
            do {
                _ = try await client.patch(d, namespace: ns, name: name, type: t, body: body.serialized(), options: write)
            } catch {
                throw Self.classify(error, verb: "patch", resource: d.plural, group: d.group, namespace: ns, name: name)
            }
            return Result(summary: "\(would)\(type.rawValue)-patch \(kind) \(ns)/\(name)\(suffix)")
        case .restart(let kind, let name):
            return try await restart(kind: kind, name: name, c)
        case .scale(let kind, let name, let replicas):
            return try await scale(kind: kind, name: name, replicas: replicas, c)
        case .scaleDown(let selectors):
            let workloads = try await Self.workloads(client, namespace: ns)
            let patches = ScaleDownPlanner.scaleDown(workloads, selectors: selectors, namespace: ns)
            try await Self.apply(patches, client, options: write)
            if patches.isEmpty { return Result(summary: "nothing to scale down in \(ns)") }
            return Result(summary: "\(would)" + patches.map(\.description).joined(separator: "; ") + suffix)
        case .resize(let pod, let container, let memory, let cpu):
            return try await resize(pod: pod, container: container, memory: memory, cpu: cpu, c)
        case .raiseMemory(let r):
            return try await raiseMemory(r, c)
        case .debug(let pod, let target, let image, let command, let args, let capture, let timeout):
            return try await debug(pod: pod, target: target, image: image, command: command, args: args, capture: capture, timeout: timeout, c)
        case .job(let template, let wait, let timeout, let capture):
            return try await job(template: template, wait: wait, timeout: timeout, capture: capture, c)
        case .webhook(let w, let body):
            if c.dryRun { return Result(summary: "would send a webhook to \(w.url) (dry run: not called)") }
            try await webhook(w, body: body ?? c.defaultWebhookBody(), key: c.key, secretNamespace: c.subject.namespace)
            return Result(summary: "sent a webhook to \(w.url)")
        case .event(let type, let reason, let message):
            if c.dryRun { return Result(summary: "would record a \(type) Event \(reason): \(message) (dry run)") }
            if let failure = await events.record(c.subject, type: type, reason: reason, message: message) {
                throw ActionFailure("could not record the Event \(reason): \(failure)")
            }
            return Result(summary: "recorded a \(type) Event \(reason): \(message)")
        case .deleteNamespace(let uid):
            do {
                var options = DeleteOptions(dryRun: c.dryRun)
                options.preconditionUID = uid
                try await client.delete(.namespaces, name: ns, options: options)
            } catch {
                // Gone, already being deleted, or replaced by a namespace of
                // the same name (the UID precondition failed, 409): the
                // effect has happened.
                if error.isNotFound || error.isConflict { return Result(summary: "namespace \(ns) was already gone or terminating") }
                throw Self.classify(error, verb: "delete", resource: "namespaces", namespace: nil, name: ns)
            }
            return Result(summary: "\(would)delete namespace \(ns)\(suffix)")
        }
    }

    /// Maps an API error to what the ledger should do: a 403 names what to
    /// grant; other 4xx (but 408, 409 and 429) are terminal; the rest may pass.
    static func classify(_ error: KubeError, verb: String, resource: String, group: String = "", namespace: String?, name: String) -> any Error {
        guard let code = error.statusCode else { return error }
        let object = "\(resource)\(group.isEmpty ? "" : ".\(group)") \(namespace.map { "\($0)/" } ?? "")\(name)"
        if code == 403 && group == "rbac.authorization.k8s.io" && ["create", "patch", "update"].contains(verb) {
            // Most often not the verb: Kubernetes refuses a Role with rights its writer lacks, and a binding to one.
            return PermanentEffectFailure(
                "forbidden: Vigil's service account may not \(verb) \(object) (\(error)); Kubernetes lets Vigil write or bind a role only with rights "
                    + "Vigil holds itself: grant Vigil those rights (or the verbs escalate and bind on \(resource)) with a ClusterRole labelled "
                    + "\(aggregationLabel): \"true\" (docs/healthcheck.md, level and rbacRules)")
        }
        if code == 403 {
            return PermanentEffectFailure(
                "forbidden: Vigil's service account may not \(verb) \(object) (\(error)); grant the verb \(verb) on \(resource)"
                    + "\(group.isEmpty ? "" : " in API group \(group)") with a ClusterRole labelled \(aggregationLabel): \"true\" (docs/countermeasure.md, RBAC)")
        }
        // 409: the object changed since it was read (a scale planned on an older version): the retry re-reads.
        if (400..<500).contains(code) && code != 408 && code != 409 && code != 429 {
            return PermanentEffectFailure("cannot \(verb) \(object): \(error)")
        }
        return error
    }
}

/// An action that failed in a way a later attempt may fix.
public struct ActionFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
