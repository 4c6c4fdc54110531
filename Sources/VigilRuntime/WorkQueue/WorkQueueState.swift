import Kube

/// The work queue's bookkeeping as a value with no I/O: which keys are ready
/// (in FIFO order), which are dirty (need processing), which are being
/// processed, which wait for a time, and the retry rate limit. Every event
/// takes the current time and returns what happened; `WorkQueue` wraps it in
/// a lock and turns the outcomes into resumed workers, timers and metrics.
///
/// Invariants (client-go's `queue.go`): a key is in `ready` at most once, and
/// only if it is dirty and not being processed; a key being processed that is
/// added again is only marked dirty and goes back to `ready` at `done`. So
/// each structure holds a key at most once and memory is O(distinct keys).
struct WorkQueueState<Key: Hashable & Sendable>: Sendable {
    /// What `add` did with a key.
    enum AddOutcome: Equatable {
        /// The queue is shutting down; the key was dropped.
        case ignored
        /// The key was already waiting to be processed; the adds collapsed.
        case collapsed
        /// The key is being processed; it will be ready again at `done`.
        case markedDirty
        /// The key joined the end of the ready queue.
        case queued
    }

    /// What `done` did with a key.
    enum DoneOutcome: Equatable {
        /// The key was not being processed (a stray or repeated `done`).
        case notProcessing
        /// The key is finished; `worked` is seconds since `get` handed it out.
        case finished(worked: Double)
        /// The key was added while processed and is ready again.
        case requeued(worked: Double)
    }

    private(set) var ready = RingBuffer<Key>()
    /// Dirty keys and when they became dirty (for the queue-latency metric).
    private var dirty: [Key: Double] = [:]
    /// Keys handed to workers and when.
    private(set) var processing: [Key: Double] = [:]
    private(set) var delayed = DelayHeap<Key>()
    private var backoff: ItemExponentialBackoff<Key>
    private var bucket: TokenBucket
    private(set) var isShuttingDown = false

    init(rateLimit: WorkQueueRateLimit) {
        backoff = ItemExponentialBackoff(baseDelay: rateLimit.baseDelay, maxDelay: rateLimit.maxDelay)
        bucket = TokenBucket(qps: rateLimit.qps, burst: rateLimit.burst)
    }

    /// Keys needing processing (client-go's depth): ready ones plus those
    /// added again while being processed.
    var depth: Int { dirty.count }

    /// No key ready and none being processed.
    var isDrained: Bool { ready.isEmpty && processing.isEmpty }

    mutating func add(_ key: Key, now: Double) -> AddOutcome {
        if isShuttingDown { return .ignored }
        if dirty[key] != nil { return .collapsed }
        dirty[key] = now
        if processing[key] != nil { return .markedDirty }
        ready.append(key)
        return .queued
    }

    /// Hands out the next ready key: it stops being dirty and starts being
    /// processed. Returns it with the seconds it waited since it was added.
    mutating func pop(now: Double) -> (key: Key, waited: Double)? {
        guard let key = ready.popFirst() else { return nil }
        let addedAt = dirty.removeValue(forKey: key) ?? now
        processing[key] = now
        return (key, now - addedAt)
    }

    mutating func done(_ key: Key, now: Double) -> DoneOutcome {
        guard let started = processing.removeValue(forKey: key) else { return .notProcessing }
        let worked = now - started
        if dirty[key] != nil {
            ready.append(key)
            return .requeued(worked: worked)
        }
        return .finished(worked: worked)
    }

    /// Schedules `key` to be added at `readyAt` (adds it now if that time has
    /// come). Returns whether it went to the delay heap, i.e. whether a timer
    /// may need to move earlier; `nil` when shutting down (dropped).
    mutating func addAfter(_ key: Key, readyAt: Double, now: Double) -> (delayed: Bool, added: AddOutcome)? {
        if isShuttingDown { return nil }
        if readyAt <= now { return (false, add(key, now: now)) }
        delayed.insert(key, readyAt: readyAt)
        return (true, .ignored)
    }

    /// Moves every delayed key whose time has come into the queue; returns
    /// how many joined the ready queue and how many counted as adds.
    mutating func promoteDue(now: Double) -> (queued: Int, added: Int) {
        var queued = 0, added = 0
        while let key = delayed.popDue(now: now) {
            switch add(key, now: now) {
            case .queued: queued += 1; added += 1
            case .markedDirty: added += 1
            case .collapsed, .ignored: break
            }
        }
        return (queued, added)
    }

    /// Seconds `key` should wait before its next retry: the larger of its
    /// exponential backoff and the overall bucket's wait (both are charged,
    /// as in client-go's `MaxOfRateLimiter`).
    mutating func retryDelay(for key: Key, now: Double) -> Double {
        let perKey = backoff.nextDelay(for: key)
        let overall = bucket.reserve(now: now)
        return max(perKey, overall)
    }

    mutating func forget(_ key: Key) { backoff.forget(key) }

    func numRequeues(_ key: Key) -> Int { backoff.failures(of: key) }

    /// Stops accepting keys and drops the delayed ones (they would be
    /// ignored when due). Keys already ready can still be handed out.
    mutating func shutDown() {
        isShuttingDown = true
        delayed.removeAll()
    }

    /// Seconds of work in flight, summed and the longest, at `now`.
    func unfinishedWork(now: Double) -> (total: Double, longest: Double) {
        var total = 0.0, longest = 0.0
        for started in processing.values {
            let d = max(0, now - started)
            total += d
            longest = max(longest, d)
        }
        return (total, longest)
    }
}
