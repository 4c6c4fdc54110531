import VigilJSON

/// One entry of `status.effects`, the effect ledger that makes actions
/// exactly-once. The format is the one `VigilRuntime.EffectEntry` reads and
/// writes (this type only models it for the API and the CRD schema):
///
///     {"key": "3f0c…", "action": "webhook:ops", "phase": "Pending",
///      "attempts": 1, "owner": "vigil-7d9f-x2", "startedAt": "2026-11-22T11:05:29.123456Z"}
public struct EffectRecord: Sendable, Hashable {
    /// Where an effect stands.
    public enum Phase: String, Sendable, Hashable, CaseIterable {
        /// Recorded before running; not known to have finished.
        case pending = "Pending"
        /// Ran and succeeded; never run again under this key.
        case succeeded = "Succeeded"
        /// Ran and failed; retried at `nextRetryAt`, or never when that is absent.
        case failed = "Failed"
    }

    /// The deterministic effect key (32 lowercase hex characters).
    public var key: String
    /// What the effect is, for people (`webhook:notify-ops`).
    public var action: String
    public var phase: Phase
    /// Runs started so far under this key (1 for the first).
    public var attempts: Int
    /// The replica that recorded the current attempt.
    public var owner: String?
    /// Why the last attempt failed.
    public var lastError: String?
    /// When a failed effect may run again; absent when it will not.
    public var nextRetryAt: RFC3339Time?
    /// When the current attempt was recorded as `Pending`.
    public var startedAt: RFC3339Time
    /// When the current attempt's result was recorded.
    public var finishedAt: RFC3339Time?

    public init(key: String, action: String, phase: Phase, attempts: Int, owner: String? = nil, lastError: String? = nil, nextRetryAt: RFC3339Time? = nil, startedAt: RFC3339Time, finishedAt: RFC3339Time? = nil) {
        self.key = key
        self.action = action
        self.phase = phase
        self.attempts = attempts
        self.owner = owner
        self.lastError = lastError
        self.nextRetryAt = nextRetryAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    /// The entry as stored, in the ledger's member order (absent optionals left out).
    public var json: JSON {
        var o = JSONObject()
        o["key"] = .string(key)
        o["action"] = .string(action)
        o["phase"] = .string(phase.rawValue)
        o["attempts"] = .int(Int64(attempts))
        if let owner { o["owner"] = .string(owner) }
        if let lastError { o["lastError"] = .string(lastError) }
        if let nextRetryAt { o["nextRetryAt"] = .string(nextRetryAt.text) }
        o["startedAt"] = .string(startedAt.text)
        if let finishedAt { o["finishedAt"] = .string(finishedAt.text) }
        return .object(o)
    }

    init?(_ value: JSON, at path: String, _ r: inout FieldReader) {
        let before = r.count
        guard let o = r.object(value, at: path) else { return nil }
        r.rejectUnknown(o, known: ["key", "action", "phase", "attempts", "owner", "lastError", "nextRetryAt", "startedAt", "finishedAt"], at: path)
        let key = r.string(o, "key", at: path, required: "the effect key")
        let action = r.string(o, "action", at: path, nonEmpty: false) ?? ""
        let phase = r.enumeration(o, "phase", at: path, as: Phase.self, required: "Pending, Succeeded or Failed")
        let attempts = r.int(o, "attempts", at: path, in: 0...Int64(Int32.max)) ?? 0
        let owner = r.string(o, "owner", at: path, nonEmpty: false)
        let lastError = r.string(o, "lastError", at: path, nonEmpty: false)
        let next = r.time(o, "nextRetryAt", at: path)
        let started = r.time(o, "startedAt", at: path, required: "when the attempt was recorded")
        let finished = r.time(o, "finishedAt", at: path)
        guard r.count == before, let key, let phase, let started else { return nil }
        self.init(key: key, action: action, phase: phase, attempts: Int(attempts), owner: owner, lastError: lastError, nextRetryAt: next, startedAt: started, finishedAt: finished)
    }
}
