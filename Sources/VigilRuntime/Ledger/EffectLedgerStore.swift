import Foundation
import Kube
import Metrics
import VigilJSON

/// Runs side effects of one object exactly once, through the ledger in its
/// `status.effects` (docs/architecture.md, "Exactly-once effects"): read →
/// decide → record `Pending` (a write conditional on the version read) → run
/// the effect with its key → record the result. Losing a conditional write
/// means someone else moved first: the store re-reads and decides again, so
/// an effect recorded `Succeeded` never runs again and two replicas never
/// both start the same key.
///
/// The effect itself must be idempotent under its key (a webhook sends it as
/// `webhook-id` / `Idempotency-Key`; Kubernetes writes carry preconditions):
/// a replica that dies after running it but before recording the result
/// leaves `Pending`, and whoever resumes runs it again with the same key.
///
/// Callers run one `perform` per object at a time (the work queue does);
/// `owner` names this replica, and a `Pending` entry of the same owner is
/// taken to be left over from before a restart and resumed at once.
public struct EffectLedgerStore<Store: EffectStatusStore>: Sendable {
    /// What `perform` did.
    public enum Outcome: Sendable, Hashable {
        /// Ran the effect now and recorded `Succeeded`; `resumed` when it
        /// took over an unfinished attempt.
        case performed(EffectEntry, resumed: Bool)
        /// Ran the effect now; it failed and `Failed` was recorded (retry at
        /// `entry.nextRetryAt`, none when absent).
        case failed(EffectEntry, error: String)
        /// Had already succeeded; not run.
        case alreadyDone(EffectEntry)
        /// Another replica is running it; look again after `retryAfter` seconds.
        case inProgress(EffectEntry, retryAfter: Double)
        /// Failed before; not due again for `retryAfter` seconds.
        case retryAfter(Double, EffectEntry)
        /// Failed on every allowed attempt; not run.
        case exhausted(EffectEntry)
    }

    public let store: Store
    public let resource: ResourceDescriptor
    public let namespace: String
    public let name: String
    /// This replica (recorded in `Pending` entries).
    public let owner: String
    public let ledger: EffectLedger
    /// Conditional writes lost in a row before `perform` gives up.
    public let maxConflicts: Int
    let clock: any RuntimeClock
    let wallClockAtZero: Double

    /// - Parameters:
    ///   - wallClockAtZero: Unix seconds at `clock.now() == 0`; by default
    ///     taken from the system clock, so `clock` only moves it.
    public init(
        store: Store, resource: ResourceDescriptor, namespace: String, name: String, owner: String,
        policy: EffectLedger.Policy = EffectLedger.Policy(), maxConflicts: Int = 8,
        clock: any RuntimeClock = SystemClock(), wallClockAtZero: Double? = nil
    ) {
        self.store = store
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.owner = owner
        self.ledger = EffectLedger(policy: policy)
        self.maxConflicts = max(maxConflicts, 1)
        self.clock = clock
        self.wallClockAtZero = wallClockAtZero ?? (Date().timeIntervalSince1970 - clock.now())
    }

    /// Wall-clock now, as written into entries.
    public func now() -> RFC3339Time { RFC3339Time(secondsSinceEpoch: wallClockAtZero + clock.now()) }

    /// The object's ledger as it is now.
    public func read() async throws -> EffectLedgerSnapshot {
        try await store.readEffects(resource, namespace: namespace, name: name)
    }

    /// Records that this replica starts (or resumes) `key`, if the object is
    /// still at `observed.resourceVersion`; `.conflict` otherwise.
    public func recordPending(_ key: EffectKey, action: String, observed: EffectLedgerSnapshot) async throws -> EffectStatusWrite {
        let entries = ledger.recordPending(observed.entries, key: key, action: action, owner: owner, now: now())
        return try await store.writeEffects(entries, resource, namespace: namespace, name: name, observed: observed)
    }

    /// Records how the attempt at `key` ended, if the object is still at
    /// `observed.resourceVersion`; `.conflict` otherwise.
    public func recordResult(
        _ key: EffectKey, action: String, result: EffectLedger.Result, observed: EffectLedgerSnapshot
    ) async throws -> EffectStatusWrite {
        let entries = ledger.recordResult(observed.entries, key: key, action: action, owner: owner, result: result, now: now())
        return try await store.writeEffects(entries, resource, namespace: namespace, name: name, observed: observed)
    }

    /// Records how an attempt at `key` that wrote no `Pending` entry ended
    /// (an idempotent effect's): one more attempt, started and finished now.
    public func recordUnannouncedResult(
        _ key: EffectKey, action: String, result: EffectLedger.Result, observed: EffectLedgerSnapshot
    ) async throws -> EffectStatusWrite {
        let started = ledger.recordPending(observed.entries, key: key, action: action, owner: owner, now: now())
        let entries = ledger.recordResult(started, key: key, action: action, owner: owner, result: result, now: now())
        return try await store.writeEffects(entries, resource, namespace: namespace, name: name, observed: observed)
    }

    /// Runs `effect` for `key` unless the ledger says it already ran, is
    /// running elsewhere, or is not due; see the type's documentation.
    ///
    /// `cached` is the object's ledger as a cache (an informer) last saw it:
    /// when given, the first decision is made on it instead of a fresh read.
    /// That is safe because every write is conditional on the version it was
    /// decided on: a stale cache only costs a lost write (409) and a fresh
    /// read, and entries never move backwards, so a cached `Succeeded` is
    /// final. It saves one GET per effect in the common case.
    ///
    /// The effect receives the key (to send as its idempotency key). If it
    /// throws, `Failed` is recorded with the error's description and the
    /// backoff; a `CancellationError` records nothing (the entry stays
    /// `Pending` and this owner resumes it next time). Errors from the API
    /// server are thrown; an effect whose result could not be recorded stays
    /// `Pending`.
    ///
    /// `idempotent` is for an effect that is safe to run again by itself,
    /// whoever runs it and however often: a delete with a UID precondition,
    /// a scale to a value. Its `Pending` write is skipped (one request
    /// fewer per effect): the effect runs on the decision, and its result is
    /// recorded as one attempt. A replica that dies between the two leaves no
    /// entry, so the next owner decides afresh and runs it again, which the
    /// effect makes harmless; what `Pending` would have prevented, two
    /// replicas running it at once, is harmless for the same reason.
    ///
    /// `wrote` is told the resourceVersion of every ledger write that
    /// landed, so a caller deciding on a cache can tell when that cache is
    /// older than its own write (an idempotent effect decided on a stale copy
    /// would run again, ignoring the backoff the write recorded).
    public func perform(
        _ key: EffectKey, action: String, cached: EffectLedgerSnapshot? = nil, idempotent: Bool = false,
        wrote: (@Sendable (_ resourceVersion: String) -> Void)? = nil, effect: @Sendable (EffectKey) async throws -> Void
    ) async throws -> Outcome {
        var resumed = false
        var pending: EffectLedgerSnapshot?
        var cached = cached
        for _ in 0..<maxConflicts {
            let snapshot: EffectLedgerSnapshot
            if let c = cached {
                snapshot = c
                cached = nil
            } else {
                snapshot = try await read()
            }
            switch ledger.decide(snapshot.entries, key: key, owner: owner, now: now()) {
            case .alreadyDone(let e): return .alreadyDone(e)
            case .inProgress(let e, let after): return .inProgress(e, retryAfter: after)
            case .retryAfter(let after, let e): return .retryAfter(after, e)
            case .exhausted(let e): return .exhausted(e)
            case .start: resumed = false
            case .resumePending: resumed = true
            }
            if idempotent {
                pending = snapshot
                break
            }
            if case .written(let s) = try await recordPending(key, action: action, observed: snapshot) {
                wrote?(s.resourceVersion)
                pending = s
                break
            }
        }
        guard var observed = pending else { throw EffectLedgerError.tooManyConflicts(key: key, attempts: maxConflicts) }
        Self.runs.increment()
        if resumed { Self.resumes.increment() }

        let result: EffectLedger.Result
        do {
            try await effect(key)
            result = .succeeded
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as PermanentEffectFailure {
            result = .failedPermanently(error.message)
        } catch {
            result = .failed(String(describing: error))
        }

        for attempt in 0..<maxConflicts {
            if attempt > 0 {
                observed = try await read()
                // Someone finished it meanwhile (after taking it over as
                // abandoned, or running an idempotent effect too): keep their
                // record, and their success stands even if this run failed.
                if let e = observed.entry(key), e.phase == .succeeded {
                    if case .succeeded = result { return outcome(e, result, resumed) }
                    return .alreadyDone(e)
                }
            }
            let write = idempotent
                ? try await recordUnannouncedResult(key, action: action, result: result, observed: observed)
                : try await recordResult(key, action: action, result: result, observed: observed)
            if case .written(let s) = write {
                wrote?(s.resourceVersion)
                let entry = s.entry(key) ?? ledger.recordResult([], key: key, action: action, owner: owner, result: result, now: now())[0]
                return outcome(entry, result, resumed)
            }
        }
        throw EffectLedgerError.tooManyConflicts(key: key, attempts: maxConflicts)
    }

    func outcome(_ entry: EffectEntry, _ result: EffectLedger.Result, _ resumed: Bool) -> Outcome {
        switch result {
        case .succeeded: return .performed(entry, resumed: resumed)
        case .failed(let message), .failedPermanently(let message): return .failed(entry, error: message)
        }
    }

    /// Registers the ledger's counters at zero, so they are exported (and
    /// dashboards and alerts find them) before the first effect runs.
    public static func registerMetrics() {
        _ = runs
        _ = resumes
    }

    /// Effects started (each is one raw execution; more than one per key
    /// only when an attempt was resumed or retried).
    static var runs: Counter { Counter(label: "vigil_effect_runs_total") }
    /// Effects resumed from an unfinished `Pending` entry: the executions
    /// that may have delivered a second time.
    static var resumes: Counter { Counter(label: "vigil_effect_resumes_total") }
}

extension EffectLedgerStore where Store == KubeClient {
    /// A ledger on `namespace/name` of `resource` through `client`.
    public init(
        client: KubeClient, resource: ResourceDescriptor, namespace: String, name: String, owner: String,
        policy: EffectLedger.Policy = EffectLedger.Policy(), clock: any RuntimeClock = SystemClock(), wallClockAtZero: Double? = nil
    ) {
        self.init(store: client, resource: resource, namespace: namespace, name: name, owner: owner, policy: policy,
            clock: clock, wallClockAtZero: wallClockAtZero)
    }
}

/// Thrown by an effect that failed in a way no retry can fix: the ledger
/// records `Failed` without a retry time (a webhook that answered 4xx).
public struct PermanentEffectFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
