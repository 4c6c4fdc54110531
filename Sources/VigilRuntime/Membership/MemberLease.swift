import Foundation
import Synchronization
import VigilJSON

/// Holds this replica's member lease `vigil-member-<id>`
/// (docs/architecture.md, "Sharding"): a heartbeat renewed every retry
/// period, carrying the ring label and the annotations `vigil.dev/address`,
/// `vigil.dev/ack-epoch` and, on graceful shutdown, `vigil.dev/leaving=true`.
/// Every write carries the resourceVersion it is based on (JSON patch
/// `test`), so a leader that declared this member dead (a write with the
/// resourceVersion it judged) makes a late renewal fail instead of being
/// overwritten.
///
/// Self-fencing: the lease counts as held until `renewDeadline` after the
/// last successful renewal was *sent* (`isHeld(at:)` answers from the clock
/// alone, even if the loop is stuck). When that passes, or a re-read shows
/// the leader declared this member dead, `events()` reports `.lost`; the
/// next successful renewal reports `.renewed`. Others judge expiry from when
/// they *saw* the renewal, `leaseDuration > renewDeadline` later, so this
/// member stops first (clocks advancing at the same rate, as client-go
/// assumes).
///
/// `run()` renews until `release()` (graceful: the holder is cleared so the
/// leader drops the member at once) or until its task is cancelled (a crash:
/// nothing is written; the lease simply stops being renewed).
public final class MemberLease: Sendable {
    public let config: MembershipConfig
    let store: any MemberLeaseStore
    let clock: any RuntimeClock
    let wakeup = Wakeup()

    struct State {
        /// The last record stored or read: the basis of the next write.
        var record: MemberLeaseRecord?
        /// Local time after which the lease no longer counts as held.
        var heldUntil: Double?
        /// Whether `.renewed` was the last event reported.
        var reportedHeld = false
        var ackEpoch: Int?
        var leaving = false
        var releaseRequested = false
        var released = false
        var releaseWaiters: [CheckedContinuation<Void, Never>] = []
        /// The highest `vigil.dev/dead-in-epoch` found on this lease.
        var declaredDeadInEpoch: Int?
        var running = false
        var lastError: String?
        var subscribers = Subscribers<MemberLeaseEvent>()
    }

    let state = Mutex(State())

    public init(config: MembershipConfig, store: any MemberLeaseStore, clock: any RuntimeClock = SystemClock()) {
        self.config = config
        self.store = store
        self.clock = clock
    }

    /// Whether the lease counts as held at local time `now` (default: the
    /// clock's now): a renewal sent less than `renewDeadline` ago succeeded.
    public func isHeld(at now: Double? = nil) -> Bool {
        let t = now ?? clock.now()
        return state.withLock { s in s.heldUntil.map { t < $0 } ?? false }
    }

    /// The epoch last given to `ack(_:)` since the lease was (re)acquired.
    public var ackEpoch: Int? { state.withLock { $0.ackEpoch } }

    /// The highest epoch in which the leader declared this member dead
    /// (`vigil.dev/dead-in-epoch` found when re-reading the lease), if any:
    /// after re-acquiring, a shard map older than this must not be trusted.
    public var declaredDeadInEpoch: Int? { state.withLock { $0.declaredDeadInEpoch } }

    /// The last failed request, for diagnostics.
    public var lastError: String? { state.withLock { $0.lastError } }

    /// `.renewed` / `.lost` from now on, until `run` returns.
    public func events() -> AsyncStream<MemberLeaseEvent> {
        Subscribers.stream(register: { c in state.withLock { $0.subscribers.add(c) } },
            unregister: { [weak self] id in self?.state.withLock { $0.subscribers.remove(id) } })
    }

    /// Writes `vigil.dev/ack-epoch=<epoch>` now (and with every renewal).
    public func ack(_ epoch: Int) {
        state.withLock { $0.ackEpoch = epoch }
        wakeup.poke()
    }

    /// Writes `vigil.dev/leaving=true` now (and with every renewal): the
    /// leader gives this member no namespaces from the next epoch on.
    public func markLeaving() {
        state.withLock { $0.leaving = true }
        wakeup.poke()
    }

    /// Gives the lease up (empty holder, `leaseDurationSeconds` 1) and stops
    /// renewing; reports `.lost`. Stop all work guarded by the lease first.
    /// Returns once the release was written or failed.
    public func release() async {
        let loopWillDoIt: Bool = state.withLock { s in
            s.releaseRequested = true
            return s.running && !s.released
        }
        if loopWillDoIt {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let done: Bool = state.withLock { s in
                    if s.released || !s.running { return true }
                    s.releaseWaiters.append(c)
                    return false
                }
                if done { c.resume() } else { wakeup.poke() }
            }
        } else if !state.withLock({ $0.released }) {
            await releaseNow()
        }
    }

    /// Renews until `release()` is done or the calling task is cancelled.
    /// Returns at once if already running.
    public func run() async {
        let started: Bool = state.withLock { s in
            if s.running { return false }
            s.running = true
            return true
        }
        guard started else { return }
        wakeup.poke()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.renewLoop() }
            group.addTask { await self.watchdog() }
            await group.next()
            group.cancelAll()
        }
        let (subscribers, waiters) = state.withLock { s in
            s.running = false
            defer { s.releaseWaiters = [] }
            return (s.subscribers.takeAll(), s.releaseWaiters)
        }
        for c in subscribers { c.finish() }
        for w in waiters { w.resume() }
    }

    // MARK: The loop

    func renewLoop() async {
        var immediateRetries = 0
        while !Task.isCancelled {
            if state.withLock({ $0.releaseRequested }) {
                await releaseNow()
                return
            }
            let conflicted = await renewOnce()
            if conflicted && immediateRetries < 2 {
                immediateRetries += 1
                continue
            }
            immediateRetries = 0
            await wakeup.wait(atMost: config.timing.retryPeriod, on: clock)
        }
    }

    /// One renewal (or acquisition); returns true on a write conflict.
    func renewOnce() async -> Bool {
        let sentAt = clock.now()
        let (basis, ack, leaving) = state.withLock { ($0.record, $0.ackEpoch, $0.leaving) }
        do {
            var current = basis
            if current == nil {
                current = try await bounded { [config, store] in try await store.getMemberLease(namespace: config.namespace, name: config.leaseName) }
                if let dead = current?.deadInEpoch { fence(deadInEpoch: dead) }
            }
            let wasHeld = isHeld(at: sentAt)
            let record = desiredRecord(from: current, ackEpoch: ack, leaving: leaving, continuing: wasHeld)
            let stored: MemberLeaseRecord
            if let current, let rv = current.resourceVersion {
                stored = try await bounded { [config, store] in try await store.updateMemberLease(namespace: config.namespace, record, precondition: rv) }
            } else {
                stored = try await bounded { [config, store] in try await store.createMemberLease(namespace: config.namespace, record) }
            }
            state.withLock { s in
                s.record = stored
                s.lastError = nil
                guard !s.released else { return }
                let until = sentAt + config.timing.renewDeadline
                guard clock.now() < until else { return }
                s.heldUntil = until
                if !s.reportedHeld {
                    s.reportedHeld = true
                    s.subscribers.yield(.renewed)
                }
            }
            return false
        } catch is LeaseConflictError {
            state.withLock { s in
                s.record = nil
                s.lastError = "member lease \(config.namespace)/\(config.leaseName) was written by someone else; reading it again"
            }
            return true
        } catch {
            state.withLock { $0.lastError = "renewing member lease \(config.namespace)/\(config.leaseName): \(error)" }
            return false
        }
    }

    /// The record to write: held by this member, renewed now, with the
    /// current annotations and without the leader's dead mark.
    func desiredRecord(from current: MemberLeaseRecord?, ackEpoch: Int?, leaving: Bool, continuing: Bool) -> MemberLeaseRecord {
        let me = config.member.rawValue
        var r =
            current
            ?? MemberLeaseRecord(name: config.leaseName, ring: config.ring, holderIdentity: "", leaseDurationSeconds: config.leaseDurationSeconds)
        let now = RFC3339Time(secondsSinceEpoch: Date().timeIntervalSince1970)
        if r.holderIdentity != me { r.leaseTransitions += current == nil ? 0 : 1 }
        if !continuing || r.holderIdentity != me || r.acquireTime == nil { r.acquireTime = now }
        r.name = config.leaseName
        r.ring = config.ring
        r.holderIdentity = me
        r.leaseDurationSeconds = config.leaseDurationSeconds
        r.renewTime = now
        r.address = config.address
        r.ackEpoch = ackEpoch
        r.leaving = leaving
        r.deadInEpoch = nil
        return r
    }

    /// The leader declared this member dead: stop counting the lease as held.
    func fence(deadInEpoch: Int) {
        state.withLock { s in
            s.declaredDeadInEpoch = max(s.declaredDeadInEpoch ?? deadInEpoch, deadInEpoch)
            s.heldUntil = nil
            reportLost(&s)
        }
    }

    func reportLost(_ s: inout State) {
        guard s.reportedHeld else { return }
        s.reportedHeld = false
        s.ackEpoch = nil
        s.subscribers.yield(.lost)
    }

    /// Reports `.lost` the moment the renew deadline passes.
    func watchdog() async {
        while !Task.isCancelled {
            let until: Double? = state.withLock { $0.reportedHeld ? $0.heldUntil : nil }
            if let until {
                try? await clock.sleep(until: until)
            } else {
                try? await clock.sleep(for: config.timing.retryPeriod)
            }
            let now = clock.now()
            state.withLock { s in
                if s.reportedHeld, s.heldUntil.map({ now >= $0 }) ?? true { reportLost(&s) }
            }
        }
    }

    /// Clears the holder (keeping the annotations), then reports `.lost`.
    func releaseNow() async {
        for _ in 0..<3 {
            do {
                var current = state.withLock { $0.record }
                if current == nil {
                    current = try await bounded { [config, store] in try await store.getMemberLease(namespace: config.namespace, name: config.leaseName) }
                }
                guard var record = current, let rv = record.resourceVersion, record.holderIdentity == config.member.rawValue else { break }
                record.holderIdentity = ""
                record.leaseDurationSeconds = 1
                record.renewTime = RFC3339Time(secondsSinceEpoch: Date().timeIntervalSince1970)
                let released = record
                let stored = try await bounded { [config, store] in try await store.updateMemberLease(namespace: config.namespace, released, precondition: rv) }
                state.withLock { $0.record = stored }
                break
            } catch is LeaseConflictError {
                state.withLock { $0.record = nil }
            } catch {
                state.withLock { $0.lastError = "releasing member lease \(config.namespace)/\(config.leaseName): \(error)" }
                break
            }
        }
        let waiters = state.withLock { s in
            s.released = true
            s.heldUntil = nil
            reportLost(&s)
            defer { s.releaseWaiters = [] }
            return s.releaseWaiters
        }
        for w in waiters { w.resume() }
    }

    func bounded<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await LeaderElector.bounded(config.timing.renewDeadline, clock, body)
    }
}
