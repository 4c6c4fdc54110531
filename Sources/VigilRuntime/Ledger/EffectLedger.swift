import VigilJSON

/// The decisions of the exactly-once effect ledger (docs/architecture.md,
/// "Exactly-once effects"), without I/O: given the entries read from
/// `status.effects`, what to do about one effect key, and what the list
/// becomes after recording an attempt or its result. `EffectLedgerStore` does
/// the reading and writing.
///
/// Times are wall-clock `RFC3339Time`s because entries are compared across
/// replicas; skew between hosts shifts retries by that much and no more.
public struct EffectLedger: Sendable, Hashable {
    /// Tuning: list bound, retry backoff, when a `Pending` entry counts as abandoned.
    public struct Policy: Sendable, Hashable {
        /// Entries kept; the oldest finished ones go first, `Pending` ones never.
        public var maxEntries: Int
        /// Delay before the first retry; doubles with each failed attempt.
        public var baseRetryDelay: Double
        /// Longest delay between retries.
        public var maxRetryDelay: Double
        /// Attempts after which a failed effect is not retried.
        public var maxAttempts: Int
        /// A `Pending` entry of another owner older than this is taken to be
        /// abandoned (its owner died between recording and finishing) and is
        /// resumed with the same key. Longer than any effect takes.
        public var pendingTimeout: Double

        public init(maxEntries: Int = 100, baseRetryDelay: Double = 5, maxRetryDelay: Double = 600, maxAttempts: Int = 10, pendingTimeout: Double = 120) {
            self.maxEntries = maxEntries
            self.baseRetryDelay = baseRetryDelay
            self.maxRetryDelay = maxRetryDelay
            self.maxAttempts = maxAttempts
            self.pendingTimeout = pendingTimeout
        }

        /// Seconds to wait after failed attempt number `attempts` (1-based):
        /// `baseRetryDelay * 2^(attempts-1)`, at most `maxRetryDelay`.
        public func retryDelay(afterAttempts attempts: Int) -> Double {
            let exponent = min(max(attempts - 1, 0), 62)
            return min(maxRetryDelay, baseRetryDelay * Double(UInt64(1) << UInt64(exponent)))
        }
    }

    /// What to do about one effect key.
    public enum Decision: Sendable, Hashable {
        /// Never tried, or failed and its retry time has come: record
        /// `Pending`, then run it.
        case start
        /// It succeeded; do nothing.
        case alreadyDone(EffectEntry)
        /// A previous attempt was recorded but never finished (this replica
        /// restarted, or another one died or stalled past `pendingTimeout`):
        /// record `Pending` again (taking it over), then run it with the same key.
        case resumePending(EffectEntry)
        /// Another live replica is running it; look again after `seconds`
        /// (when it would count as abandoned).
        case inProgress(EffectEntry, retryAfter: Double)
        /// It failed and may run again after `seconds`.
        case retryAfter(Double, EffectEntry)
        /// It failed `attempts` times and will not be retried.
        case exhausted(EffectEntry)
    }

    /// How an attempt ended.
    public enum Result: Sendable, Hashable {
        case succeeded
        /// Failed; retried after the backoff until `maxAttempts`.
        case failed(String)
        /// Failed in a way a retry cannot fix (a webhook answering 4xx, a
        /// forbidden write): recorded `Failed` with no `nextRetryAt`.
        case failedPermanently(String)
    }

    public var policy: Policy

    public init(policy: Policy = Policy()) {
        self.policy = policy
    }

    // MARK: Reading and writing the list

    /// The entries of a resource's `status` (missing `effects` reads as none).
    public static func entries(fromStatus status: JSON?) throws(EffectLedgerError) -> [EffectEntry] {
        guard let effects = status?["effects"], !effects.isNull else { return [] }
        guard let list = effects.arrayValue else { throw .notAList(found: effects.typeName) }
        var out: [EffectEntry] = []
        out.reserveCapacity(list.count)
        for (i, item) in list.enumerated() { out.append(try EffectEntry(json: item, index: i)) }
        return out
    }

    /// The `status.effects` value for `entries`.
    public static func json(_ entries: [EffectEntry]) -> JSON { .array(entries.map(\.json)) }

    // MARK: Decisions

    /// What to do about `key`, as replica `owner`, at `now`.
    public func decide(_ entries: [EffectEntry], key: EffectKey, owner: String, now: RFC3339Time) -> Decision {
        guard let entry = entries.last(where: { $0.key == key }) else { return .start }
        switch entry.phase {
        case .succeeded:
            return .alreadyDone(entry)
        case .pending:
            if entry.owner == owner { return .resumePending(entry) }
            let age = now.secondsSinceEpoch - entry.startedAt.secondsSinceEpoch
            if age >= policy.pendingTimeout { return .resumePending(entry) }
            return .inProgress(entry, retryAfter: policy.pendingTimeout - age)
        case .failed:
            guard let next = entry.nextRetryAt else { return .exhausted(entry) }
            let wait = next.secondsSinceEpoch - now.secondsSinceEpoch
            return wait > 0 ? .retryAfter(wait, entry) : .start
        }
    }

    // MARK: Transitions

    /// The list after recording that `owner` starts (or resumes) `key` at
    /// `now`: the entry becomes `Pending` with one more attempt and moves to
    /// the end (newest); the list is then bounded.
    public func recordPending(_ entries: [EffectEntry], key: EffectKey, action: String, owner: String, now: RFC3339Time) -> [EffectEntry] {
        var list = entries
        var entry = EffectEntry(key: key, action: action, phase: .pending, attempts: 0, owner: owner, startedAt: now)
        if let i = list.lastIndex(where: { $0.key == key }) {
            entry.attempts = list[i].attempts
            entry.lastError = list[i].lastError
            list.remove(at: i)
        }
        entry.attempts += 1
        list.append(entry)
        return bounded(list)
    }

    /// The list after recording how the attempt at `key` ended. A failure
    /// gets `nextRetryAt = now + retryDelay(afterAttempts:)` unless it used
    /// the last allowed attempt. An entry that is missing (someone removed
    /// it) is recorded as a first attempt.
    public func recordResult(_ entries: [EffectEntry], key: EffectKey, action: String, owner: String, result: Result, now: RFC3339Time) -> [EffectEntry] {
        var list = entries
        var entry: EffectEntry
        if let i = list.lastIndex(where: { $0.key == key }) {
            entry = list.remove(at: i)
        } else {
            entry = EffectEntry(key: key, action: action, phase: .pending, attempts: 1, owner: owner, startedAt: now)
        }
        entry.owner = owner
        entry.finishedAt = now
        switch result {
        case .succeeded:
            entry.phase = .succeeded
            entry.nextRetryAt = nil
        case .failed(let message):
            entry.phase = .failed
            entry.lastError = message
            entry.nextRetryAt = entry.attempts >= policy.maxAttempts
                ? nil : RFC3339Time(secondsSinceEpoch: now.secondsSinceEpoch + policy.retryDelay(afterAttempts: entry.attempts))
        case .failedPermanently(let message):
            entry.phase = .failed
            entry.lastError = message
            entry.nextRetryAt = nil
        }
        list.append(entry)
        return bounded(list)
    }

    /// Keeps the newest `maxEntries` entries (the list is oldest first),
    /// dropping the oldest finished ones; `Pending` entries are never
    /// dropped, so the list may exceed the bound while more than
    /// `maxEntries` effects are in flight.
    public func bounded(_ entries: [EffectEntry]) -> [EffectEntry] {
        var excess = entries.count - max(policy.maxEntries, 0)
        guard excess > 0 else { return entries }
        var out: [EffectEntry] = []
        out.reserveCapacity(entries.count - excess)
        for e in entries {
            if excess > 0, e.phase != .pending {
                excess -= 1
                continue
            }
            out.append(e)
        }
        return out
    }
}

extension EffectLedger {
    /// Seconds since the oldest `Pending` entry among `statuses` (resources'
    /// `status`, whose `effects` hold their ledgers) was started, at `now`;
    /// 0 when none is pending. A ledger that does not read is skipped (its
    /// resource reports it). Feeds `vigil_ledger_pending_oldest_seconds`: an
    /// entry left `Pending` far longer than any effect takes means no one is
    /// finishing it.
    public static func oldestPendingAge(statuses: some Sequence<JSON?>, now: RFC3339Time) -> Double {
        var oldest = 0.0
        for status in statuses {
            guard let entries = try? entries(fromStatus: status) else { continue }
            for e in entries where e.phase == .pending {
                oldest = max(oldest, now.secondsSinceEpoch - e.startedAt.secondsSinceEpoch)
            }
        }
        return oldest
    }
}
