import VigilAPI
import VigilJSON

/// The pure decisions of the HealthCheck pipeline, on the progress in
/// status and the injected clock: which slot is due (and the catch-up
/// rule), what a finished run does to the counters, whether the remedy runs
/// (failureThreshold, runsLimit, resetInterval — active-monitor's
/// semantics), and the conditions. No I/O.
public enum HealthCheckEvaluator {
    /// What to do about the schedule now.
    public enum Due: Sendable, Equatable {
        /// Start run `number` for slot `scheduledAt`; `folded` earlier slots passed without a run of their own.
        case start(number: Int64, scheduledAt: RFC3339Time, folded: Int64, next: RFC3339Time?)
        /// The latest slot is later than `startingDeadline`: skip it (and `folded` before it).
        case skip(scheduledAt: RFC3339Time, folded: Int64, next: RFC3339Time?)
    }

    /// The slot the next run is for: `nextRunAt` from status, or the first
    /// slot (the resource's creation for `every`, the first cron slot after
    /// it) when the check has never been scheduled or its schedule changed.
    /// After a schedule change the next slot is the new schedule's first one
    /// from now: the slots the new schedule would have had before it existed
    /// were never missed.
    public static func nextSlot(_ spec: HealthCheckSpec, _ p: HealthCheckProgress, anchor: Double, rescheduled: Bool, now: Double) -> RFC3339Time? {
        if let n = p.nextRunAt, !rescheduled { return n }
        var after = p.last.map(\.scheduledAt.secondsSinceEpoch) ?? p.current.map(\.scheduledAt.secondsSinceEpoch) ?? (anchor - 0.001)
        if rescheduled && p.nextRunAt != nil { after = max(after, now - 0.001) }
        return spec.schedule.slot(after: after, anchor: anchor).map(RFC3339Time.init(secondsSinceEpoch:))
    }

    /// Whether a run is due at `now` (never while paused or while a run is in flight).
    public static func due(_ spec: HealthCheckSpec, _ p: HealthCheckProgress, next: RFC3339Time?, now: Double, anchor: Double) -> Due? {
        guard !spec.paused, p.current == nil, let next, next.secondsSinceEpoch <= now else { return nil }
        let (slot, slots) = spec.schedule.latestSlot(from: next.secondsSinceEpoch, now: now, anchor: anchor)
        let following = spec.schedule.slot(after: max(slot, now), anchor: anchor).map(RFC3339Time.init(secondsSinceEpoch:))
        let folded = Int64(slots - 1)
        if let deadline = spec.schedule.startingDeadline, now - slot > deadline.seconds {
            return .skip(scheduledAt: RFC3339Time(secondsSinceEpoch: slot), folded: folded, next: following)
        }
        return .start(number: p.runs + 1, scheduledAt: RFC3339Time(secondsSinceEpoch: slot), folded: folded, next: following)
    }

    /// Records a finished run and decides whether the remedy runs for it.
    /// Returns the Events to record.
    public static func finish(_ spec: HealthCheckSpec, _ p: inout HealthCheckProgress, _ record: HealthCheckProgress.Record, now: RFC3339Time) -> [Announcement] {
        var out: [Announcement] = []
        let wasFailing = p.consecutiveFailures > 0
        p.finish(record, historyLimit: Int(spec.historyLimit))
        switch record.result {
        case .succeeded:
            p.remedy.runs = 0
            if wasFailing { out.append(.init(reason: "CheckRecovered", message: "run \(record.number) passed: \(record.message)")) }
        case .failed:
            out.append(.init(warning: true, reason: "CheckFailed", message: "run \(record.number) failed (\(p.consecutiveFailures) in a row): \(record.message)"))
            out += remedy(spec, &p, for: record, now: now)
        case .unknown:
            out.append(.init(warning: true, reason: "CheckUnknown", message: "run \(record.number): \(record.message)"))
        case .skipped:
            out.append(.init(warning: true, reason: "RunSkipped", message: "run for \(record.scheduledAt.text) skipped: \(record.message)"))
        }
        return out
    }

    /// Starts a remedy run for a failed run if the counters allow it.
    static func remedy(_ spec: HealthCheckSpec, _ p: inout HealthCheckProgress, for failed: HealthCheckProgress.Record, now: RFC3339Time) -> [Announcement] {
        guard let remedy = spec.remedy, p.consecutiveFailures >= spec.failureThreshold else { return [] }
        let run = failed.number
        if p.remedy.running != nil {
            return [.init(warning: true, reason: "RemedyBusy", message: "run \(run) failed while the remedy for run \(p.remedy.running!) is still running: no second remedy")]
        }
        if p.remedy.runs >= remedy.runsLimit {
            if let reset = remedy.resetInterval, let last = p.remedy.lastRunAt, now.secondsSinceEpoch - last.secondsSinceEpoch >= reset.seconds {
                p.remedy.runs = 0
            } else {
                return [.init(warning: true, reason: "RemedyExhausted", message: exhaustedMessage(spec, p) ?? "")]
            }
        }
        p.remedy.runs += 1
        p.remedy.total += 1
        p.remedy.lastRunAt = now
        p.remedy.lastRun = run
        p.remedy.running = run
        p.remedy.cause = failed.message
        p.remedy.labels = failed.labels
        p.remedy.value = failed.value
        p.remedy.dryRun = spec.dryRun
        p.remedy.steps = []
        p.remedy.message = nil
        p.remedy.lastResult = "Running"
        return [.init(reason: "RemedyStarted", message: "run \(run) failed \(p.consecutiveFailures) time\(p.consecutiveFailures == 1 ? "" : "s") in a row (failureThreshold \(spec.failureThreshold)): remedy \(p.remedy.runs) of \(remedy.runsLimit) starts" + (spec.dryRun ? " (dry run)" : ""))]
    }

    /// Why no remedy may run now (nil when one may).
    static func exhaustedMessage(_ spec: HealthCheckSpec, _ p: HealthCheckProgress) -> String? {
        guard let remedy = spec.remedy, p.remedy.runs >= remedy.runsLimit else { return nil }
        let when: String
        if let reset = remedy.resetInterval, let last = p.remedy.lastRunAt {
            when = "the next is allowed at \(RFC3339Time(secondsSinceEpoch: last.secondsSinceEpoch + reset.seconds).text) (resetInterval \(reset.text) after the last) or after a passing check"
        } else {
            when = "the next is allowed after a passing check (no resetInterval)"
        }
        return "\(p.remedy.runs) of \(remedy.runsLimit) remedy runs used (runsLimit); \(when)"
    }

    /// Healthy, RemedyExhausted and Ready.
    public static func conditions(_ spec: HealthCheckSpec, _ p: HealthCheckProgress, now: RFC3339Time) -> [(type: String, status: StatusCondition.Status, reason: String, message: String)] {
        let healthy: (StatusCondition.Status, String, String) = switch p.last?.result {
        case .succeeded?: (.true, "CheckPassed", "run \(p.last!.number) passed: \(p.last!.message)")
        case .failed?: (.false, "CheckFailed", "run \(p.last!.number) failed (\(p.consecutiveFailures) in a row): \(p.last!.message)")
        case .unknown?: (.unknown, "CheckUnknown", "run \(p.last!.number): \(p.last!.message)")
        case .skipped?, nil: (.unknown, "NotRunYet", p.current.map { "run \($0.number) is running" } ?? "no run has finished yet")
        }
        var exhausted: (StatusCondition.Status, String, String) = (.false, "RemedyAvailable", spec.remedy == nil ? "no remedy is configured" : "remedy runs left: \(max(0, (spec.remedy?.runsLimit ?? 0) - p.remedy.runs)) of \(spec.remedy?.runsLimit ?? 0)")
        if p.consecutiveFailures > 0, let m = exhaustedMessage(spec, p) { exhausted = (.true, "RunsLimitReached", m) }
        let next = p.nextRunAt.map { "next run at \($0.text)" } ?? "no further run is scheduled (the cron schedule never fires again)"
        let ready: (StatusCondition.Status, String, String) = spec.paused
            ? (.true, "Paused", "paused: no run starts until spec.paused is false")
            : (.true, "Scheduled", "\(spec.schedule.summary); \(next)")
        return [("Ready", ready.0, ready.1, ready.2), ("Healthy", healthy.0, healthy.1, healthy.2), ("RemedyExhausted", exhausted.0, exhausted.1, exhausted.2)]
    }
}
