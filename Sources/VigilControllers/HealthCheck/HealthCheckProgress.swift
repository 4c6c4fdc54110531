import VigilAPI
import VigilJSON

/// What a `HealthCheck` remembers between reconciles, in its status so no
/// restart or fail-over loses it: the run counter and the next slot (the
/// schedule lives here, not in a timer), the run in flight, the last run and
/// a bounded history, the counters that gate the remedy, and the remedy run
/// in flight with its steps.
public struct HealthCheckProgress: Sendable, Equatable {
    public enum Result: String, Sendable, Equatable, CaseIterable {
        case succeeded = "Succeeded"
        case failed = "Failed"
        /// The run's outcome is not known (the replica running an HTTP probe stopped mid-flight; the Job disappeared).
        case unknown = "Unknown"
        /// The slot was skipped: later than `startingDeadline` when a replica could start it.
        case skipped = "Skipped"
    }

    /// The run in flight.
    public struct Current: Sendable, Equatable {
        public var number: Int64
        public var scheduledAt: RFC3339Time
        public var startedAt: RFC3339Time
        /// The replica that started it.
        public var owner: String
        /// A Job check's Job.
        public var job: String?
        public init(number: Int64, scheduledAt: RFC3339Time, startedAt: RFC3339Time, owner: String, job: String? = nil) {
            self.number = number
            self.scheduledAt = scheduledAt
            self.startedAt = startedAt
            self.owner = owner
            self.job = job
        }
    }

    /// A finished run, or a slot skipped past `startingDeadline`.
    public struct Record: Sendable, Equatable {
        /// The run's number; 0 for a skipped slot, which is not a run.
        public var number: Int64
        public var scheduledAt: RFC3339Time
        public var startedAt: RFC3339Time?
        public var finishedAt: RFC3339Time?
        public var result: Result
        public var message: String
        public var durationSeconds: Double?
        public var job: String?
        /// The end of a failed Job's log.
        public var log: String?
        /// Numbers a Job printed in its `{"vigilMetrics": {…}}` line.
        public var metrics: [String: Double]
        /// A failing promql check's first series (the remedy's `{{labels.*}}` and `{{value}}`).
        public var labels: [String: String]?
        public var value: String?
        public init(
            number: Int64, scheduledAt: RFC3339Time, startedAt: RFC3339Time? = nil, finishedAt: RFC3339Time? = nil, result: Result, message: String,
            durationSeconds: Double? = nil, job: String? = nil, log: String? = nil, metrics: [String: Double] = [:]
        ) {
            self.number = number
            self.scheduledAt = scheduledAt
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.result = result
            self.message = message
            self.durationSeconds = durationSeconds
            self.job = job
            self.log = log
            self.metrics = metrics
        }
    }

    /// The remedy's counters and the remedy run in flight.
    public struct Remedy: Sendable, Equatable {
        /// Remedy runs since the counters were last reset (what `runsLimit` bounds).
        public var runs: Int64 = 0
        /// Remedy runs ever.
        public var total: Int64 = 0
        public var lastRunAt: RFC3339Time?
        /// The check run the last remedy answered.
        public var lastRun: Int64?
        public var lastResult: String?
        /// The remedy run in flight: the check run it answers, and its steps so far.
        public var running: Int64?
        /// What the failed run that started it said, kept for the remedy's templates
        /// (`{{labels.X}}`, `{{value}}`) and its webhook body: the run's record may
        /// leave `history` before a remedy that retries is over.
        public var cause: String?
        public var labels: [String: String]?
        public var value: String?
        public var dryRun = false
        public var steps: [ActionStepRecord] = []
        public var message: String?
        public init() {}
    }

    /// Last started run's number (0: none yet).
    public var runs: Int64 = 0
    public var nextRunAt: RFC3339Time?
    public var current: Current?
    public var last: Record?
    public var successCount: Int64 = 0
    public var failedCount: Int64 = 0
    public var unknownCount: Int64 = 0
    /// Slots that never got a run of their own (folded into a later run by the catch-up rule, or skipped past `startingDeadline`).
    public var missedCount: Int64 = 0
    public var consecutiveFailures: Int64 = 0
    public var remedy = Remedy()
    /// Newest first, at most `historyLimit`.
    public var history: [Record] = []

    public init() {}

    /// Records a finished run: counters, last run, history.
    public mutating func finish(_ record: Record, historyLimit: Int) {
        switch record.result {
        case .succeeded:
            successCount += 1
            consecutiveFailures = 0
        case .failed:
            failedCount += 1
            consecutiveFailures += 1
        case .unknown:
            unknownCount += 1
        case .skipped:
            break
        }
        // A skipped slot is not a run: it goes into history, but lastRun stays the last real run.
        if record.result != .skipped { last = record }
        history.insert(record, at: 0)
        if history.count > historyLimit { history.removeLast(history.count - historyLimit) }
    }

    // MARK: JSON

    public init(status: JSON) {
        runs = status["runs"]?.intValue ?? 0
        nextRunAt = Self.time(status["nextRunAt"])
        if let c = status["currentRun"], let n = c["number"]?.intValue, let s = Self.time(c["scheduledAt"]), let st = Self.time(c["startedAt"]) {
            current = Current(number: n, scheduledAt: s, startedAt: st, owner: c["owner"]?.stringValue ?? "", job: c["job"]?.stringValue)
        }
        last = status["lastRun"].flatMap(Self.record)
        successCount = status["successCount"]?.intValue ?? 0
        failedCount = status["failedCount"]?.intValue ?? 0
        unknownCount = status["unknownCount"]?.intValue ?? 0
        missedCount = status["missedCount"]?.intValue ?? 0
        consecutiveFailures = status["consecutiveFailures"]?.intValue ?? 0
        if let r = status["remedy"] {
            remedy.runs = r["runs"]?.intValue ?? 0
            remedy.total = r["total"]?.intValue ?? 0
            remedy.lastRunAt = Self.time(r["lastRunAt"])
            remedy.lastRun = r["lastRun"]?.intValue
            remedy.lastResult = r["lastResult"]?.stringValue
            remedy.running = r["running"]?.intValue
            remedy.dryRun = r["dryRun"]?.boolValue ?? false
            remedy.cause = r["cause"]?.stringValue
            remedy.labels = r["labels"]?.stringMap
            remedy.value = r["value"]?.stringValue
            remedy.steps = (r["actions"]?.arrayValue ?? []).compactMap(ActionStepRecord.init(json:))
            remedy.message = r["message"]?.stringValue
        }
        history = (status["history"]?.arrayValue ?? []).compactMap(Self.record)
    }

    /// The status members this type owns.
    public var json: JSON {
        var o = JSONObject()
        o["runs"] = .int(runs)
        if let n = nextRunAt { o["nextRunAt"] = .string(n.text) }
        if let c = current {
            var m = JSONObject()
            m["number"] = .int(c.number)
            m["scheduledAt"] = .string(c.scheduledAt.text)
            m["startedAt"] = .string(c.startedAt.text)
            m["owner"] = .string(c.owner)
            if let j = c.job { m["job"] = .string(j) }
            o["currentRun"] = .object(m)
        }
        if let l = last {
            o["lastRun"] = Self.json(l)
            o["lastResult"] = .string(l.result.rawValue)
        }
        o["successCount"] = .int(successCount)
        o["failedCount"] = .int(failedCount)
        if unknownCount > 0 { o["unknownCount"] = .int(unknownCount) }
        if missedCount > 0 { o["missedCount"] = .int(missedCount) }
        o["consecutiveFailures"] = .int(consecutiveFailures)
        var r = JSONObject()
        r["runs"] = .int(remedy.runs)
        r["total"] = .int(remedy.total)
        if let t = remedy.lastRunAt { r["lastRunAt"] = .string(t.text) }
        if let n = remedy.lastRun { r["lastRun"] = .int(n) }
        if let x = remedy.lastResult { r["lastResult"] = .string(x) }
        if let n = remedy.running {
            r["running"] = .int(n)
            if remedy.dryRun { r["dryRun"] = .bool(true) }
            if let c = remedy.cause { r["cause"] = .string(c) }
            if let l = remedy.labels { r["labels"] = .strings(l) }
            if let v = remedy.value { r["value"] = .string(v) }
        }
        if !remedy.steps.isEmpty { r["actions"] = .array(remedy.steps.map(\.json)) }
        if let m = remedy.message { r["message"] = .string(m) }
        o["remedy"] = .object(r)
        if !history.isEmpty { o["history"] = .array(history.map(Self.json)) }
        return .object(o)
    }

    static func time(_ j: JSON?) -> RFC3339Time? { j?.stringValue.flatMap(RFC3339Time.init) }

    static func json(_ r: Record) -> JSON {
        var m = JSONObject()
        if r.number > 0 { m["number"] = .int(r.number) }
        m["scheduledAt"] = .string(r.scheduledAt.text)
        if let t = r.startedAt { m["startedAt"] = .string(t.text) }
        if let t = r.finishedAt { m["finishedAt"] = .string(t.text) }
        m["result"] = .string(r.result.rawValue)
        m["message"] = .string(r.message)
        if let d = r.durationSeconds { m["durationSeconds"] = .double((d * 1000).rounded() / 1000) }
        if let j = r.job { m["job"] = .string(j) }
        if let l = r.log { m["log"] = .string(l) }
        if !r.metrics.isEmpty { m["metrics"] = .object(JSONObject(r.metrics.sorted { $0.key < $1.key }.map { (key: $0.key, value: JSON.double($0.value)) })) }
        if let l = r.labels { m["labels"] = .strings(l) }
        if let v = r.value { m["value"] = .string(v) }
        return .object(m)
    }

    static func record(_ j: JSON) -> Record? {
        let n = j["number"]?.intValue ?? 0
        guard let s = time(j["scheduledAt"]), let result = j["result"]?.stringValue.flatMap(Result.init) else { return nil }
        var metrics: [String: Double] = [:]
        for (k, v) in j["metrics"]?.objectValue ?? JSONObject() { if let d = v.doubleValue { metrics[k] = d } }
        var r = Record(
            number: n, scheduledAt: s, startedAt: time(j["startedAt"]), finishedAt: time(j["finishedAt"]), result: result, message: j["message"]?.stringValue ?? "",
            durationSeconds: j["durationSeconds"]?.doubleValue, job: j["job"]?.stringValue, log: j["log"]?.stringValue, metrics: metrics)
        r.labels = j["labels"]?.stringMap
        r.value = j["value"]?.stringValue
        return r
    }
}
