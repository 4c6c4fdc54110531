import VigilJSON

/// One side effect as recorded in a resource's `status.effects` list:
///
///     {"key": "3f0c…", "action": "webhook:ops", "phase": "Pending",
///      "attempts": 1, "owner": "vigil-7d9f-x2", "startedAt": "2026-11-22T11:05:29.123456Z"}
///
/// `Pending` is written before the effect runs and `Succeeded` / `Failed`
/// after, so a replica that takes over finds what was left unfinished.
/// Fields this version does not know are dropped when the entry is rewritten;
/// other entries are written back exactly as read.
public struct EffectEntry: Sendable, Hashable {
    /// Where an effect stands.
    public enum Phase: String, Sendable, Hashable, CaseIterable {
        /// Recorded before running; not known to have finished.
        case pending = "Pending"
        /// Ran and succeeded; never run again under this key.
        case succeeded = "Succeeded"
        /// Ran and failed; retried at `nextRetryAt`, or never when that is absent.
        case failed = "Failed"
    }

    public var key: EffectKey
    /// What the effect is, for people (`webhook:ops-pager`, `patch:resize`).
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

    public init(
        key: EffectKey, action: String, phase: Phase, attempts: Int, owner: String? = nil, lastError: String? = nil,
        nextRetryAt: RFC3339Time? = nil, startedAt: RFC3339Time, finishedAt: RFC3339Time? = nil
    ) {
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

    /// The entry as it is stored (absent optionals are left out).
    public var json: JSON {
        var o = JSONObject()
        o["key"] = .string(key.rawValue)
        o["action"] = .string(action)
        o["phase"] = .string(phase.rawValue)
        o["attempts"] = .int(Int64(attempts))
        if let owner { o["owner"] = .string(owner) }
        if let lastError { o["lastError"] = .string(lastError) }
        if let nextRetryAt { o["nextRetryAt"] = .string(nextRetryAt.microText) }
        o["startedAt"] = .string(startedAt.microText)
        if let finishedAt { o["finishedAt"] = .string(finishedAt.microText) }
        return .object(o)
    }

    /// Reads a stored entry. `index` is its position in `status.effects`,
    /// used only to say where a bad entry is.
    public init(json: JSON, index: Int = 0) throws(EffectLedgerError) {
        func bad(_ field: String, _ why: String) -> EffectLedgerError {
            .invalidEntry(index: index, field: field, detail: why)
        }
        guard case .object = json else { throw bad("", "expected an object, found \(json.typeName)") }
        guard let key = json["key"]?.stringValue, !key.isEmpty else { throw bad("key", "a non-empty string is required") }
        guard let phaseText = json["phase"]?.stringValue else { throw bad("phase", "a string is required") }
        guard let phase = Phase(rawValue: phaseText) else {
            throw bad("phase", "'\(phaseText)' is not one of \(Phase.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        func time(_ field: String) throws(EffectLedgerError) -> RFC3339Time? {
            guard let v = json[field], !v.isNull else { return nil }
            guard let s = v.stringValue, let t = RFC3339Time(s) else { throw bad(field, "expected an RFC 3339 time, found \(v.serializedString)") }
            return t
        }
        guard let started = try time("startedAt") else { throw bad("startedAt", "an RFC 3339 time is required") }
        self.init(
            key: EffectKey(rawValue: key), action: json["action"]?.stringValue ?? "", phase: phase,
            attempts: Int(json["attempts"]?.intValue ?? 0), owner: json["owner"]?.stringValue,
            lastError: json["lastError"]?.stringValue, nextRetryAt: try time("nextRetryAt"), startedAt: started,
            finishedAt: try time("finishedAt"))
    }
}
