import VigilJSON

/// When a `HealthCheck` runs: `every` (a fixed interval counted from the
/// resource's creation, so the slots are the same on every replica) or
/// `cron` (5 fields or a macro, in `timeZone`, UTC by default).
///
/// A run that could not start at its slot (no replica owned the namespace,
/// the check was paused, the previous run was still going) starts once, for
/// the latest slot that passed, as soon as it can — not once per missed
/// slot — unless it is later than `startingDeadline`, in which case it is
/// skipped and counted (as a CronJob's `startingDeadlineSeconds`).
public struct HealthCheckSchedule: Sendable, Hashable {
    public enum Timing: Sendable, Hashable {
        case every(GoDuration)
        case cron(CronSchedule)
    }

    public static let minimumInterval = GoDuration.seconds(1)

    public var timing: Timing
    /// `timeZone` as written (cron only).
    public var timeZone: String?
    public var startingDeadline: GoDuration?

    public init(_ timing: Timing, timeZone: String? = nil, startingDeadline: GoDuration? = nil) {
        self.timing = timing
        self.timeZone = timeZone
        self.startingDeadline = startingDeadline
    }

    /// For people and the SCHEDULE column: `every 30s`, `*/5 * * * * (Europe/Berlin)`.
    public var summary: String {
        switch timing {
        case .every(let d): return "every \(d.text)"
        case .cron(let c): return c.description
        }
    }

    /// The first slot strictly after `t` (Unix seconds); `anchor` is where
    /// `every` counts from. Nil when a cron schedule never fires again.
    public func slot(after t: Double, anchor: Double) -> Double? {
        switch timing {
        case .every(let d):
            let step = d.seconds
            if t < anchor { return anchor }
            let k = ((t - anchor) / step).rounded(.down) + 1
            return anchor + k * step
        case .cron(let c):
            return c.next(after: t)
        }
    }

    /// The latest slot at or before `now`, starting from the due slot
    /// `due` (≤ `now`), and how many slots from `due` on it stands for
    /// (1 when `due` is the latest).
    public func latestSlot(from due: Double, now: Double, anchor: Double) -> (slot: Double, slots: Int) {
        guard due <= now else { return (due, 1) }
        switch timing {
        case .every(let d):
            let step = d.seconds
            let k = ((now - due) / step).rounded(.down)
            return (due + k * step, Int(k) + 1)
        case .cron(let c):
            var slot = due
            var count = 1
            // Bounded: a schedule every minute missed for a week is 10,080 slots.
            while count < 100_000, let n = c.next(after: slot), n <= now {
                slot = n
                count += 1
            }
            return (slot, count)
        }
    }

    public var json: JSON {
        var o = JSONObject()
        switch timing {
        case .every(let d): o["every"] = .string(d.text)
        case .cron(let c):
            o["cron"] = .string(c.text)
            if let z = timeZone { o["timeZone"] = .string(z) }
        }
        if let s = startingDeadline { o["startingDeadline"] = .string(s.text) }
        return .object(o)
    }

    static let known = ["every", "cron", "timeZone", "startingDeadline"]

    init?(_ value: JSON, at path: String, _ r: inout FieldReader) {
        let before = r.count
        guard let o = r.object(value, at: path) else { return nil }
        r.rejectUnknown(o, known: Self.known, at: path)
        let present = r.exactlyOne(of: ["every", "cron"], in: o, value: value, at: path)
        var timing: Timing?
        if let every = r.duration(o, "every", at: path) {
            if every < Self.minimumInterval {
                r.report(FieldReader.child(path, "every"), .string(every.text), "must be at least \(Self.minimumInterval.text)")
            } else {
                timing = .every(every)
            }
        }
        let zone = r.string(o, "timeZone", at: path)
        if zone != nil && present == ["every"] {
            r.report(FieldReader.child(path, "timeZone"), o["timeZone"], "timeZone only applies to cron: an interval (every) runs at the same pace in every zone")
        }
        if let text = r.string(o, "cron", at: path) {
            do {
                timing = .cron(try CronSchedule(text, timeZone: zone))
            } catch {
                let field = error.description.contains("time zone") ? "timeZone" : "cron"
                r.report(FieldReader.child(path, field), o[field], error.description)
            }
        }
        let deadline = r.duration(o, "startingDeadline", at: path)
        if let deadline, deadline.milliseconds <= 0 {
            r.report(FieldReader.child(path, "startingDeadline"), .string(deadline.text), "must be greater than zero")
        }
        guard r.count == before, let timing else { return nil }
        self.init(timing, timeZone: zone, startingDeadline: deadline)
    }
}
