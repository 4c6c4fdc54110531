import Synchronization

/// The clock every timed part of the runtime takes (leases, backoff, work
/// queue delays), so tests run time forward instead of sleeping. Times are
/// seconds on a monotonic scale; only differences mean anything.
public protocol RuntimeClock: Sendable {
    /// Seconds since an arbitrary origin, never going backwards.
    func now() -> Double
    /// Suspends until `now() >= deadline` (or throws `CancellationError`).
    func sleep(until deadline: Double) async throws
}

extension RuntimeClock {
    public func sleep(for seconds: Double) async throws {
        try await sleep(until: now() + seconds)
    }
}

/// The real monotonic clock.
public struct SystemClock: RuntimeClock {
    let origin = ContinuousClock.now

    public init() {}

    public func now() -> Double {
        let d = ContinuousClock.now - origin
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    public func sleep(until deadline: Double) async throws {
        let wait = deadline - now()
        if wait > 0 { try await Task.sleep(for: .nanoseconds(Int64(wait * 1e9))) }
    }
}

/// A clock that moves only when a test advances it. Sleepers wake, in
/// deadline order, when `advance` passes their deadline.
public final class ManualClock: RuntimeClock {
    struct Sleeper {
        let id: Int
        let deadline: Double
        let continuation: CheckedContinuation<Void, any Error>
    }

    struct State {
        var now: Double
        var sleepers: [Sleeper] = []
        var nextID = 0
    }

    private let state: Mutex<State>

    public init(start: Double = 0) {
        state = Mutex(State(now: start))
    }

    public func now() -> Double { state.withLock { $0.now } }

    /// How many tasks are sleeping on this clock (tests wait for this to know
    /// a component has reached its next timer).
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func sleep(until deadline: Double) async throws {
        let id: Int = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                // A task cancelled before it got here must not be left registered
                // (the cancellation handler has already run and found nothing).
                let outcome: Int = state.withLock { s in
                    if Task.isCancelled { return 2 }
                    if deadline <= s.now { return 1 }
                    s.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: c))
                    return 0
                }
                if outcome == 1 { c.resume() } else if outcome == 2 { c.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let c: CheckedContinuation<Void, any Error>? = state.withLock { s in
                guard let i = s.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return s.sleepers.remove(at: i).continuation
            }
            c?.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward, waking every sleeper whose deadline has come.
    public func advance(by seconds: Double) {
        let due: [Sleeper] = state.withLock { s in
            s.now += seconds
            let now = s.now
            let due = s.sleepers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
            s.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for s in due { s.continuation.resume() }
    }
}
