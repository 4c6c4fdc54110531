import Foundation
import Synchronization

/// Takes part in leader election on one Lease until cancelled: drives a
/// `LeaderElectionMachine` with a `RuntimeClock` and a `LeaseStore`.
///
/// `isLeader` can be read at any time; `changes()` streams what happens.
/// Work that must run only on the leader goes in `run(whileLeading:)`: it
/// starts when this replica becomes leader and is cancelled the moment it
/// stops being one (renew deadline passed, lease taken, shutdown). When the
/// task running `run` is cancelled, the elector waits for that work to end,
/// then releases the lease (if `releaseOnCancel`) and returns.
///
/// Every request is bounded by the renew deadline (cancelled after it), so a
/// stalled API server cannot hold the loop.
public final class LeaderElector: Sendable {
    public let config: LeaderElectionConfig
    let store: any LeaseStore
    let clock: any RuntimeClock
    let seed: UInt64

    struct Shared {
        var isLeader = false
        var currentLeader: String?
        var running = false
        var subscribers = Subscribers<LeadershipChange>()
    }

    let shared = Mutex(Shared())

    /// `seed` drives the candidates' poll jitter (random unless given).
    public init(config: LeaderElectionConfig, store: any LeaseStore, clock: any RuntimeClock = SystemClock(), seed: UInt64? = nil) {
        self.config = config
        self.store = store
        self.clock = clock
        self.seed = seed ?? UInt64.random(in: .min ... .max)
    }

    /// Whether this replica is the leader now.
    public var isLeader: Bool { shared.withLock { $0.isLeader } }

    /// The holder named by the lease when last read or written, if any.
    public var currentLeader: String? { shared.withLock { $0.currentLeader } }

    /// Leadership changes from now on, until `run` returns.
    public func changes() -> AsyncStream<LeadershipChange> {
        Subscribers.stream(register: { c in shared.withLock { $0.subscribers.add(c) } },
            unregister: { [weak self] id in self?.shared.withLock { $0.subscribers.remove(id) } })
    }

    enum Input: Sendable {
        case tick
        case shutdown
        case event(LeaderElectionMachine.Event)
    }

    /// Runs until the calling task is cancelled (then releases, as above).
    /// Returns at once if this elector is already running.
    public func run(whileLeading work: (@Sendable () async -> Void)? = nil) async {
        let started = shared.withLock { s in
            if s.running { return false }
            s.running = true
            return true
        }
        guard started else { return }
        let (inputs, feed) = AsyncStream.makeStream(of: Input.self)
        // The loop runs in its own task so that cancelling the caller does
        // not cut it short: it still has to release the lease.
        let loop = Task { await self.drive(inputs, feed, work) }
        await withTaskCancellationHandler {
            await loop.value
        } onCancel: {
            feed.yield(.shutdown)
        }
        let subscribers = shared.withLock { s in
            s.running = false
            s.isLeader = false
            return s.subscribers.takeAll()
        }
        for c in subscribers { c.finish() }
    }

    func drive(_ inputs: AsyncStream<Input>, _ feed: AsyncStream<Input>.Continuation, _ work: (@Sendable () async -> Void)?) async {
        var machine = LeaderElectionMachine(config: config, wallClockAtZero: Date().timeIntervalSince1970 - clock.now(), seed: seed)
        var timer: Task<Void, Never>?
        var leaderWork: Task<Void, Never>?
        feed.yield(.tick)
        loop: for await input in inputs {
            let now = clock.now()
            let event: LeaderElectionMachine.Event
            switch input {
            case .tick: event = .tick(now: now)
            case .shutdown: event = .shutdown(now: now)
            case .event(let e): event = e
            }
            for action in machine.step(event) {
                switch action {
                case .read:
                    perform(feed) { [config, store, clock] in
                        do {
                            let record = try await Self.bounded(config.renewDeadline, clock) {
                                try await store.getLease(namespace: config.leaseNamespace, name: config.leaseName)
                            }
                            if let record { return .observed(record, now: clock.now()) }
                            return .notFound(now: clock.now())
                        } catch {
                            return .readFailed("\(error)", now: clock.now())
                        }
                    }
                case .create(let record):
                    performWrite(feed) { [config, store] in
                        try await store.createLease(namespace: config.leaseNamespace, name: config.leaseName, record)
                    }
                case .update(let record, let rv):
                    performWrite(feed) { [config, store] in
                        try await store.updateLease(namespace: config.leaseNamespace, name: config.leaseName, record, precondition: rv)
                    }
                case .release(let record, let rv):
                    // Nothing guarded by the lease may run once it is released.
                    leaderWork?.cancel()
                    await leaderWork?.value
                    leaderWork = nil
                    performWrite(feed) { [config, store] in
                        try await store.updateLease(namespace: config.leaseNamespace, name: config.leaseName, record, precondition: rv)
                    }
                case .becameLeader:
                    publish(.becameLeader) { $0.isLeader = true }
                    if let work { leaderWork = Task { await work() } }
                case .lostLeadership(let reason):
                    publish(.lostLeadership(reason)) { $0.isLeader = false }
                    leaderWork?.cancel()
                    leaderWork = nil
                case .observedNewLeader(let identity):
                    publish(.newLeader(identity)) { $0.currentLeader = identity }
                case .sleep(let deadline):
                    timer?.cancel()
                    timer = Task { [clock] in
                        do { try await clock.sleep(until: deadline) } catch { return }
                        feed.yield(.tick)
                    }
                case .finished:
                    break loop
                }
            }
        }
        timer?.cancel()
        leaderWork?.cancel()
        await leaderWork?.value
        feed.finish()
    }

    func publish(_ change: LeadershipChange, _ update: (inout Shared) -> Void) {
        shared.withLock { s in
            update(&s)
            s.subscribers.yield(change)
        }
    }

    func perform(_ feed: AsyncStream<Input>.Continuation, _ request: @escaping @Sendable () async -> LeaderElectionMachine.Event) {
        Task { feed.yield(.event(await request())) }
    }

    func performWrite(_ feed: AsyncStream<Input>.Continuation, _ write: @escaping @Sendable () async throws -> LeaseRecord) {
        perform(feed) { [config, clock] in
            do {
                let stored = try await Self.bounded(config.renewDeadline, clock, write)
                return .writeSucceeded(stored, now: clock.now())
            } catch is LeaseConflictError {
                return .writeConflict
            } catch {
                return .writeFailed("\(error)", now: clock.now())
            }
        }
    }

    /// Runs `body`, cancelling it after `seconds` on `clock`.
    static func bounded<T: Sendable>(_ seconds: Double, _ clock: any RuntimeClock, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Outcome<T>.self) { group in
            group.addTask { .done(try await body()) }
            group.addTask {
                try await clock.sleep(for: seconds)
                return .timedOut
            }
            defer { group.cancelAll() }
            switch try await group.next()! {
            case .done(let value): return value
            case .timedOut: throw LeaseRequestTimeout(seconds: seconds)
            }
        }
    }

    enum Outcome<T: Sendable>: Sendable {
        case done(T)
        case timedOut
    }
}

/// A lease request that took longer than the renew deadline and was cancelled.
public struct LeaseRequestTimeout: Error, Sendable, CustomStringConvertible {
    public var seconds: Double
    public var description: String { "the lease request did not finish within the renew deadline (\(seconds) s) and was cancelled" }
}
