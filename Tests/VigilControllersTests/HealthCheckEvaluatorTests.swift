import Testing
import VigilAPI
import VigilControllers
import VigilJSON

/// The pure decisions: which slot is due (and the catch-up rule), and the
/// remedy's bounds — active-monitor's semantics: the remedy runs after
/// `failureThreshold` failures in a row, at most `runsLimit` times, then
/// not until `resetInterval` has passed since the last one; any passing
/// check resets the counters.
@Suite struct HealthCheckEvaluatorTests {
    let anchor = 1_800_000_000.0
    typealias E = HealthCheckEvaluator

    func spec(every seconds: Int64 = 30, threshold: Int64 = 2, limit: Int64 = 3, reset: GoDuration? = .hours(1), deadline: GoDuration? = nil) -> HealthCheckSpec {
        HealthCheckSpec(
            schedule: HealthCheckSchedule(.every(.seconds(seconds)), startingDeadline: deadline), check: .http(.init(url: "http://a/")), failureThreshold: threshold,
            remedy: .init(actions: [.event(.init(type: .normal, reason: "R", message: ActionTemplate("m")))], runsLimit: limit, resetInterval: reset))
    }

    func t(_ s: Double) -> RFC3339Time { RFC3339Time(secondsSinceEpoch: anchor + s) }

    func record(_ n: Int64, _ result: HealthCheckProgress.Result) -> HealthCheckProgress.Record {
        .init(number: n, scheduledAt: t(Double(n) * 30), result: result, message: "m")
    }

    @Test func theFirstRunIsAtCreationAndTheNextOnePerInterval() {
        let s = spec()
        var p = HealthCheckProgress()
        let first = E.nextSlot(s, p, anchor: anchor, rescheduled: true, now: anchor + 0.1)
        #expect(first == t(0))
        #expect(E.due(s, p, next: first, now: anchor - 1, anchor: anchor) == nil)
        #expect(E.due(s, p, next: first, now: anchor + 0.2, anchor: anchor) == .start(number: 1, scheduledAt: t(0), folded: 0, next: t(30)))
        p.runs = 1
        p.nextRunAt = t(30)
        p.current = .init(number: 1, scheduledAt: t(0), startedAt: t(0.2), owner: "a")
        #expect(E.due(s, p, next: t(30), now: anchor + 31, anchor: anchor) == nil, "no second run while one is in flight")
    }

    @Test func missedSlotsRunOnceForTheLatest() {
        let s = spec()
        var p = HealthCheckProgress()
        p.runs = 4
        #expect(E.due(s, p, next: t(150), now: anchor + 245, anchor: anchor) == .start(number: 5, scheduledAt: t(240), folded: 3, next: t(270)))
    }

    @Test func aRunLaterThanTheStartingDeadlineIsSkipped() {
        let s = spec(deadline: .seconds(10))
        let p = HealthCheckProgress()
        #expect(E.due(s, p, next: t(30), now: anchor + 45, anchor: anchor) == .skip(scheduledAt: t(30), folded: 0, next: t(60)))
        #expect(E.due(s, p, next: t(30), now: anchor + 35, anchor: anchor) == .start(number: 1, scheduledAt: t(30), folded: 0, next: t(60)))
    }

    @Test func pausedStartsNothing() {
        var s = spec()
        s.paused = true
        #expect(E.due(s, HealthCheckProgress(), next: t(0), now: anchor + 100, anchor: anchor) == nil)
    }

    @Test func aChangedScheduleCountsOnFromTheLastRunOrNowWhicheverIsLater() {
        let s = spec(every: 60)
        var p = HealthCheckProgress()
        p.last = record(3, .succeeded)  // slot 90
        p.nextRunAt = t(120)
        #expect(E.nextSlot(s, p, anchor: anchor, rescheduled: false, now: anchor + 95) == t(120))
        #expect(E.nextSlot(s, p, anchor: anchor, rescheduled: true, now: anchor + 95) == t(120), "60 s slots from the anchor: the first after 90 is 120")
        let s2 = spec(every: 100)
        #expect(E.nextSlot(s2, p, anchor: anchor, rescheduled: true, now: anchor + 95) == t(100))
        // Changed an hour after the last run to a shorter interval: the slots the new schedule
        // would have had in that hour were never missed; the next is the first from now.
        let s3 = spec(every: 10)
        let next = E.nextSlot(s3, p, anchor: anchor, rescheduled: true, now: anchor + 3600 + 95)
        #expect(next == t(3600 + 100))
        #expect(E.due(s3, p, next: next, now: anchor + 3600 + 100.5, anchor: anchor) == .start(number: 1, scheduledAt: t(3700), folded: 0, next: t(3710)))
    }

    @Test func aSkippedSlotIsNoRunAndLeavesLastRunAndHealthyAlone() {
        let s = spec(deadline: .seconds(10))
        var p = HealthCheckProgress()
        _ = E.finish(s, &p, record(1, .succeeded), now: t(30))
        p.runs = 1
        _ = E.finish(s, &p, .init(number: 0, scheduledAt: t(60), result: .skipped, message: "late"), now: t(75))
        #expect(p.last?.number == 1 && p.last?.result == .succeeded)
        #expect(p.history.map(\.result) == [.skipped, .succeeded])
        let healthy = E.conditions(s, p, now: t(75)).first { $0.type == "Healthy" }
        #expect(healthy?.status == .true && healthy?.reason == "CheckPassed")
        let json = p.json
        #expect(json["history"]?.arrayValue?.first?["number"] == nil, "a skipped slot has no run number")
        #expect(HealthCheckProgress(status: json) == p)
    }

    @Test func theRemedyRunsAfterTheThresholdAndIsBounded() {
        let s = spec(threshold: 2, limit: 3, reset: .hours(1))
        var p = HealthCheckProgress()
        var notes = E.finish(s, &p, record(1, .failed), now: t(30))
        #expect(p.consecutiveFailures == 1 && p.remedy.running == nil)
        #expect(notes.map(\.reason) == ["CheckFailed"])
        notes = E.finish(s, &p, record(2, .failed), now: t(60))
        #expect(p.remedy.running == 2 && p.remedy.runs == 1 && p.remedy.total == 1)
        #expect(notes.map(\.reason) == ["CheckFailed", "RemedyStarted"])
        p.remedy.running = nil
        _ = E.finish(s, &p, record(3, .failed), now: t(90))
        p.remedy.running = nil
        _ = E.finish(s, &p, record(4, .failed), now: t(120))
        p.remedy.running = nil
        #expect(p.remedy.runs == 3 && p.remedy.total == 3)
        notes = E.finish(s, &p, record(5, .failed), now: t(150))
        #expect(p.remedy.running == nil && p.remedy.runs == 3 && p.remedy.total == 3)
        #expect(notes.map(\.reason) == ["CheckFailed", "RemedyExhausted"])
        #expect(notes[1].message.contains("3 of 3 remedy runs used"))
        let exhausted = E.conditions(s, p, now: t(150)).first { $0.type == "RemedyExhausted" }
        #expect(exhausted?.status == .true)
        // An hour after the last remedy (at 120 s), the counter resets.
        notes = E.finish(s, &p, record(6, .failed), now: t(120 + 3600))
        #expect(p.remedy.running == 6 && p.remedy.runs == 1 && p.remedy.total == 4)
    }

    @Test func aPassingCheckResetsTheCounters() {
        let s = spec(threshold: 2, limit: 1, reset: nil)
        var p = HealthCheckProgress()
        _ = E.finish(s, &p, record(1, .failed), now: t(30))
        _ = E.finish(s, &p, record(2, .failed), now: t(60))
        p.remedy.running = nil
        _ = E.finish(s, &p, record(3, .failed), now: t(90))
        #expect(p.remedy.runs == 1 && p.remedy.running == nil, "exhausted, and no resetInterval")
        let notes = E.finish(s, &p, record(4, .succeeded), now: t(120))
        #expect(notes.map(\.reason) == ["CheckRecovered"])
        #expect(p.consecutiveFailures == 0 && p.remedy.runs == 0)
        _ = E.finish(s, &p, record(5, .failed), now: t(150))
        #expect(p.remedy.running == nil, "one failure is below the threshold again")
        _ = E.finish(s, &p, record(6, .failed), now: t(180))
        #expect(p.remedy.running == 6)
        #expect(p.successCount == 1 && p.failedCount == 5)
    }

    @Test func unknownResultsNeitherFailNorPass() {
        let s = spec(threshold: 1)
        var p = HealthCheckProgress()
        let notes = E.finish(s, &p, record(1, .unknown), now: t(30))
        #expect(p.consecutiveFailures == 0 && p.remedy.running == nil && p.unknownCount == 1)
        #expect(notes.map(\.reason) == ["CheckUnknown"])
        #expect(E.conditions(s, p, now: t(30)).first { $0.type == "Healthy" }?.status == .unknown)
    }

    @Test func noSecondRemedyWhileOneIsRunning() {
        let s = spec(threshold: 1)
        var p = HealthCheckProgress()
        _ = E.finish(s, &p, record(1, .failed), now: t(30))
        let notes = E.finish(s, &p, record(2, .failed), now: t(60))
        #expect(p.remedy.running == 1 && p.remedy.total == 1)
        #expect(notes.map(\.reason) == ["CheckFailed", "RemedyBusy"])
    }

    @Test func historyIsBoundedAndStatusRoundTrips() {
        var s = spec()
        s.historyLimit = 3
        var p = HealthCheckProgress()
        for n in 1...5 { _ = E.finish(s, &p, record(Int64(n), n % 2 == 0 ? .failed : .succeeded), now: t(Double(n) * 30)) }
        #expect(p.history.map(\.number) == [5, 4, 3])
        p.runs = 5
        p.nextRunAt = t(180)
        p.current = .init(number: 6, scheduledAt: t(180), startedAt: t(180.5), owner: "vigil-0", job: "c-6")
        #expect(HealthCheckProgress(status: p.json) == p)
    }
}
