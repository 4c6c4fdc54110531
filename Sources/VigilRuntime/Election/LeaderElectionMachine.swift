import VigilJSON

/// Leader election on one Lease as a state machine without I/O, with
/// client-go's semantics: the runner (`LeaderElector`) feeds it what
/// happened (`Event`) with the local monotonic time, and does what it says
/// (`Action`).
///
/// - A lease held by someone else is expired once `leaseDuration` has passed,
///   on the local clock, since this replica last saw the record *change*; the
///   times written in the record are never compared across hosts.
/// - Acquiring writes a record with `acquireTime` now and `leaseTransitions`
///   one higher when the holder changes; renewing updates `renewTime` only.
///   Every write carries the `resourceVersion` it was based on; a conflict
///   means someone else wrote first, so the lease is read again.
/// - A leader whose renewals have not succeeded for `renewDeadline` since it
///   *sent* its last successful one stops being leader at that instant.
///   Others judge expiry from when they *saw* that write, which is later, and
///   `leaseDuration > renewDeadline`, so the old leader stops first
///   (assuming clocks advance at the same rate, as client-go does).
/// - A candidate looks every retry period (with jitter) and also wakes
///   exactly when the lease it watches would expire.
/// - On shutdown a holder releases the lease (empty holder,
///   `leaseDurationSeconds` 1) if `releaseOnCancel`, then finishes.
///
/// One request is in flight at a time; events for requests that are not in
/// flight are ignored.
public struct LeaderElectionMachine: Sendable {
    /// Something that happened; `now` is the runner's clock (seconds).
    public enum Event: Sendable, Hashable {
        /// Time passed (at start and whenever a `sleep` ends).
        case tick(now: Double)
        /// A read returned the lease.
        case observed(LeaseRecord, now: Double)
        /// A read found no lease.
        case notFound(now: Double)
        /// A read failed (network, server error, timeout).
        case readFailed(String, now: Double)
        /// A create, update or release was stored; the record as stored.
        case writeSucceeded(LeaseRecord, now: Double)
        /// A write lost: the lease existed already, or its resourceVersion moved.
        case writeConflict
        /// A write failed for another reason; it may or may not have been stored.
        case writeFailed(String, now: Double)
        /// Stop: release the lease if held (and configured), then finish.
        case shutdown(now: Double)
    }

    /// What the runner must do, in order.
    public enum Action: Sendable, Hashable {
        /// Read the lease; answer with `observed`, `notFound` or `readFailed`.
        case read
        /// Create the lease; answer with `writeSucceeded`, `writeConflict` or `writeFailed`.
        case create(LeaseRecord)
        /// Replace the lease's spec if its resourceVersion is still `precondition`.
        case update(LeaseRecord, precondition: String)
        /// Like `update`, to give the lease up; stop any leader work before sending it.
        case release(LeaseRecord, precondition: String)
        /// This replica is leader from now on.
        case becameLeader
        /// This replica must stop acting as leader now.
        case lostLeadership(LeadershipLossReason)
        /// The lease names a holder different from the last one reported.
        case observedNewLeader(String)
        /// Send a `tick` once the clock reaches this time (replaces any earlier sleep).
        case sleep(until: Double)
        /// Nothing more to do: stop feeding events.
        case finished
    }

    /// Where this replica stands.
    public enum Role: Sendable, Hashable {
        case candidate
        case leader
        case finished
    }

    private enum Basis: Hashable {
        case absent
        case version(String)
    }

    private enum Pending: Hashable {
        case read(afterConflictOn: Basis?)
        case write(issuedAt: Double, basis: Basis)
        case release
    }

    public let config: LeaderElectionConfig
    /// Wall-clock seconds since the Unix epoch at clock time zero, for the
    /// MicroTimes written to the lease.
    public let wallClockAtZero: Double
    public private(set) var role: Role = .candidate
    /// The last lease record read or written, and the local time it was
    /// first seen with this content.
    public private(set) var observed: LeaseRecord?
    public private(set) var observedTime: Double = 0
    /// When the last successful renewal (or acquisition) was sent.
    public private(set) var lastRenewSent: Double?
    private var pending: Pending?
    private var nextAttemptAt = -Double.infinity
    private var reportedLeader = ""
    private var shuttingDown = false
    private var random: UInt64

    /// `seed` drives the poll jitter (any value; fixed in tests).
    public init(config: LeaderElectionConfig, wallClockAtZero: Double = 0, seed: UInt64 = 0) {
        self.config = config
        self.wallClockAtZero = wallClockAtZero
        random = seed
    }

    public var isLeader: Bool { role == .leader }

    /// The holder named by the last record seen (nil if none).
    public var currentLeader: String? {
        guard let h = observed?.holderIdentity, !h.isEmpty else { return nil }
        return h
    }

    /// The local time at which this leader stops leading unless a renewal succeeds.
    public var renewDeadlineAt: Double? {
        guard role == .leader, let sent = lastRenewSent else { return nil }
        return sent + config.renewDeadline
    }

    /// The local time at which the observed lease, if held by someone else, expires.
    public var observedExpiresAt: Double? {
        guard let rec = observed, !rec.holderIdentity.isEmpty, rec.holderIdentity != config.identity else { return nil }
        return observedTime + Self.duration(of: rec, config: config)
    }

    // MARK: Stepping

    public mutating func step(_ event: Event) -> [Action] {
        var out: [Action] = []
        guard role != .finished else { return out }
        switch event {
        case .tick(let now):
            guard !shuttingDown else { break }
            checkDeadline(now, &out)
            if pending != nil {
                sleepWhilePending(&out)
            } else if now >= dueAt {
                attempt(now, &out)
            } else {
                out.append(.sleep(until: dueAt))
            }

        case .observed(let record, let now):
            guard case .read(let conflictBasis) = pending else { break }
            pending = nil
            checkDeadline(now, &out)
            note(record, now, &out)
            if shuttingDown {
                finishShutdown(now, &out)
            } else if let rv = record.resourceVersion, conflictBasis == .version(rv) {
                // A conflict although nobody wrote: not a race; do not loop on it.
                retryLater(now, &out)
            } else {
                decide(now, &out)
            }

        case .notFound(let now):
            guard case .read(let conflictBasis) = pending else { break }
            pending = nil
            checkDeadline(now, &out)
            if observed != nil {
                observed = nil
                observedTime = now
            }
            if shuttingDown {
                finishShutdown(now, &out)
                break
            }
            if role == .leader { lose(.leaseDeleted, &out) }
            if conflictBasis == .absent {
                retryLater(now, &out)  // create said "exists", read says "absent": back off
            } else {
                let record = LeaseRecord(
                    holderIdentity: config.identity, leaseDurationSeconds: config.leaseDurationSeconds, acquireTime: stamp(now), renewTime: stamp(now),
                    leaseTransitions: 0)
                pending = .write(issuedAt: now, basis: .absent)
                out.append(.create(record))
                sleepWhilePending(&out)
            }

        case .readFailed(_, let now):
            guard case .read = pending else { break }
            pending = nil
            checkDeadline(now, &out)
            if shuttingDown { finishShutdown(now, &out) } else { retryLater(now, &out) }

        case .writeSucceeded(let record, let now):
            switch pending {
            case .release?:
                pending = nil
                note(record, now, &out)
                finish(&out)
            case .write(let issuedAt, _)?:
                pending = nil
                checkDeadline(now, &out)
                note(record, now, &out)
                if shuttingDown {
                    finishShutdown(now, &out)
                } else if now >= issuedAt + config.renewDeadline {
                    // Stored too late to vouch for: whoever saw it change may
                    // take over before our deadline would say so. Try again.
                    if role == .leader { lose(.renewDeadlineExceeded, &out) }
                    nextAttemptAt = now
                    attempt(now, &out)
                } else {
                    lastRenewSent = issuedAt
                    if role != .leader {
                        role = .leader
                        out.append(.becameLeader)
                    }
                    nextAttemptAt = now + config.retryPeriod
                    out.append(.sleep(until: dueAt))
                }
            default:
                break
            }

        case .writeConflict:
            switch pending {
            case .release?:
                pending = nil
                finish(&out)
            case .write(_, let basis)?:
                if shuttingDown {
                    pending = nil
                    finish(&out)
                } else {
                    pending = .read(afterConflictOn: basis)
                    out.append(.read)
                    sleepWhilePending(&out)
                }
            default:
                break
            }

        case .writeFailed(_, let now):
            switch pending {
            case .release?:
                pending = nil
                finish(&out)
            case .write?:
                pending = nil
                checkDeadline(now, &out)
                if shuttingDown { finishShutdown(now, &out) } else { retryLater(now, &out) }
            default:
                break
            }

        case .shutdown(let now):
            guard !shuttingDown else { break }
            shuttingDown = true
            if role == .leader { lose(.shutdown, &out) }
            if !config.releaseOnCancel {
                finish(&out)
            } else if case .write? = pending {
                break  // wait: it may make us the holder, and then we release
            } else if case .release? = pending {
                break
            } else {
                pending = nil
                finishShutdown(now, &out)
            }
        }
        return out
    }

    // MARK: Decisions

    /// When the next attempt is due: the retry time, the renew deadline for
    /// a leader, or the expiry of someone else's lease for a candidate.
    private var dueAt: Double {
        var t = nextAttemptAt
        if let d = renewDeadlineAt { t = min(t, d) }
        if role == .candidate, let e = observedExpiresAt { t = min(t, e) }
        return t
    }

    private mutating func checkDeadline(_ now: Double, _ out: inout [Action]) {
        if let d = renewDeadlineAt, now >= d { lose(.renewDeadlineExceeded, &out) }
    }

    private mutating func lose(_ reason: LeadershipLossReason, _ out: inout [Action]) {
        guard role == .leader else { return }
        role = .candidate
        out.append(.lostLeadership(reason))
    }

    private mutating func finish(_ out: inout [Action]) {
        role = .finished
        out.append(.finished)
    }

    /// Starts the next request: the leader renews on the record it last
    /// wrote (client-go's fast path); anyone else reads first.
    private mutating func attempt(_ now: Double, _ out: inout [Action]) {
        if role == .leader, let rec = observed, rec.holderIdentity == config.identity, let rv = rec.resourceVersion {
            write(renewal(of: rec, now), basis: rv, now, &out)
        } else {
            pending = .read(afterConflictOn: nil)
            out.append(.read)
            sleepWhilePending(&out)
        }
    }

    /// After a fresh read: renew our own lease, take an empty or expired
    /// one, or wait.
    private mutating func decide(_ now: Double, _ out: inout [Action]) {
        guard let rec = observed, let rv = rec.resourceVersion else {
            retryLater(now, &out)
            return
        }
        if rec.holderIdentity == config.identity {
            write(renewal(of: rec, now), basis: rv, now, &out)
            return
        }
        lose(.takenOver(by: rec.holderIdentity), &out)
        if rec.holderIdentity.isEmpty || now >= observedTime + Self.duration(of: rec, config: config) {
            var next = renewal(of: rec, now)
            next.acquireTime = stamp(now)
            next.leaseTransitions = rec.leaseTransitions + 1
            write(next, basis: rv, now, &out)
        } else {
            retryLater(now, &out)
        }
    }

    private mutating func write(_ record: LeaseRecord, basis rv: String, _ now: Double, _ out: inout [Action]) {
        pending = .write(issuedAt: now, basis: .version(rv))
        out.append(.update(record, precondition: rv))
        sleepWhilePending(&out)
    }

    /// While a request is out, a leader still needs a tick at its deadline.
    private func sleepWhilePending(_ out: inout [Action]) {
        if let d = renewDeadlineAt { out.append(.sleep(until: d)) }
    }

    private mutating func retryLater(_ now: Double, _ out: inout [Action]) {
        var period = config.retryPeriod
        if role == .candidate && config.pollJitter > 0 { period *= 1 - config.pollJitter * nextUnit() }
        nextAttemptAt = now + period
        out.append(.sleep(until: dueAt))
    }

    private mutating func finishShutdown(_ now: Double, _ out: inout [Action]) {
        guard config.releaseOnCancel, let rec = observed, rec.holderIdentity == config.identity, let rv = rec.resourceVersion else {
            finish(&out)
            return
        }
        let released = LeaseRecord(
            holderIdentity: "", leaseDurationSeconds: 1, acquireTime: stamp(now), renewTime: stamp(now), leaseTransitions: rec.leaseTransitions)
        pending = .release
        out.append(.release(released, precondition: rv))
    }

    /// Records what was read or written; the observation time moves only
    /// when the content changed.
    private mutating func note(_ record: LeaseRecord, _ now: Double, _ out: inout [Action]) {
        if observed != record {
            observed = record
            observedTime = now
        }
        if record.holderIdentity != reportedLeader {
            reportedLeader = record.holderIdentity
            if !record.holderIdentity.isEmpty { out.append(.observedNewLeader(record.holderIdentity)) }
        }
    }

    private func renewal(of rec: LeaseRecord, _ now: Double) -> LeaseRecord {
        LeaseRecord(
            holderIdentity: config.identity, leaseDurationSeconds: config.leaseDurationSeconds, acquireTime: rec.acquireTime ?? stamp(now),
            renewTime: stamp(now), leaseTransitions: rec.leaseTransitions)
    }

    private func stamp(_ now: Double) -> RFC3339Time { RFC3339Time(secondsSinceEpoch: wallClockAtZero + now) }

    /// The holder's promise when it made one, else ours.
    private static func duration(of rec: LeaseRecord, config: LeaderElectionConfig) -> Double {
        rec.leaseDurationSeconds > 0 ? Double(rec.leaseDurationSeconds) : config.leaseDuration
    }

    /// SplitMix64, as a number in [0, 1).
    private mutating func nextUnit() -> Double {
        random &+= 0x9E37_79B9_7F4A_7C15
        var z = random
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }
}
