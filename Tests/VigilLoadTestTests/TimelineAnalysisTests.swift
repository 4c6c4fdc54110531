import Testing
import VigilLoadTest

/// The chaos test's judge must catch what it claims to catch: each check is
/// shown failing on a timeline that breaks it, and passing on one that does not.
@Suite struct TimelineAnalysisTests {
    typealias W = Timeline.Work
    typealias D = Timeline.Delivery

    static func clean() -> Timeline {
        Timeline(
            work: [
                W(at: 1.0, replica: "a", namespace: "n1", begin: true, epoch: 1), W(at: 1.2, replica: "a", namespace: "n1", begin: false),
                W(at: 2.0, replica: "b", namespace: "n1", begin: true, epoch: 2), W(at: 2.3, replica: "b", namespace: "n1", begin: false),
                W(at: 1.1, replica: "b", namespace: "n2", begin: true, epoch: 1), W(at: 1.4, replica: "b", namespace: "n2", begin: false),
            ],
            deliveries: [
                D(at: 1.1, key: "k10", namespace: "n1", index: 0, replica: "a"),
                D(at: 2.1, key: "k11", namespace: "n1", index: 1, replica: "b"),
                D(at: 1.3, key: "k20", namespace: "n2", index: 0, replica: "b"),
            ])
    }

    @Test func aCleanTimelinePasses() {
        let a = TimelineAnalysis(Self.clean(), expected: ["n1": 2, "n2": 1], end: 10)
        #expect(a.isClean)
        #expect(a.reconciles == 3)
        #expect(a.uniqueEffects == 3 && a.rawDuplicates == 0 && a.deliveries == 3)
    }

    @Test func twoReplicasWorkingOneNamespaceAtOnceIsAnOverlap() {
        var t = Self.clean()
        t.work.append(W(at: 1.1, replica: "c", namespace: "n1", begin: true, epoch: 3))
        t.work.append(W(at: 1.15, replica: "c", namespace: "n1", begin: false))
        let a = TimelineAnalysis(t, expected: ["n1": 2, "n2": 1], end: 10)
        #expect(a.overlaps.count == 1)
        #expect(a.overlaps.first?.namespace == "n1")
        #expect(Set([a.overlaps.first?.first, a.overlaps.first?.second]) == ["a", "c"])
        #expect(!a.isClean)
    }

    @Test func anIntervalLeftOpenLastsUntilTheReplicaStopped() {
        // a began and was killed at 3.0 without `end`; b began at 2.5: overlap.
        var t = Timeline(work: [
            W(at: 1.0, replica: "a", namespace: "n", begin: true, epoch: 1),
            W(at: 2.5, replica: "b", namespace: "n", begin: true, epoch: 2), W(at: 2.6, replica: "b", namespace: "n", begin: false),
        ])
        t.stoppedAt["a"] = 3.0
        #expect(TimelineAnalysis(t, expected: [:], end: 10).overlaps.count == 1)
        // Killed at 2.0, before b began: no overlap.
        t.stoppedAt["a"] = 2.0
        #expect(TimelineAnalysis(t, expected: [:], end: 10).overlaps.isEmpty)
        // Never stopped: open until the end of the run.
        t.stoppedAt = [:]
        #expect(TimelineAnalysis(t, expected: [:], end: 10).overlaps.count == 1)
    }

    @Test func aNewOwnerMustWorkInALaterEpoch() {
        var t = Self.clean()
        t.work[2].epoch = 1  // b took n1 over in the epoch a worked in
        let a = TimelineAnalysis(t, expected: ["n1": 2, "n2": 1], end: 10)
        #expect(a.overlaps.isEmpty)
        #expect(a.epochRegressions.count == 1)
    }

    @Test func lostEffectsAndEffectsFiredUnderTwoKeysAreReported() {
        var t = Self.clean()
        t.deliveries.removeLast()  // n2#0 never delivered
        t.deliveries.append(D(at: 2.2, key: "other", namespace: "n1", index: 1, replica: "b"))  // n1#1 under a second key
        let a = TimelineAnalysis(t, expected: ["n1": 2, "n2": 1], end: 10)
        #expect(a.lost == ["n2#0"])
        #expect(a.duplicateKeys == ["n1#1 delivered under 2 keys"])
    }

    @Test func rawDuplicatesOfOneKeyAreCountedNotJudged() {
        var t = Self.clean()
        t.deliveries.append(D(at: 2.2, key: "k11", namespace: "n1", index: 1, replica: "b"))
        let a = TimelineAnalysis(t, expected: ["n1": 2, "n2": 1], end: 10)
        #expect(a.rawDuplicates == 1)
        #expect(a.uniqueEffects == 3)
        #expect(a.isClean)
    }
}
