import Kube
import Synchronization

/// One replica's side of sharding (docs/architecture.md, "Sharding"): holds
/// its `MemberLease`, feeds a `ShardView` with the shard map (a quorum GET
/// every retry period) and with lease gains and losses, and carries out what
/// the view asks: `.drain` calls the controller's `drain` closure and reports
/// it drained, `.ack` writes the ack on the member lease, `.readShardMap`
/// does a fresh quorum GET, `.stopAll` calls `stopAll`.
///
/// The controller gates work with `mayStart(_:)` (or `startIfAllowed`, which
/// registers the work atomically with the check) and follows ownership with
/// `ownershipChanges()`. `mayStart` is false as soon as the member lease is
/// past its renew deadline, even if no event was processed yet.
///
/// `run()` works until the member lease is released (`leave`) or its task is
/// cancelled (a crash: nothing is written; the view stays as it was but
/// `mayStart` turns false at the renew deadline).
public final class ShardMember: Sendable {
    /// Waits until in-flight work on namespaces `keeping` does not own has
    /// finished (or was cancelled).
    public typealias Drain = @Sendable (_ keeping: ShardAssignment) async -> Void

    public let config: MembershipConfig
    public let lease: MemberLease
    let maps: any ShardMapStore
    let clock: any RuntimeClock
    let drain: Drain
    /// Called when the member owns nothing any more (fenced): `released`
    /// is true when that is because `leave` released the lease after the
    /// hand-off (a normal shutdown), false when the lease could not be
    /// renewed in time.
    public typealias StopAll = @Sendable (_ released: Bool) async -> Void
    let stopAll: StopAll

    struct State {
        var view: ShardView
        var stopped = false
        /// `leave` released the lease.
        var released = false
        var lastError: String?
        var subscribers = Subscribers<ShardView>()
    }

    let state: Mutex<State>
    let wakeup = Wakeup()

    public init(
        config: MembershipConfig, leases: any MemberLeaseStore, maps: any ShardMapStore, clock: any RuntimeClock = SystemClock(),
        drain: @escaping Drain, stopAll: @escaping StopAll = { _ in }
    ) {
        self.config = config
        self.lease = MemberLease(config: config, store: leases, clock: clock)
        self.maps = maps
        self.clock = clock
        self.drain = drain
        self.stopAll = stopAll
        state = Mutex(State(view: ShardView(member: config.member)))
    }

    /// A member whose leases and shard map live on `client`'s API server.
    public convenience init(
        config: MembershipConfig, client: KubeClient, clock: any RuntimeClock = SystemClock(), drain: @escaping Drain,
        stopAll: @escaping StopAll = { _ in }
    ) {
        self.init(config: config, leases: client, maps: client, clock: clock, drain: drain, stopAll: stopAll)
    }

    /// The view now (phase, adopted map, acked epoch).
    public var view: ShardView { state.withLock { $0.view } }

    /// The last failed shard-map read, for diagnostics.
    public var lastError: String? { state.withLock { $0.lastError } }

    /// Whether this member owns `namespace` in the adopted epoch and holds its
    /// lease. Owning is not enough to start work: see `mayStart`.
    public func owns(_ namespace: String) -> Bool {
        let held = lease.isHeld()
        return held && state.withLock { $0.view.owns(namespace) }
    }

    /// Whether new work on `namespace` may start now (see `ShardView.mayStart`),
    /// with the member lease held.
    public func mayStart(_ namespace: String) -> Bool {
        let held = lease.isHeld()
        return held && state.withLock { $0.view.mayStart(namespace) }
    }

    /// Checks `mayStart(namespace)` and, if allowed, runs `register` (which
    /// records the work as in flight) before any other shard event is
    /// processed; returns whether it ran. `register` must be quick and must
    /// not call back into this member.
    public func startIfAllowed(_ namespace: String, register: () -> Void) -> Bool {
        state.withLock { s in
            guard lease.isHeld(), s.view.mayStart(namespace) else { return false }
            register()
            return true
        }
    }

    /// Reads the shard map now instead of at the next retry period (a watch
    /// saw it change).
    public func poke() { wakeup.poke() }

    /// The view after every change, from now on, until `run` returns.
    public func ownershipChanges() -> AsyncStream<ShardView> {
        Subscribers.stream(buffering: .bufferingNewest(64), register: { c in state.withLock { $0.subscribers.add(c) } },
            unregister: { [weak self] id in self?.state.withLock { $0.subscribers.remove(id) } })
    }

    /// Runs the member lease, the shard-map poll and the hand-off until the
    /// lease is released or the calling task is cancelled.
    public func run() async {
        let events = lease.events()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.lease.run() }
            group.addTask {
                for await e in events {
                    self.apply(e == .renewed ? .memberLeaseRenewed : .memberLeaseLost)
                }
            }
            group.addTask { await self.pollLoop() }
            await group.next()
            group.cancelAll()
        }
        let subscribers = state.withLock { s in
            s.stopped = true
            return s.subscribers.takeAll()
        }
        for c in subscribers { c.finish() }
    }

    /// How `leave` ended.
    public enum LeaveResult: Sendable, Equatable {
        /// The leader published an epoch without this member, which drained
        /// and acknowledged it: its namespaces moved without waiting for
        /// its lease to expire.
        case handedOff
        /// The member was fenced (its lease could not be renewed, or it had
        /// not joined yet): it owns nothing and nothing of it runs, so there
        /// is nothing to wait for; the others take its namespaces over once
        /// its lease expires.
        case ownedNothing
        /// Neither happened within the timeout.
        case timedOut
    }

    /// Graceful shutdown: marks the lease `vigil.dev/leaving=true`, waits (at
    /// most `timeout` seconds) until the leader published an epoch without
    /// this member and it drained and acknowledged it — or until the member
    /// is fenced, when waiting cannot help (the API server is unreachable) —
    /// then releases the lease (which ends `run`).
    @discardableResult
    public func leave(timeout: Double) async -> LeaveResult {
        let changes = ownershipChanges()
        lease.markLeaving()
        func settled(_ v: ShardView) -> LeaveResult? {
            if v.hasHandedOffEverything { return .handedOff }
            if v.phase == .fenced { return .ownedNothing }
            return nil
        }
        let result: LeaveResult
        if let now = settled(view) {
            result = now
        } else {
            result = await withTaskGroup(of: LeaveResult.self) { group in
                group.addTask {
                    for await v in changes { if let r = settled(v) { return r } }
                    return .timedOut
                }
                group.addTask { [clock] in
                    try? await clock.sleep(for: timeout)
                    return .timedOut
                }
                let first = await group.next() ?? .timedOut
                group.cancelAll()
                return first
            }
        }
        state.withLock { $0.released = true }
        await lease.release()
        return result
    }

    // MARK: Driving the view

    func apply(_ event: ShardView.Event) {
        let actions: [ShardView.Action] = state.withLock { s in
            guard !s.stopped else { return [] }
            let before = s.view
            let actions = s.view.step(event)
            if s.view != before {
                s.subscribers.yield(s.view)
            }
            return actions
        }
        for action in actions { perform(action) }
    }

    func perform(_ action: ShardView.Action) {
        switch action {
        case .stopAll:
            let released = state.withLock { $0.released }
            Task { await stopAll(released) }
        case .readShardMap(let token):
            Task { await freshRead(token: token) }
        case .drain(let epoch, let keeping):
            Task {
                await drain(keeping)
                apply(.inFlightDrained(epoch: epoch))
            }
        case .ack(let epoch):
            lease.ack(epoch)
        }
    }

    /// Answers `.readShardMap(token:)` with a quorum GET issued now. If the
    /// leader declared this member dead in epoch E, a map older than E is
    /// not accepted (the leader marks before it publishes) for up to a lease
    /// duration plus a retry period (in case that leader died in between).
    func freshRead(token: Int) async {
        let started = clock.now()
        while !Task.isCancelled {
            let waiting = state.withLock { !$0.stopped && $0.view.phase == .awaitingFreshMap(token: token) }
            guard waiting else { return }
            do {
                let (map, _) = try await bounded { [config, maps] in try await maps.readShardMap(namespace: config.namespace) }
                let patience = config.timing.leaseDuration + config.timing.retryPeriod
                if let dead = lease.declaredDeadInEpoch, map.epoch < dead, clock.now() - started < patience {
                    try? await clock.sleep(for: config.timing.retryPeriod)
                    continue
                }
                apply(.shardMapRead(map, token: token))
                return
            } catch {
                state.withLock { $0.lastError = "reading ConfigMap \(config.namespace)/\(ShardMap.configMapName): \(error)" }
                try? await clock.sleep(for: config.timing.retryPeriod)
            }
        }
    }

    func pollLoop() async {
        while !Task.isCancelled {
            if state.withLock({ $0.view.phase != .fenced }) {
                do {
                    let (map, _) = try await bounded { [config, maps] in try await maps.readShardMap(namespace: config.namespace) }
                    apply(.shardMap(map))
                } catch {
                    if Task.isCancelled { return }
                    state.withLock { $0.lastError = "reading ConfigMap \(config.namespace)/\(ShardMap.configMapName): \(error)" }
                }
            }
            await wakeup.wait(atMost: config.timing.retryPeriod, on: clock)
        }
    }

    func bounded<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await LeaderElector.bounded(config.timing.renewDeadline, clock, body)
    }
}
