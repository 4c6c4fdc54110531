import Foundation
import Synchronization

/// Keeps a controller from flooding the API server with Events, as client-go's
/// `EventSourceObjectSpamFilter` does: a token bucket per object and reason,
/// `burst` Events at once, then one per `refillInterval`. A HealthCheck that
/// fails every 5 s says `CheckFailed` 25 times, then once every 5 minutes
/// (its status and `vigil_healthcheck_runs_total` still count every run);
/// another reason on the same object has its own bucket, so a `RemedySucceeded`
/// is never lost behind a burst of `CheckFailed`. Pure apart from the lock:
/// the caller passes the time.
public final class EventSpamFilter: Sendable {
    public let burst: Double
    public let refillInterval: TimeInterval
    /// Buckets kept before full ones (which say nothing) are dropped.
    let pruneAbove: Int
    struct Bucket {
        var tokens: Double
        var at: Date
    }
    struct State {
        var buckets: [String: Bucket] = [:]
        /// The size at which the next prune runs: after a prune that kept many (objects still busy), twice what
        /// it kept, so a cluster with more busy objects than `pruneAbove` is not rescanned at every Event.
        var pruneAt: Int
    }
    let state: Mutex<State>

    public init(burst: Int = 25, refillInterval: TimeInterval = 300, pruneAbove: Int = 10_000) {
        self.burst = Double(burst)
        self.refillInterval = refillInterval
        self.pruneAbove = pruneAbove
        state = Mutex(State(pruneAt: pruneAbove))
    }

    /// Whether an Event about `uid` with `reason` may be written at `now`; takes a token when it may.
    public func allow(uid: String, reason: String, now: Date) -> Bool {
        let key = uid + "/" + reason
        return state.withLock { s in
            var b = s.buckets[key].map { refilled($0, now) } ?? Bucket(tokens: burst, at: now)
            let ok = b.tokens >= 1
            if ok { b.tokens -= 1 }
            s.buckets[key] = b
            if s.buckets.count > s.pruneAt {
                s.buckets = s.buckets.filter { refilled($0.value, now).tokens < burst }
                s.pruneAt = max(pruneAbove, 2 * s.buckets.count)
            }
            return ok
        }
    }

    /// Buckets held (for tests).
    public var count: Int { state.withLock { $0.buckets.count } }

    func refilled(_ b: Bucket, _ now: Date) -> Bucket {
        let gained = max(0, now.timeIntervalSince(b.at)) / refillInterval
        return Bucket(tokens: min(burst, b.tokens + gained), at: now)
    }
}
