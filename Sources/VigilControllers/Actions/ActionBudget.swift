import Kube
import Synchronization
import VigilRuntime

/// The cap on runs started per minute (`actions.maxRunsPerMinute` in
/// vigil.yaml), shared by every controller of the replica: a run that finds
/// no token waits (and says so in status) instead of starting. The cap is
/// divided among the replicas of the ring, so the cluster as a whole stays
/// within it while the shard map is stable.
public final class ActionBudget: Sendable {
    let bucket: Mutex<(bucket: TokenBucket, replicas: Int)>
    let clock: any RuntimeClock
    public let perMinute: Double

    /// `perMinute` 0 means no cap.
    public init(perMinute: Double, replicas: Int = 1, clock: any RuntimeClock = SystemClock()) {
        self.perMinute = perMinute
        self.clock = clock
        bucket = Mutex((Self.bucket(perMinute, replicas), max(1, replicas)))
    }

    static func bucket(_ perMinute: Double, _ replicas: Int) -> TokenBucket {
        guard perMinute > 0 else { return .unlimited }
        let share = perMinute / Double(max(1, replicas))
        return TokenBucket(qps: share / 60, burst: max(1, Int(share.rounded(.up))))
    }

    /// The ring now has `replicas` members: this replica's share changes (a fresh bucket, only when the count changed).
    public func setReplicas(_ replicas: Int) {
        let n = max(1, replicas)
        bucket.withLock { b in
            if b.replicas != n { b = (Self.bucket(perMinute, n), n) }
        }
    }

    /// Takes a token: nil when taken, else seconds until one is available.
    public func take() -> Double? {
        let now = clock.now()
        return bucket.withLock { $0.bucket.take(now: now) }
    }
}
