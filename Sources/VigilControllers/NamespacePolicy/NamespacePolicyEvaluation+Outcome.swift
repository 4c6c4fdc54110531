import VigilAPI
import VigilJSON

extension NamespacePolicyEvaluation {
    /// This evaluation after the reconciler carried out `plan` with `outcome`
    /// at `time`: the policy's state, the progress, `Fired`, the Events,
    /// `deactivate` and the requeue updated. Without a plan it is returned
    /// unchanged.
    ///
    /// The plan's `ConditionMet` decision (made when the condition first
    /// held) is replaced by one decision for the outcome, so a firing is one
    /// Event: `PolicyFired`, `ActionRetrying` or `ActionFailed`, each saying
    /// what held and what was done.
    ///
    /// - `succeeded`: state `Fired`, `deactivate` true, nothing more to wait for.
    /// - `retrying`: the policy stays latched (same key); requeue at the retry.
    /// - `failed`: state `Failed`; the resource stays armed so the next
    ///   policy whose condition holds can act on the next reconcile
    ///   (requeued at once).
    public func recording(_ outcome: NamespacePolicyActionOutcome, at time: RFC3339Time, minimumRequeue: Double = 0.05) -> NamespacePolicyEvaluation {
        guard let plan, let vi = policies.firstIndex(where: { $0.name == plan.policy }) else { return self }
        var copy = self
        var mi = copy.progress.policies.firstIndex { $0.name == plan.policy }
        if mi == nil {
            copy.progress.policies.append(NamespacePolicyProgress.Policy(name: plan.policy, trigger: plan.trigger, conditionMetAt: plan.conditionMetAt))
            mi = copy.progress.policies.count - 1
        }
        let name = NamespacePolicyEvaluator.quotedName(plan.policy)
        let summary = plan.action.summary
        copy.decisions.removeAll { $0.policy == plan.policy && $0.reason == "ConditionMet" }
        let previousFired = condition(NamespacePolicyStatus.firedCondition)
        func fired(_ status: StatusCondition.Status, _ reason: String, _ message: String) -> StatusCondition {
            let since = previousFired.flatMap { $0.status == status ? $0.lastTransitionTime : nil } ?? time
            return StatusCondition(type: NamespacePolicyStatus.firedCondition, status: status, reason: reason, message: message, lastTransitionTime: since, observedGeneration: observedGeneration)
        }
        func replaceFired(_ c: StatusCondition) {
            copy.conditions.removeAll { $0.type == NamespacePolicyStatus.firedCondition }
            copy.conditions.append(c)
        }
        switch outcome {
        case .succeeded:
            copy.progress.policies[mi!].outcome = .fired
            copy.progress.policies[mi!].outcomeAt = time
            copy.policies[vi].state = .fired
            copy.policies[vi].firedAt = time
            copy.policies[vi].nextEvaluation = nil
            copy.policies[vi].message = "fired at \(time.text): \(summary)"
            replaceFired(fired(.true, "PolicyFired", "policy \(name) fired at \(time.text): \(summary)"))
            copy.decisions.append(
                NamespacePolicyDecision(
                    policy: plan.policy, reason: "PolicyFired",
                    message: "policy \(name): \(plan.condition); \(summary): done. The NamespacePolicy is now deactivated; set spec.deactivated to false to re-arm"))
            copy.deactivate = true
            copy.plan = nil
            copy.nextEvaluation = nil
            copy.requeueAfter = nil
        case .retrying(let error, let next):
            copy.policies[vi].message = "the condition held at \(plan.conditionMetAt.text); \(summary) failed (\(error)), next attempt at \(next.text)"
            copy.policies[vi].nextEvaluation = next
            replaceFired(fired(.false, "ActionRetrying", "policy \(name): \(summary) failed (\(error)); next attempt at \(next.text)"))
            copy.decisions.append(NamespacePolicyDecision(policy: plan.policy, reason: "ActionRetrying", message: "policy \(name): \(plan.condition); \(summary) failed: \(error); next attempt at \(next.text)", severity: .warning))
            copy.plan = nil
            let earliest = [copy.nextEvaluation, next].compactMap { $0 }.min()
            copy.nextEvaluation = earliest
            copy.requeueAfter = earliest.map { NamespacePolicyEvaluator.requeue(from: time, to: $0, minimum: minimumRequeue) }
        case .failed(let error):
            copy.progress.policies[mi!].outcome = .failed
            copy.progress.policies[mi!].outcomeAt = time
            copy.policies[vi].state = .failed
            copy.policies[vi].firedAt = time
            copy.policies[vi].nextEvaluation = nil
            copy.policies[vi].message = "the action failed for good at \(time.text): \(summary): \(error)"
            replaceFired(fired(.false, "ActionFailed", "policy \(name): \(summary) failed for good: \(error)"))
            copy.decisions.append(NamespacePolicyDecision(policy: plan.policy, reason: "ActionFailed", message: "policy \(name): \(plan.condition); \(summary) failed for good: \(error)", severity: .warning))
            copy.plan = nil
            // Another policy may be waiting behind this one: look again at once.
            copy.requeueAfter = minimumRequeue
        }
        return copy
    }
}
