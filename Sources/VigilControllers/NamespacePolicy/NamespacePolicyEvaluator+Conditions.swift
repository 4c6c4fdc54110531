import VigilAPI
import VigilJSON

/// The verdict on one condition, before the evaluator decides what to do about it.
struct ConditionCheck: Sendable, Hashable {
    var met: Bool
    var message: String
    /// `waiting` (its time has not come) or `evaluating` (looked at periodically).
    var state: PolicyState
    /// When to look again while not met.
    var next: RFC3339Time?
    /// Whether the condition was actually looked at (false before `initialDelay`).
    var looked: Bool = true
    /// The new seen-succeeded set (podsSucceeded only).
    var succeededPods: [String]?
}

extension NamespacePolicyEvaluator {
    /// Evaluates one condition against the facts. No condition holds while
    /// the namespace is missing or terminating.
    static func evaluateCondition(_ condition: PolicyCondition, target: String, facts: NamespacePolicyFacts, armedAt: RFC3339Time, seen: [String]) -> ConditionCheck {
        let now = facts.now
        guard facts.namespace.exists else {
            return ConditionCheck(met: false, message: "namespace \(target) does not exist", state: .waiting, next: nil)
        }
        guard !facts.namespace.terminating else {
            return ConditionCheck(met: false, message: "namespace \(target) is being deleted", state: .waiting, next: nil)
        }
        switch condition {
        case .ttl(let ttl):
            guard let created = facts.namespace.creationTimestamp else {
                return ConditionCheck(met: false, message: "namespace \(target) has no creationTimestamp, so its age is unknown", state: .waiting, next: nil)
            }
            let due = created.adding(ttl)
            if now >= due {
                return ConditionCheck(met: true, message: "namespace \(target) reached its ttl \(ttl.text) at \(due.text) (created \(created.text))", state: .evaluating)
            }
            return ConditionCheck(met: false, message: "namespace \(target) reaches its ttl \(ttl.text) at \(due.text) (created \(created.text))", state: .waiting, next: due)
        case .expiresAt(let at):
            if now >= at {
                return ConditionCheck(met: true, message: "expiresAt \(at.text) has passed", state: .evaluating)
            }
            return ConditionCheck(met: false, message: "waiting for expiresAt \(at.text)", state: .waiting, next: at)
        case .podsSucceeded(let c):
            return podsSucceeded(c, target: target, facts: facts, armedAt: armedAt, seen: seen)
        }
    }

    /// `podsSucceeded`: holds when every selected pod has succeeded and at
    /// least `minSucceeded` were seen succeeded (when none are left, the
    /// second part alone decides, so a namespace that never ran a pod is not
    /// done). The first look is at arming + `initialDelay`, then every
    /// `period` on that grid.
    static func podsSucceeded(_ c: PodsSucceededCondition, target: String, facts: NamespacePolicyFacts, armedAt: RFC3339Time, seen: [String]) -> ConditionCheck {
        let now = facts.now
        let firstLook = armedAt.adding(c.effectiveInitialDelay)
        let selector = c.selector.description
        if now < firstLook {
            return ConditionCheck(met: false, message: "first look at the pods matching \(selector) at \(firstLook.text) (initialDelay \(c.effectiveInitialDelay.text))", state: .waiting, next: firstLook, looked: false)
        }
        let periodMicros = max(1, c.effectivePeriod.milliseconds * 1000)
        let steps = (now.microsecondsSinceEpoch - firstLook.microsecondsSinceEpoch) / periodMicros + 1
        let next = RFC3339Time(microsecondsSinceEpoch: firstLook.microsecondsSinceEpoch + steps * periodMicros)

        let selected = facts.pods.filter { c.selector.matches(labels: $0.labels) }
        let succeededNow = selected.filter { $0.phase == .succeeded }.map(\.uid)
        let minimum = c.effectiveMinSucceeded
        let allSeen = Set(seen).union(succeededNow)
        let recorded = Array(allSeen.sorted().prefix(minimum))
        let seenText = "\(min(allSeen.count, minimum)) of minSucceeded \(minimum) seen succeeded"
        let pending = selected.filter { $0.phase != .succeeded }.sorted { $0.name < $1.name }
        if !pending.isEmpty {
            let failed = pending.filter { $0.phase == .failed }
            let listed = pending.prefix(5).map { "\($0.name) (\($0.phase.rawValue))" }.joined(separator: ", ") + (pending.count > 5 ? ", …" : "")
            var message = "\(selected.count - pending.count) of \(selected.count) pods matching \(selector) have succeeded; waiting for \(listed)"
            if !failed.isEmpty {
                message += "; \(failed.count) failed and will never succeed: delete \(failed.count == 1 ? "it" : "them") if the rest should count"
            }
            return ConditionCheck(met: false, message: message, state: .evaluating, next: next, succeededPods: recorded)
        }
        if allSeen.count >= minimum {
            let message = selected.isEmpty
                ? "no pods matching \(selector) are left and \(allSeen.count) were seen succeeded (minSucceeded \(minimum))"
                : "all \(selected.count) pods matching \(selector) have succeeded (minSucceeded \(minimum))"
            return ConditionCheck(met: true, message: message, state: .evaluating, succeededPods: recorded)
        }
        let message = selected.isEmpty
            ? "no pods match \(selector); \(seenText), so this does not count as done"
            : "all \(selected.count) pods matching \(selector) have succeeded, but only \(seenText)"
        return ConditionCheck(met: false, message: message, state: .evaluating, next: next, succeededPods: recorded)
    }
}
