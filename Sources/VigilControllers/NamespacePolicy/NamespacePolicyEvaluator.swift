import VigilAPI
import VigilJSON

/// Decides what a `NamespacePolicy` should do now, from the resource and the
/// facts the reconciler read. Pure: no clock, no I/O; the same inputs always
/// give the same evaluation.
///
/// The rules:
/// - An invalid resource (any `NamespacePolicyValidator` problem) plans
///   nothing: `Ready` False `InvalidSpec` with the validator's messages,
///   every policy `Invalid`.
/// - `spec.deactivated`: nothing is evaluated or planned; `Ready` True
///   `Deactivated`. Seeing it records `dormantGeneration`, so a later
///   generation with `deactivated: false` is a re-arming (new effect keys).
/// - Each policy's condition is evaluated (`ttl`: from the namespace's
///   creation; `expiresAt`; `podsSucceeded`: see `PodsSucceededCondition`,
///   first look at arming + `initialDelay`, then every `period` on a fixed
///   grid). A missing or terminating namespace makes no condition hold.
/// - At most one policy acts per reconcile: the first in spec order whose
///   condition held and that has no outcome. Once a policy fired the
///   resource goes dormant, so the others never act in that arming; a policy
///   whose action failed for good lets the next one act.
/// - A condition that held stays held (latched) until its action has an
///   outcome, so a `Pending` effect is finished under the same key even if
///   the condition no longer holds (pods deleted, namespace already gone).
/// - `spec.dryRun`: every policy whose condition held is recorded once per
///   arming as `DryRun` with a `dryRunActions` entry; nothing is planned and
///   the resource does **not** go dormant (setting `deactivated` would be a
///   real write, and a dry run should keep showing what the policies would
///   do). Turning `dryRun` off lets the policies fire for real.
public enum NamespacePolicyEvaluator {
    /// Settings that come from the controller's configuration.
    public struct Options: Sendable, Hashable {
        /// The validator's options (`allowCrossNamespace`, …). Unknown
        /// fields are accepted by default: the API server prunes them from
        /// stored objects, and a field added by a newer CRD must not stop an
        /// older controller.
        public var validation: NamespacePolicyValidator.Options
        /// The shortest `requeueAfter`, in seconds.
        public var minimumRequeue: Double

        public init(validation: NamespacePolicyValidator.Options = NamespacePolicyValidator.Options(allowUnknownFields: true), minimumRequeue: Double = 0.05) {
            self.validation = validation
            self.minimumRequeue = minimumRequeue
        }
    }

    /// Evaluates a resource as stored: validates it first (an undecodable or
    /// invalid document gives an `InvalidSpec` evaluation), then evaluates it.
    public static func evaluate(document: JSON, facts: NamespacePolicyFacts, options: Options = Options()) -> NamespacePolicyEvaluation {
        var validation = options.validation
        if let ns = document[path: ["metadata", "namespace"]]?.stringValue, !ns.isEmpty { validation.defaultNamespace = ns }
        let problems = NamespacePolicyValidator(options: validation).problems(in: document)
        if problems.isEmpty, let policy = try? NamespacePolicy(json: document, allowUnknownFields: validation.allowUnknownFields) {
            return evaluate(policy: policy, facts: facts, options: options)
        }
        let previous = document["status"].flatMap { try? NamespacePolicyStatus(json: $0) }
        let names = (document[path: ["spec", "policies"]]?.arrayValue ?? []).map { $0["name"]?.stringValue }
        return invalid(
            subject: NamespacePolicy.subject(of: document), problems: problems.isEmpty ? [ValidationProblem(field: "", value: nil, message: "the resource cannot be read")] : problems,
            policyNames: names, generation: document[path: ["metadata", "generation"]]?.intValue, previous: previous, facts: facts)
    }

    /// Evaluates a decoded resource (defaulted here; defaulting twice is
    /// harmless). Decoding checked every rule that depends on the resource
    /// alone; only the configuration's rules are checked here.
    public static func evaluate(policy raw: NamespacePolicy, facts: NamespacePolicyFacts, options: Options = Options()) -> NamespacePolicyEvaluation {
        let policy = raw.defaulted()
        var validation = options.validation
        if let ns = policy.namespace, !ns.isEmpty { validation.defaultNamespace = ns }
        let problems = NamespacePolicyValidator(options: validation).configurationProblems(in: policy)
        if !problems.isEmpty {
            return invalid(subject: policy.subject, problems: problems, policyNames: policy.spec.policies.map(\.name), generation: policy.generation, previous: policy.status, facts: facts)
        }
        if policy.spec.isDeactivated { return dormant(policy, facts: facts) }
        return armed(policy, facts: facts, options: options)
    }

    /// A deactivated resource: remember that it was seen so (a later
    /// generation with `deactivated: false` re-arms it), evaluate nothing.
    static func dormant(_ policy: NamespacePolicy, facts: NamespacePolicyFacts) -> NamespacePolicyEvaluation {
        let now = facts.now
        let previous = policy.status
        var progress = facts.progress
        progress.dormantGeneration = policy.generation ?? 0
        let verdicts = policy.spec.policies.enumerated().map { i, rule in
            let p = progress.policy(rule.name)
            let outcome = p?.outcome
            let message = outcome.map { "\(describe(outcome: $0, at: p?.outcomeAt)); deactivated: set spec.deactivated to false to re-arm" }
                ?? "not evaluated: the NamespacePolicy is deactivated; set spec.deactivated to false to re-arm"
            return PolicyEvaluation(name: rule.name, index: i, conditionMet: false, message: message, state: outcome ?? .waiting, firedAt: p?.outcomeAt)
        }
        let ready = condition(NamespacePolicyStatus.readyCondition, .true, "Deactivated", "the policies are deactivated; set spec.deactivated to false to re-arm", generation: policy.generation, previous: previous, now: now)
        var decisions: [NamespacePolicyDecision] = []
        if previous?.condition(NamespacePolicyStatus.readyCondition)?.reason != "Deactivated" {
            decisions.append(NamespacePolicyDecision(policy: nil, reason: "Deactivated", message: "\(policy.subject) is deactivated: no policy is evaluated until spec.deactivated is set back to false"))
        }
        var fired = previous?.condition(NamespacePolicyStatus.firedCondition)
            ?? condition(NamespacePolicyStatus.firedCondition, .false, "NotFired", "no policy has fired", generation: policy.generation, previous: previous, now: now)
        fired.observedGeneration = policy.generation
        return NamespacePolicyEvaluation(now: now, observedGeneration: policy.generation, policies: verdicts, conditions: [ready, fired], decisions: decisions, progress: progress)
    }

    /// What one pass over an armed resource's policies produced so far.
    struct Pass {
        var plan: NamespacePolicyPlan?
        var dryRuns: [DryRunAction] = []
        var decisions: [NamespacePolicyDecision] = []
    }

    /// An armed resource: start a new arming if this is one, evaluate each
    /// policy in spec order, plan at most one action.
    static func armed(_ policy: NamespacePolicy, facts: NamespacePolicyFacts, options: Options) -> NamespacePolicyEvaluation {
        let now = facts.now
        let generation = policy.generation ?? 0
        let rules = policy.spec.policies
        var progress = facts.progress
        var pass = Pass()

        // Start a new arming on first sight or after a dormant generation.
        if progress.armedGeneration == nil || (progress.dormantGeneration.map { generation > $0 } ?? false) {
            let rearmed = progress.armedGeneration != nil
            progress.armedGeneration = generation
            progress.armedAt = rearmed ? now : (policy.metadata["creationTimestamp"]?.stringValue.flatMap(RFC3339Time.init) ?? now)
            progress.dormantGeneration = nil
            if rearmed {
                pass.decisions.append(NamespacePolicyDecision(policy: nil, reason: "Rearmed", message: "\(policy.subject) was re-armed at generation \(generation): its policies are evaluated again and may fire again"))
            }
        }
        let armedGeneration = progress.armedGeneration ?? generation

        // Progress of this arming only, in spec order.
        var ruleProgress: [NamespacePolicyProgress.Policy] = rules.map { rule in
            let trigger = NamespacePolicyPlan.trigger(policy: rule.name, armedGeneration: armedGeneration)
            if let p = progress.policy(rule.name), p.trigger == trigger { return p }
            return NamespacePolicyProgress.Policy(name: rule.name, trigger: trigger)
        }
        let firedIndex = ruleProgress.firstIndex { $0.outcome == .fired }
        let verdicts = rules.enumerated().map { i, rule in
            evaluateRule(
                rule, index: i, progress: &ruleProgress[i], rules: rules, firedIndex: firedIndex, policy: policy, facts: facts,
                armedAt: progress.armedAt ?? now, pass: &pass)
        }
        progress.policies = ruleProgress

        let ready = readyCondition(policy, facts: facts, latched: ruleProgress.contains { $0.conditionMetAt != nil && $0.outcome == nil } || firedIndex != nil)
        if ready.status == .false, policy.status?.condition(NamespacePolicyStatus.readyCondition)?.reason != ready.reason {
            pass.decisions.append(NamespacePolicyDecision(policy: nil, reason: ready.reason, message: "\(policy.subject): \(ready.message)", severity: .warning))
        }
        let fired = firedStatus(verdicts: verdicts, plan: pass.plan, dryRuns: ruleProgress, generation: policy.generation, previous: policy.status, now: now)
        let next = verdicts.compactMap(\.nextEvaluation).min()
        return NamespacePolicyEvaluation(
            now: now, observedGeneration: policy.generation, policies: verdicts, plan: pass.plan,
            deactivate: firedIndex != nil && !policy.spec.isDryRun, dryRunActions: pass.dryRuns,
            conditions: [ready, fired], decisions: pass.decisions, progress: progress,
            nextEvaluation: next, requeueAfter: next.map { requeue(from: now, to: $0, minimum: options.minimumRequeue) })
    }

    /// One policy of an armed resource: its verdict, with `p` (its progress)
    /// and `pass` (the plan, dry runs and decisions) brought up to date.
    static func evaluateRule(
        _ rule: NamespacePolicyRule, index i: Int, progress p: inout NamespacePolicyProgress.Policy, rules: [NamespacePolicyRule], firedIndex: Int?,
        policy: NamespacePolicy, facts: NamespacePolicyFacts, armedAt: RFC3339Time, pass: inout Pass
    ) -> PolicyEvaluation {
        let now = facts.now
        let dryRun = policy.spec.isDryRun
        let target = policy.targetNamespace ?? ""
        if p.outcome == .dryRun && !dryRun {
            // A dry-run record does not count once dry run is off: evaluate afresh.
            p = NamespacePolicyProgress.Policy(name: p.name, trigger: p.trigger, succeededPods: p.succeededPods)
        }
        let action = plannedAction(rule.action, namespace: target, facts: facts.namespace)
        if let outcome = p.outcome {
            return PolicyEvaluation(name: rule.name, index: i, conditionMet: outcome != .failed, message: describe(outcome: outcome, at: p.outcomeAt) + ": \(action.summary)", state: outcome, firedAt: p.outcomeAt)
        }
        let check: ConditionCheck
        if let metAt = p.conditionMetAt {
            check = ConditionCheck(met: true, message: "the condition held at \(metAt.text)", state: .evaluating)
        } else {
            check = evaluateCondition(rule.condition, target: target, facts: facts, armedAt: armedAt, seen: p.succeededPods)
            p.succeededPods = check.succeededPods ?? p.succeededPods
        }
        var verdict = PolicyEvaluation(name: rule.name, index: i, conditionMet: check.met, message: check.message, state: check.state, nextEvaluation: check.met ? nil : check.next, lastEvaluation: check.looked ? now : nil)
        if check.met && firedIndex == nil {
            let newlyMet = p.conditionMetAt == nil
            if dryRun {
                p.conditionMetAt = p.conditionMetAt ?? now
                p.outcome = .dryRun
                p.outcomeAt = now
                let description = "would \(action.summary)"
                pass.dryRuns.append(DryRunAction(policy: rule.name, action: action.type, description: description, at: now))
                verdict.state = .dryRun
                verdict.firedAt = now
                verdict.message = "\(check.message): \(description) (dry run)"
                pass.decisions.append(NamespacePolicyDecision(policy: rule.name, reason: "DryRun", message: "policy \(quotedName(rule.name)): \(check.message); dry run: \(description)"))
            } else if let first = pass.plan {
                verdict.message = "\(check.message): waits for policy \(quotedName(first.policy)), which comes first in spec.policies and acts first"
            } else {
                p.conditionMetAt = p.conditionMetAt ?? now
                pass.plan = NamespacePolicyPlan(policy: rule.name, policyIndex: i, rule: rule, action: action, trigger: p.trigger, conditionMetAt: p.conditionMetAt ?? now, condition: check.message)
                verdict.state = .evaluating
                verdict.message = "\(check.message): will \(action.summary)"
                if newlyMet {
                    // Replaced by the action's outcome (`recording(_:at:)`): one Event per firing.
                    pass.decisions.append(NamespacePolicyDecision(policy: rule.name, reason: "ConditionMet", message: "policy \(quotedName(rule.name)): \(check.message); will \(action.summary)"))
                }
            }
        } else if check.met, let firedIndex {
            verdict.message = "\(check.message): not acted on, policy \(quotedName(rules[firedIndex].name)) already fired"
        }
        // A policy that merely waits (or keeps evaluating) is not an Event:
        // its state and next evaluation are in status.policies, and an Event
        // per new policy would double the API requests of holding thousands.
        return verdict
    }

    /// `Ready`: false while the target namespace is missing or terminating
    /// (unless a condition already held: its action still runs), else true.
    static func readyCondition(_ policy: NamespacePolicy, facts: NamespacePolicyFacts, latched: Bool) -> StatusCondition {
        let (target, count, previous) = (policy.targetNamespace ?? "", policy.spec.policies.count, policy.status)
        let type = NamespacePolicyStatus.readyCondition
        let policies = "\(count) \(count == 1 ? "policy is" : "policies are")"
        if !facts.namespace.exists && !latched {
            return condition(type, .false, "NamespaceNotFound", "namespace \(target) does not exist: no condition can hold until it does", generation: policy.generation, previous: previous, now: facts.now)
        } else if facts.namespace.terminating && !latched {
            return condition(type, .false, "NamespaceTerminating", "namespace \(target) is being deleted: no condition is evaluated", generation: policy.generation, previous: previous, now: facts.now)
        } else if policy.spec.isDryRun {
            return condition(type, .true, "DryRun", "\(policies) evaluated in dry-run mode: actions are only recorded in status.dryRunActions", generation: policy.generation, previous: previous, now: facts.now)
        }
        return condition(type, .true, "Evaluating", "\(policies) valid and evaluated", generation: policy.generation, previous: previous, now: facts.now)
    }

    /// Seconds from `now` to `instant`, at least `minimum`.
    static func requeue(from now: RFC3339Time, to instant: RFC3339Time, minimum: Double) -> Double {
        max(minimum, Double(instant.microsecondsSinceEpoch - now.microsecondsSinceEpoch) / 1_000_000)
    }

    static func quotedName(_ name: String) -> String { "\"\(name)\"" }

    static func describe(outcome: PolicyState, at time: RFC3339Time?) -> String {
        let when = time.map { " at \($0.text)" } ?? ""
        switch outcome {
        case .fired: return "fired\(when)"
        case .failed: return "the action failed for good\(when)"
        case .dryRun: return "held\(when) in dry-run mode"
        default: return outcome.rawValue
        }
    }

    static func plannedAction(_ action: PolicyAction, namespace: String, facts: NamespacePolicyFacts.TargetNamespace) -> NamespacePolicyPlan.Action {
        switch action {
        case .deleteNamespace: return .deleteNamespace(namespace: namespace, uid: facts.uid, alreadyGone: !facts.exists || facts.terminating)
        case .scaleDown(let s): return .scaleDown(namespace: namespace, selectors: s.selectors)
        case .webhook(let w): return .webhook(w, namespace: namespace)
        }
    }

    /// A condition of `type`, keeping the previous `lastTransitionTime` when the status did not change.
    static func condition(_ type: String, _ status: StatusCondition.Status, _ reason: String, _ message: String, generation: Int64?, previous: NamespacePolicyStatus?, now: RFC3339Time) -> StatusCondition {
        let old = previous?.condition(type)
        let since = old.flatMap { $0.status == status ? $0.lastTransitionTime : nil } ?? now
        return StatusCondition(type: type, status: status, reason: reason, message: message, lastTransitionTime: since, observedGeneration: generation)
    }

    static func firedStatus(verdicts: [PolicyEvaluation], plan: NamespacePolicyPlan?, dryRuns: [NamespacePolicyProgress.Policy], generation: Int64?, previous: NamespacePolicyStatus?, now: RFC3339Time) -> StatusCondition {
        let type = NamespacePolicyStatus.firedCondition
        if let v = verdicts.first(where: { $0.state == .fired }) {
            return condition(type, .true, "PolicyFired", "policy \(quotedName(v.name)) \(v.message)", generation: generation, previous: previous, now: now)
        }
        if let plan {
            return condition(type, .false, "ActionPlanned", "policy \(quotedName(plan.policy)): the condition held at \(plan.conditionMetAt.text); \(plan.action.summary) is being carried out", generation: generation, previous: previous, now: now)
        }
        if let v = verdicts.first(where: { $0.state == .failed }) {
            return condition(type, .false, "ActionFailed", "policy \(quotedName(v.name)): \(v.message)", generation: generation, previous: previous, now: now)
        }
        if let v = verdicts.first(where: { $0.state == .dryRun }) {
            return condition(type, .false, "DryRun", "policy \(quotedName(v.name)) \(v.message)", generation: generation, previous: previous, now: now)
        }
        return condition(type, .false, "NotFired", "no policy has fired", generation: generation, previous: previous, now: now)
    }

    /// The evaluation of a resource that breaks validation rules.
    static func invalid(subject: String, problems: [ValidationProblem], policyNames: [String?], generation: Int64?, previous: NamespacePolicyStatus?, facts: NamespacePolicyFacts) -> NamespacePolicyEvaluation {
        let now = facts.now
        let all = problems.map(\.description).joined(separator: "; ")
        var verdicts: [PolicyEvaluation] = []
        for (i, name) in policyNames.enumerated() {
            guard let name else { continue }
            let prefix = "spec.policies[\(i)]"
            let own = problems.filter { $0.field == prefix || $0.field.hasPrefix(prefix + ".") }
            let message = own.isEmpty ? "not evaluated: the NamespacePolicy is invalid (see the Ready condition)" : own.map(\.description).joined(separator: "; ")
            verdicts.append(PolicyEvaluation(name: name, index: i, conditionMet: false, message: message, state: .invalid))
        }
        let ready = condition(NamespacePolicyStatus.readyCondition, .false, "InvalidSpec", all, generation: generation, previous: previous, now: now)
        let fired = previous?.condition(NamespacePolicyStatus.firedCondition).map { c -> StatusCondition in
            var c = c
            c.observedGeneration = generation
            return c
        } ?? condition(NamespacePolicyStatus.firedCondition, .false, "NotFired", "no policy has fired", generation: generation, previous: previous, now: now)
        var decisions: [NamespacePolicyDecision] = []
        let old = previous?.condition(NamespacePolicyStatus.readyCondition)
        if old?.reason != "InvalidSpec" || old?.message != all {
            decisions.append(NamespacePolicyDecision(policy: nil, reason: "InvalidPolicy", message: "\(subject) is invalid and is not evaluated: \(all)", severity: .warning))
        }
        return NamespacePolicyEvaluation(now: now, observedGeneration: generation, policies: verdicts, conditions: [ready, fired], decisions: decisions, progress: facts.progress)
    }
}
