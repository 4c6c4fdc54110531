import Kube
import Synchronization
import VigilAPI
import VigilJSON
import VigilRuntime

/// The action engine every resource kind hands a runbook to: the actions
/// of one trigger instance, run in order, each exactly once through the
/// resource's `EffectLedger`, stopping at the first that fails.
///
/// The effect key of action `i` is
/// `EffectKey(resourceUID, "<instance>|<target>", i)` (with a `dry:` prefix
/// in a dry run, so switching `dryRun` off runs for real). A run resumed
/// after a failover finds the actions already done `Succeeded` in the ledger
/// and goes on from the first that is not; captured output of a finished
/// action is read back from its ConfigMap for `{{outputs.N}}`.
public struct ActionEngine: Sendable {
    /// One run: which resource, which instance, where, with what values.
    public struct Run: Sendable {
        public var subject: EventRecorder.Subject
        public var resource: ResourceDescriptor
        /// The trigger instance (`alert/<fingerprint>/<startsAt>`).
        public var instance: String
        /// What the instance is about (the label set's fingerprint).
        public var target: String
        /// The namespace the actions act in.
        public var namespace: String
        public var values: TemplateValues
        public var dryRun: Bool
        /// The body of a `webhook` without its own, given the steps done so far in this run.
        public var defaultWebhookBody: @Sendable ([Step]) -> [UInt8]

        public init(
            subject: EventRecorder.Subject, resource: ResourceDescriptor, instance: String, target: String, namespace: String, values: TemplateValues,
            dryRun: Bool, defaultWebhookBody: @escaping @Sendable ([Step]) -> [UInt8]
        ) {
            self.subject = subject
            self.resource = resource
            self.instance = instance
            self.target = target
            self.namespace = namespace
            self.values = values
            self.dryRun = dryRun
            self.defaultWebhookBody = defaultWebhookBody
        }

        /// The trigger part of every effect key of this run.
        public var trigger: String { (dryRun ? "dry:" : "") + instance + "|" + target }

        public func key(_ index: Int) -> EffectKey { EffectKey(resourceUID: subject.uid, trigger: trigger, actionIndex: index) }
    }

    /// How one action of a run stands.
    public struct Step: Sendable, Equatable {
        public enum Phase: String, Sendable, Equatable {
            case succeeded = "Succeeded"
            /// Failed; tried again at `nextAttemptAt`.
            case retrying = "Retrying"
            case failed = "Failed"
            /// Another replica is running it.
            case waiting = "Waiting"
        }
        public var index: Int
        public var type: String
        public var phase: Phase
        public var summary: String
        public var error: String?
        public var output: CapturedOutput?
        /// Seconds until it should be looked at again (retrying, waiting).
        public var retryAfter: Double?
    }

    /// How the run stands after `run`.
    public struct Outcome: Sendable, Equatable {
        public var steps: [Step]
        /// Every action succeeded.
        public var finished: Bool { steps.count == total && steps.allSatisfy { $0.phase == .succeeded } }
        /// An action failed for good (or a template could not be rendered): the run is over.
        public var failed: Bool { steps.last?.phase == .failed }
        /// When to look again (a retry, another replica's attempt).
        public var retryAfter: Double? { steps.last?.retryAfter }
        public var total: Int
    }

    let executor: ActionExecutor

    public init(executor: ActionExecutor) {
        self.executor = executor
    }

    /// Runs `actions` for `run`; ledger writes go through `ledger`.
    /// `cached` is the resource's ledger as the informer saw it (saves a read).
    public func run(_ actions: [ActionSpec], _ run: Run, ledger: EffectLedgerStore<KubeClient>, cached: EffectLedgerSnapshot?) async throws -> Outcome {
        var steps: [Step] = []
        var values = run.values
        var cached = cached
        // A template naming a value this instance does not have fails the run
        // before anything runs (outputs of earlier actions are filled in later).
        var probe = run.values
        for (i, spec) in actions.enumerated() {
            for (field, t) in spec.templates {
                for n in t.outputIndexes where probe.outputs[n] == nil { probe.outputs[n] = "" }
                do {
                    _ = try t.render(probe)
                } catch {
                    steps.append(Step(index: i, type: spec.type, phase: .failed, summary: "not run (nor any other action)", error: "actions[\(i)].\(spec.type).\(field): \(error)"))
                    return Outcome(steps: steps, total: actions.count)
                }
            }
        }
        for (i, spec) in actions.enumerated() {
            // Earlier outputs this action's templates name, read back if they ran in an earlier reconcile.
            for n in Set(spec.templates.flatMap { $0.template.outputIndexes }) where values.outputs[n] == nil {
                if let text = try await executor.outputs.load(owner: run.subject, key: run.key(n)) { values.outputs[n] = text }
            }
            let rendered: RenderedAction
            do {
                rendered = try RenderedAction.render(spec, values)
            } catch {
                steps.append(Step(index: i, type: spec.type, phase: .failed, summary: "not run", error: "actions[\(i)].\(spec.type).\(error.description)"))
                return Outcome(steps: steps, total: actions.count)
            }
            let key = run.key(i)
            let box = Mutex<ActionExecutor.Result?>(nil)
            let executor = executor
            let done = steps
            let body = run.defaultWebhookBody
            let context = ActionExecutor.Context(subject: run.subject, namespace: run.namespace, key: key, dryRun: run.dryRun, defaultWebhookBody: { body(done) })
            let outcome = try await ledger.perform(key, action: spec.ledgerAction(i), cached: cached) { _ in
                let r = try await executor.execute(rendered, context)
                box.withLock { $0 = r }
            }
            cached = nil
            let summary = rendered.summary(namespace: run.namespace)
            switch outcome {
            case .performed:
                let r = box.withLock { $0 } ?? ActionExecutor.Result(summary: summary)
                if let o = r.output { values.outputs[i] = o.text }
                if run.dryRun && spec.captures { values.outputs[i] = "(dry run: the \(spec.type) action's output was not captured)" }
                steps.append(Step(index: i, type: spec.type, phase: .succeeded, summary: r.summary, output: r.output))
            case .alreadyDone:
                var output: CapturedOutput?
                if run.dryRun && spec.captures { values.outputs[i] = "(dry run: the \(spec.type) action's output was not captured)" }
                if spec.captures, !run.dryRun, let text = try await executor.outputs.load(owner: run.subject, key: key) {
                    values.outputs[i] = text
                    output = CapturedOutput(configMap: OutputStore.name(resource: run.subject.name, key: key), text: text)
                }
                steps.append(Step(index: i, type: spec.type, phase: .succeeded, summary: "\(summary) (done earlier)", output: output))
            case .failed(let entry, let error):
                let retry = entry.nextRetryAt.map { max(0, $0.secondsSinceEpoch - ledger.now().secondsSinceEpoch) }
                steps.append(Step(index: i, type: spec.type, phase: retry == nil ? .failed : .retrying, summary: summary, error: error, retryAfter: retry))
                return Outcome(steps: steps, total: actions.count)
            case .retryAfter(let seconds, let entry):
                steps.append(Step(index: i, type: spec.type, phase: .retrying, summary: summary, error: entry.lastError, retryAfter: seconds))
                return Outcome(steps: steps, total: actions.count)
            case .exhausted(let entry):
                steps.append(Step(index: i, type: spec.type, phase: .failed, summary: summary, error: entry.lastError ?? "every attempt failed"))
                return Outcome(steps: steps, total: actions.count)
            case .inProgress(_, let seconds):
                steps.append(Step(index: i, type: spec.type, phase: .waiting, summary: summary, error: nil, retryAfter: max(seconds, 0.05)))
                return Outcome(steps: steps, total: actions.count)
            }
        }
        return Outcome(steps: steps, total: actions.count)
    }
}
