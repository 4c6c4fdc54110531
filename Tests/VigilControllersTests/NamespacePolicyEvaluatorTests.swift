import Testing
import VigilAPI
import VigilControllers
import VigilJSON

@Suite struct NamespacePolicyEvaluatorTests {
    typealias F = NSPFixture
    let oneHour = GoDuration.hours(1)

    @Test func ttlIsNotMetOneMicrosecondBeforeAndMetExactlyAtTheBoundary() {
        let policy = F.policy([F.rule("expire", .ttl(oneHour))])
        let due = F.created.adding(oneHour)
        let before = NamespacePolicyEvaluator.evaluate(policy: policy, facts: F.facts(now: RFC3339Time(microsecondsSinceEpoch: due.microsecondsSinceEpoch - 1)))
        #expect(before.plan == nil)
        #expect(before.policy("expire")?.conditionMet == false)
        #expect(before.policy("expire")?.state == .waiting)
        #expect(before.policy("expire")?.nextEvaluation == due)
        #expect(before.nextEvaluation == due)
        #expect(before.requeueAfter == 0.05)  // 1µs away, clamped

        let at = NamespacePolicyEvaluator.evaluate(policy: policy, facts: F.facts(now: due))
        #expect(at.policy("expire")?.conditionMet == true)
        #expect(at.plan?.action == .deleteNamespace(namespace: "demo", alreadyGone: false))
        #expect(at.plan?.trigger == "nsp/expire/g1")
        #expect(at.plan?.actionIndex == 0)
        #expect(at.plan?.effectAction == "deleteNamespace:expire")
        #expect(at.plan?.conditionMetAt == due)
        #expect(at.deactivate == false)
        #expect(at.requeueAfter == nil)
        #expect(at.decisions.map(\.reason) == ["ConditionMet"])
        #expect(at.decisions.allSatisfy { $0.message.contains("\"expire\"") })
        #expect(at.decisions.first?.message.hasSuffix("will delete namespace demo") == true, "\(at.decisions)")
        #expect(at.progress.policy("expire")?.conditionMetAt == due)
    }

    @Test func requeueIsTheExactTimeToTheNextEvaluation() {
        let policy = F.policy([F.rule("expire", .ttl(oneHour)), F.rule("later", .expiresAt(F.time("2026-11-22T12:00:00Z")))])
        let e = NamespacePolicyEvaluator.evaluate(policy: policy, facts: F.facts(now: F.time("2026-11-22T10:15:00.5Z")))
        #expect(e.nextEvaluation == F.time("2026-11-22T11:00:00Z"))
        #expect(e.requeueAfter == 2699.5)
        #expect(e.policy("later")?.nextEvaluation == F.time("2026-11-22T12:00:00Z"))
        #expect(e.decisions.isEmpty, "waiting is in status, not an Event: \(e.decisions)")
        #expect(e.condition("Ready")?.status == .true)
        #expect(e.condition("Ready")?.observedGeneration == 1)
        #expect(e.condition("Fired")?.status == .false)
    }

    @Test func expiresAtBoundary() {
        let at = F.time("2026-11-23T00:00:00Z")
        let policy = F.policy([F.rule("deadline", .expiresAt(at))])
        let before = NamespacePolicyEvaluator.evaluate(policy: policy, facts: F.facts(now: RFC3339Time(microsecondsSinceEpoch: at.microsecondsSinceEpoch - 1)))
        #expect(before.plan == nil)
        #expect(before.policy("deadline")?.nextEvaluation == at)
        let exactly = NamespacePolicyEvaluator.evaluate(policy: policy, facts: F.facts(now: at))
        #expect(exactly.plan?.policy == "deadline")
    }

    @Test func successfulActionDeactivatesAndTheNextReconcileDoesNotActAgain() throws {
        let policy = F.policy([F.rule("expire", .ttl(oneHour))])
        let now = F.created.adding(.hours(2))
        let planned = NamespacePolicyEvaluator.evaluate(policy: policy, facts: F.facts(now: now))
        let done = planned.recording(.succeeded, at: now)
        #expect(done.deactivate)
        #expect(done.plan == nil)
        #expect(done.policy("expire")?.state == .fired)
        #expect(done.policy("expire")?.firedAt == now)
        #expect(done.condition("Fired")?.status == .true)
        #expect(done.condition("Fired")?.reason == "PolicyFired")
        // One Event for the firing: what held, what was done, that it is now deactivated.
        #expect(done.decisions.map(\.reason) == ["PolicyFired"])
        let message = done.decisions.first?.message ?? ""
        #expect(message.contains("reached its ttl 1h") && message.contains("delete namespace demo: done") && message.contains("deactivated"), "\(message)")

        // The spec patch was lost (crash): still armed, but the status says it fired.
        let (status, progress) = try F.stored(done)
        #expect(status.policies.first?.state == .fired)
        var again = policy
        again.status = status
        let next = NamespacePolicyEvaluator.evaluate(policy: again, facts: F.facts(now: now.adding(.seconds(5)), progress: progress))
        #expect(next.plan == nil)
        #expect(next.deactivate)
        #expect(next.policy("expire")?.state == .fired)
        #expect(next.condition("Fired")?.lastTransitionTime == now)
    }

    @Test func deactivatedPlansNothingAndRemembersTheDormantGeneration() {
        let policy = F.policy([F.rule("expire", .ttl(oneHour))], generation: 4, deactivated: true)
        let e = NamespacePolicyEvaluator.evaluate(policy: policy, facts: F.facts(now: F.created.adding(.hours(5)), progress: NamespacePolicyProgress(armedGeneration: 1)))
        #expect(e.plan == nil)
        #expect(e.deactivate == false)
        #expect(e.requeueAfter == nil)
        #expect(e.condition("Ready")?.status == .true)
        #expect(e.condition("Ready")?.reason == "Deactivated")
        #expect(e.progress.dormantGeneration == 4)
        #expect(e.policy("expire")?.conditionMet == false)
        #expect(e.decisions.map(\.reason) == ["Deactivated"])
    }

    @Test func reArmingFiresAgainUnderANewTriggerButEditsWhileArmedKeepIt() throws {
        let rules = [F.rule("expire", .ttl(oneHour))]
        let now = F.created.adding(.hours(2))
        let first = NamespacePolicyEvaluator.evaluate(policy: F.policy(rules, generation: 1), facts: F.facts(now: now))
        #expect(first.plan?.trigger == "nsp/expire/g1")

        // An edit while the action is pending (generation 2, still armed) keeps the key.
        let (pendingStatus, pendingMemory) = try F.stored(first)
        let edited = NamespacePolicyEvaluator.evaluate(policy: F.policy(rules, generation: 2, status: pendingStatus), facts: F.facts(now: now.adding(.seconds(1)), progress: pendingMemory))
        #expect(edited.plan?.trigger == "nsp/expire/g1")

        let fired = edited.recording(.succeeded, at: now.adding(.seconds(2)))
        let (s1, m1) = try F.stored(fired)
        // Vigil sets deactivated (generation 3); a person re-arms (generation 4).
        let dormant = NamespacePolicyEvaluator.evaluate(policy: F.policy(rules, generation: 3, deactivated: true, status: s1), facts: F.facts(now: now.adding(.seconds(3)), progress: m1))
        let (s2, m2) = try F.stored(dormant)
        #expect(m2.dormantGeneration == 3)
        let rearmedAt = now.adding(.minutes(10))
        let rearmed = NamespacePolicyEvaluator.evaluate(policy: F.policy(rules, generation: 4, deactivated: false, status: s2), facts: F.facts(now: rearmedAt, progress: m2))
        #expect(rearmed.plan?.trigger == "nsp/expire/g4")
        #expect(rearmed.plan?.trigger != first.plan?.trigger)
        #expect(rearmed.progress.armedGeneration == 4)
        #expect(rearmed.progress.armedAt == rearmedAt)
        #expect(rearmed.progress.dormantGeneration == nil)
        #expect(rearmed.decisions.first?.reason == "Rearmed")
    }

    @Test func dryRunRecordsWouldDoOnceAndNeverGoesDormant() throws {
        let rules = [F.rule("expire", .ttl(oneHour))]
        let now = F.created.adding(.hours(2))
        let e = NamespacePolicyEvaluator.evaluate(policy: F.policy(rules, dryRun: true), facts: F.facts(now: now))
        #expect(e.plan == nil)
        #expect(e.deactivate == false)
        #expect(e.dryRunActions == [DryRunAction(policy: "expire", action: "deleteNamespace", description: "would delete namespace demo", at: now)])
        #expect(e.policy("expire")?.state == .dryRun)
        #expect(e.condition("Ready")?.reason == "DryRun")
        #expect(e.condition("Fired")?.reason == "DryRun")
        #expect(e.decisions.map(\.reason) == ["DryRun"])

        let (status, progress) = try F.stored(e)
        #expect(status.dryRunActions.count == 1)
        let again = NamespacePolicyEvaluator.evaluate(policy: F.policy(rules, dryRun: true, status: status), facts: F.facts(now: now.adding(.minutes(1)), progress: progress))
        #expect(again.dryRunActions.isEmpty)
        #expect(again.policy("expire")?.state == .dryRun)
        #expect(again.deactivate == false)
        #expect(again.plan == nil)

        // Dry run off (a spec edit): the policy now fires for real.
        let real = NamespacePolicyEvaluator.evaluate(policy: F.policy(rules, generation: 2, dryRun: false, status: status), facts: F.facts(now: now.adding(.minutes(2)), progress: progress))
        #expect(real.plan?.policy == "expire")
        #expect(real.plan?.trigger == "nsp/expire/g1")
    }

    @Test func invalidPolicyPlansNothingAndReportsTheValidatorsMessages() {
        let policy = F.policy([F.rule("expire", .ttl(oneHour))], namespace: "other")
        let e = NamespacePolicyEvaluator.evaluate(policy: policy, facts: F.facts(now: F.created.adding(.hours(2))))
        #expect(e.plan == nil)
        #expect(e.deactivate == false)
        #expect(e.condition("Ready")?.status == .false)
        #expect(e.condition("Ready")?.reason == "InvalidSpec")
        #expect(e.condition("Ready")?.message.contains("spec.namespace: \"other\" is not the policy's own namespace \"demo\"") == true)
        #expect(e.policy("expire")?.state == .invalid)
        #expect(e.decisions.map(\.reason) == ["InvalidPolicy"])
        #expect(e.decisions.first?.severity == .warning)

        // Allowed by the configuration: valid.
        let allowed = NamespacePolicyEvaluator.evaluate(
            policy: policy, facts: F.facts(now: F.created.adding(.hours(2))),
            options: .init(validation: .init(allowCrossNamespace: true, allowUnknownFields: true)))
        #expect(allowed.plan?.action == .deleteNamespace(namespace: "other", alreadyGone: false))
    }

    @Test func anUndecodableDocumentIsInvalidPerPolicy() throws {
        let doc = try JSON.parse(
            #"{"apiVersion":"vigil.dev/v1alpha1","kind":"NamespacePolicy","metadata":{"name":"p","namespace":"demo","generation":2},"spec":{"policies":[{"name":"ok","condition":{"ttl":"1h"},"action":{"deleteNamespace":{}}},{"name":"bad","condition":{"ttl":"5x"},"action":{"deleteNamespace":{}}}]}}"#)
        let e = NamespacePolicyEvaluator.evaluate(document: doc, facts: F.facts(now: F.created.adding(.hours(2))))
        #expect(e.plan == nil)
        #expect(e.observedGeneration == 2)
        #expect(e.condition("Ready")?.reason == "InvalidSpec")
        #expect(e.condition("Ready")?.message.contains("spec.policies[1].condition.ttl: \"5x\" is not a valid duration") == true)
        #expect(e.policy("bad")?.state == .invalid)
        #expect(e.policy("bad")?.message.contains("unknown unit \"x\"") == true)
        #expect(e.policy("ok")?.state == .invalid)
        #expect(e.policy("ok")?.message.contains("not evaluated") == true)

        // A valid document evaluates normally.
        let good = try JSON.parse(
            #"{"apiVersion":"vigil.dev/v1alpha1","kind":"NamespacePolicy","metadata":{"name":"p","namespace":"demo","generation":2},"spec":{"policies":[{"name":"ok","condition":{"ttl":"1h"},"action":{"deleteNamespace":{}}}]}}"#)
        #expect(NamespacePolicyEvaluator.evaluate(document: good, facts: F.facts(now: F.created.adding(.hours(2)))).plan?.policy == "ok")
    }

    @Test func missingNamespaceIsNotMetAndSaysSo() {
        let policy = F.policy([F.rule("deadline", .expiresAt(F.time("2026-11-22T09:00:00Z")))])
        let e = NamespacePolicyEvaluator.evaluate(policy: policy, facts: F.facts(now: F.created, namespace: .missing))
        #expect(e.plan == nil)
        #expect(e.policy("deadline")?.conditionMet == false)
        #expect(e.policy("deadline")?.message == "namespace demo does not exist")
        #expect(e.policy("deadline")?.nextEvaluation == nil)
        #expect(e.requeueAfter == nil)
        #expect(e.condition("Ready")?.status == .false)
        #expect(e.condition("Ready")?.reason == "NamespaceNotFound")
        #expect(e.decisions.map(\.reason).contains("NamespaceNotFound"))

        let terminating = NamespacePolicyEvaluator.evaluate(policy: policy, facts: F.facts(now: F.created, namespace: .terminating(createdAt: F.created)))
        #expect(terminating.plan == nil)
        #expect(terminating.condition("Ready")?.reason == "NamespaceTerminating")
    }

    @Test func aPendingDeleteWhoseNamespaceIsGoneCountsAsDone() throws {
        let rules = [F.rule("expire", .ttl(oneHour))]
        let now = F.created.adding(.hours(2))
        let first = NamespacePolicyEvaluator.evaluate(policy: F.policy(rules), facts: F.facts(now: now))
        let (status, progress) = try F.stored(first)
        // The delete went out, the replica died before recording; the namespace is now gone.
        let later = NamespacePolicyEvaluator.evaluate(policy: F.policy(rules, status: status), facts: F.facts(now: now.adding(.seconds(30)), namespace: .missing, progress: progress))
        #expect(later.plan?.action == .deleteNamespace(namespace: "demo", alreadyGone: true))
        #expect(later.plan?.trigger == first.plan?.trigger)
        #expect(later.condition("Ready")?.status == .true)
        let done = later.recording(.succeeded, at: now.adding(.seconds(30)))
        #expect(done.deactivate)
        #expect(done.policy("expire")?.state == .fired)
    }

    @Test func onlyTheFirstMetPolicyActsAndAFailureLetsTheNextOneAct() throws {
        let hook = WebhookAction(url: "https://hooks.example.com/x")
        let rules = [
            F.rule("not-yet", .ttl(.hours(10))),
            F.rule("notify", .ttl(oneHour), .webhook(hook)),
            F.rule("delete", .ttl(oneHour)),
        ]
        let now = F.created.adding(.hours(2))
        let e = NamespacePolicyEvaluator.evaluate(policy: F.policy(rules), facts: F.facts(now: now))
        #expect(e.plan?.policy == "notify")
        #expect(e.plan?.policyIndex == 1)
        // The plan carries the defaulted action (timeout 10s, maxAttempts 5).
        #expect(e.plan?.action == .webhook(WebhookAction(url: "https://hooks.example.com/x", timeout: .seconds(10), maxAttempts: 5), namespace: "demo"))
        #expect(e.plan?.rule.name == "notify")
        #expect(e.policy("delete")?.conditionMet == true)
        #expect(e.policy("delete")?.message.contains("waits for policy \"notify\"") == true)
        #expect(e.progress.policy("delete")?.conditionMetAt == nil)
        #expect(e.policy("not-yet")?.nextEvaluation == F.created.adding(.hours(10)))

        let retry = e.recording(.retrying(error: "HTTP 503", nextAttemptAt: now.adding(.seconds(5))), at: now)
        #expect(retry.requeueAfter == 5)
        #expect(retry.deactivate == false)
        #expect(retry.condition("Fired")?.reason == "ActionRetrying")
        // The outcome replaces the ConditionMet decision: one Event about "notify", saying what held.
        #expect(retry.decisions.filter { $0.policy == "notify" }.map(\.reason) == ["ActionRetrying"])
        #expect(retry.decisions.last?.message.contains("HTTP 503") == true && retry.decisions.last?.severity == .warning)

        let failed = e.recording(.failed(error: "HTTP 500 after 5 attempts"), at: now)
        #expect(failed.policy("notify")?.state == .failed)
        #expect(failed.deactivate == false)
        #expect(failed.requeueAfter == 0.05)
        #expect(failed.decisions.filter { $0.policy == "notify" }.map(\.reason) == ["ActionFailed"])
        let (status, progress) = try F.stored(failed)
        let next = NamespacePolicyEvaluator.evaluate(policy: F.policy(rules, status: status), facts: F.facts(now: now.adding(.seconds(1)), progress: progress))
        #expect(next.plan?.policy == "delete")
        #expect(next.policy("notify")?.state == .failed)
    }

    @Test func statusPatchCarriesTheMemoryAndKeepsDryRunsBounded() throws {
        let rules = [F.rule("expire", .ttl(oneHour))]
        let e = NamespacePolicyEvaluator.evaluate(policy: F.policy(rules, dryRun: true), facts: F.facts(now: F.created.adding(.hours(2))))
        let old = (0..<25).map { DryRunAction(policy: "x", action: "webhook", description: "old \($0)", at: F.created) }
        let patch = e.statusPatch(previous: NamespacePolicyStatus(dryRunActions: old))
        #expect(patch["dryRunActions"]?.arrayValue?.count == 20)
        #expect(patch["dryRunActions"]?.arrayValue?.last?["description"] == "would delete namespace demo")
        #expect(patch["effects"] == nil)
        #expect(patch[path: ["policies"]]?[0]?["trigger"] == "nsp/expire/g1")
        #expect(patch["armedGeneration"] == .int(1))
        #expect(patch["dormantGeneration"] == .null)
        #expect(NamespacePolicyProgress(status: patch) == e.progress)
    }
}
