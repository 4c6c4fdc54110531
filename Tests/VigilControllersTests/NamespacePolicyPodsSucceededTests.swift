import Testing
import VigilAPI
import VigilControllers
import VigilJSON

@Suite struct NamespacePolicyPodsSucceededTests {
    typealias F = NSPFixture
    typealias Pod = NamespacePolicyFacts.Pod

    static func condition(min: Int? = nil) -> PolicyCondition {
        .podsSucceeded(PodsSucceededCondition(selector: LabelSelectorSpec(matchLabels: ["job": "e2e"]), minSucceeded: min))
    }

    func pod(_ name: String, _ phase: Pod.Phase, job: String = "e2e") -> Pod {
        Pod(name: name, uid: "uid-\(name)", labels: ["job": job], phase: phase)
    }

    /// Armed at `F.created`; default initialDelay 60s, period 10s.
    func evaluate(at offset: Int64, pods: [Pod], min: Int? = nil, progress: NamespacePolicyProgress? = nil) -> NamespacePolicyEvaluation {
        let policy = F.policy([F.rule("done", Self.condition(min: min))])
        let mem = progress ?? NamespacePolicyProgress(armedGeneration: 1, armedAt: F.created)
        return NamespacePolicyEvaluator.evaluate(policy: policy, facts: F.facts(now: F.created.adding(.seconds(offset)), pods: pods, progress: mem))
    }

    @Test func notLookedAtBeforeTheInitialDelay() {
        let e = evaluate(at: 59, pods: [pod("a", .succeeded)])
        #expect(e.plan == nil)
        #expect(e.policy("done")?.state == .waiting)
        #expect(e.policy("done")?.nextEvaluation == F.created.adding(.seconds(60)))
        #expect(e.policy("done")?.lastEvaluation == nil)
        #expect(e.requeueAfter == 1)
        #expect(evaluate(at: 60, pods: [pod("a", .succeeded)]).plan?.policy == "done")
    }

    @Test func firstArmingCountsFromTheResourcesCreation() {
        let policy = F.policy([F.rule("done", Self.condition())])
        let e = NamespacePolicyEvaluator.evaluate(policy: policy, facts: F.facts(now: F.created.adding(.seconds(30))))
        #expect(e.progress.armedAt == F.created)
        #expect(e.nextEvaluation == F.created.adding(.seconds(60)))
    }

    @Test func noPodsEverSeenIsNotDone() {
        let e = evaluate(at: 75, pods: [pod("other", .succeeded, job: "unrelated")])
        #expect(e.plan == nil)
        #expect(e.policy("done")?.conditionMet == false)
        #expect(e.policy("done")?.state == .evaluating)
        #expect(e.policy("done")?.message.contains("does not count as done") == true)
        // Polls on the grid created+60s+k*10s: the next after 75s is 80s.
        #expect(e.policy("done")?.nextEvaluation == F.created.adding(.seconds(80)))
        #expect(e.requeueAfter == 5)
        #expect(evaluate(at: 80, pods: []).nextEvaluation == F.created.adding(.seconds(90)))
    }

    @Test func podsSeenSucceededThenDeletedCountAsDone() throws {
        let first = evaluate(at: 60, pods: [pod("a", .succeeded), pod("b", .running)], min: 2)
        #expect(first.plan == nil)
        #expect(first.progress.policy("done")?.succeededPods == ["uid-a"])
        let second = evaluate(at: 70, pods: [pod("b", .succeeded)], min: 2, progress: first.progress)
        #expect(second.plan?.policy == "done")
        #expect(second.progress.policy("done")?.succeededPods == ["uid-a", "uid-b"])
        // Both gone later: still met from progress (round-tripped through status).
        let (_, progress) = try F.stored(evaluate(at: 70, pods: [pod("b", .running)], min: 2, progress: first.progress))
        let empty = evaluate(at: 80, pods: [], min: 2, progress: progress)
        #expect(empty.plan == nil)  // only a was seen
        let seenBoth = NamespacePolicyProgress(armedGeneration: 1, armedAt: F.created, policies: [.init(name: "done", trigger: "nsp/done/g1", succeededPods: ["uid-a", "uid-b"])])
        let gone = evaluate(at: 80, pods: [], min: 2, progress: seenBoth)
        #expect(gone.plan?.policy == "done")
        #expect(gone.policy("done")?.message.contains("no pods matching job=e2e are left and 2 were seen succeeded") == true)
    }

    @Test func oneFailedPodKeepsItFromHolding() {
        let e = evaluate(at: 60, pods: [pod("a", .succeeded), pod("b", .failed)])
        #expect(e.plan == nil)
        #expect(e.policy("done")?.conditionMet == false)
        #expect(e.policy("done")?.message.contains("b (Failed)") == true)
        #expect(e.policy("done")?.message.contains("1 failed and will never succeed") == true)
    }

    @Test func belowMinSucceededIsNotDoneEvenIfAllSucceeded() {
        let e = evaluate(at: 60, pods: [pod("a", .succeeded), pod("b", .succeeded)], min: 3)
        #expect(e.plan == nil)
        #expect(e.policy("done")?.message.contains("only 2 of minSucceeded 3 seen succeeded") == true)
        let enough = evaluate(at: 70, pods: [pod("c", .succeeded)], min: 3, progress: e.progress)
        #expect(enough.plan?.policy == "done")
    }

    @Test func seenPodsAreRecordedOnlyUpToMinSucceeded() {
        let pods = (0..<10).map { pod("p\($0)", .succeeded) }
        let e = evaluate(at: 60, pods: pods, min: 2)
        #expect(e.progress.policy("done")?.succeededPods.count == 2)
    }

    @Test func aLatchedConditionStaysPlannedWhenThePodsDisappear() throws {
        let met = evaluate(at: 60, pods: [pod("a", .succeeded)])
        #expect(met.plan != nil)
        let later = evaluate(at: 300, pods: [pod("new", .running)], progress: met.progress)
        #expect(later.plan?.trigger == met.plan?.trigger)
        #expect(later.decisions.isEmpty)
    }
}
