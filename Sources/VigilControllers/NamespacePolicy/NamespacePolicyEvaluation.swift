import VigilAPI
import VigilJSON

/// Everything one reconcile of a `NamespacePolicy` decided, for the
/// reconciler to carry out: the action to run (at most one), whether to set
/// `spec.deactivated`, what to write into `status`, the Events to emit and
/// when to reconcile again.
///
/// The reconciler's sequence:
/// 1. If `plan` is set, run it through the effect ledger, then call
///    `recording(_:at:)` with the result; use the evaluation it returns.
/// 2. If `deactivate`, patch `spec.deactivated: true`, then evaluate the
///    patched resource (its new generation, with this evaluation's status)
///    and write that dormant evaluation's status instead, so the reconcile
///    the spec change starts finds nothing to change or announce.
/// 3. Write `statusPatch(previous:)` to the status subresource (a merge
///    patch; `effects` is left to the ledger) and emit `decisions` (this
///    evaluation's: one per firing).
/// 4. Requeue after `requeueAfter` seconds, or wait for a change when nil.
public struct NamespacePolicyEvaluation: Sendable, Hashable {
    /// The instant the evaluation describes.
    public var now: RFC3339Time
    /// `metadata.generation` of the evaluated resource.
    public var observedGeneration: Int64?
    /// One entry per policy, in spec order (empty when the spec could not be read).
    public var policies: [PolicyEvaluation]
    /// The action to carry out now: the first policy in spec order whose
    /// condition held and that has no outcome yet. Nil in dry-run mode.
    public var plan: NamespacePolicyPlan?
    /// True when `spec.deactivated` must be set now: a policy fired in the
    /// current arming (its outcome is in status, or `plan` just succeeded)
    /// and the spec is still armed. Never true in dry-run mode.
    public var deactivate: Bool
    /// New `status.dryRunActions` entries (dry-run mode only).
    public var dryRunActions: [DryRunAction]
    /// `Ready` and `Fired`, with `observedGeneration`; `lastTransitionTime`
    /// is kept from the previous status when the status did not change.
    public var conditions: [StatusCondition]
    /// The Events to emit.
    public var decisions: [NamespacePolicyDecision]
    /// The progress to store (see `NamespacePolicyProgress+Status.swift`).
    public var progress: NamespacePolicyProgress
    /// The earliest `nextEvaluation` of the policies; nil when nothing is scheduled.
    public var nextEvaluation: RFC3339Time?
    /// Seconds until `nextEvaluation`, at least the evaluator's minimum
    /// (0.05 s); nil when there is nothing to wait for.
    public var requeueAfter: Double?

    public init(now: RFC3339Time, observedGeneration: Int64?, policies: [PolicyEvaluation], plan: NamespacePolicyPlan? = nil, deactivate: Bool = false, dryRunActions: [DryRunAction] = [], conditions: [StatusCondition], decisions: [NamespacePolicyDecision] = [], progress: NamespacePolicyProgress, nextEvaluation: RFC3339Time? = nil, requeueAfter: Double? = nil) {
        self.now = now
        self.observedGeneration = observedGeneration
        self.policies = policies
        self.plan = plan
        self.deactivate = deactivate
        self.dryRunActions = dryRunActions
        self.conditions = conditions
        self.decisions = decisions
        self.progress = progress
        self.nextEvaluation = nextEvaluation
        self.requeueAfter = requeueAfter
    }

    /// The verdict on policy `name`.
    public func policy(_ name: String) -> PolicyEvaluation? { policies.first { $0.name == name } }

    /// The condition of type `type` (`Ready`, `Fired`).
    public func condition(_ type: String) -> StatusCondition? { conditions.first { $0.type == type } }

    /// The body of a JSON merge patch for the status subresource:
    /// `observedGeneration`, `conditions`, `policies` (with the progress's
    /// members), the progress's top-level members, and `dryRunActions` (the
    /// previous ones plus the new, the most recent `maxDryRunActions`).
    /// `effects` is left out: the effect ledger owns it.
    public func statusPatch(previous: NamespacePolicyStatus?, maxDryRunActions: Int = 20) -> JSON {
        var o = JSONObject()
        o["observedGeneration"] = observedGeneration.map { .int($0) } ?? .null
        o["conditions"] = .array(conditions.map(\.json))
        o["policies"] = .array(
            policies.map { p in
                guard case .object(var entry) = p.status.json else { return p.status.json }
                for (k, v) in progress.policyMembers(p.name) { entry[k] = v }
                return .object(entry)
            })
        for (k, v) in progress.statusMembers { o[k] = v }
        if !dryRunActions.isEmpty {
            let all = (previous?.dryRunActions ?? []) + dryRunActions
            o["dryRunActions"] = .array(all.suffix(max(0, maxDryRunActions)).map(\.json))
        }
        return .object(o)
    }
}
