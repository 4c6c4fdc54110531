import Metrics
import Synchronization

/// A de-duplicating, per-key-serial work queue of keys (`namespace/name`),
/// with client-go `util/workqueue` semantics, for controller workers:
///
/// - adding a key that is already waiting does nothing (adds collapse);
/// - a key is handed to one worker at a time: adding it while it is being
///   processed marks it dirty, and it is queued again when the worker calls
///   `done(_:)`;
/// - `addAfter(_:seconds:)` adds a key later (timers run on the injected
///   `RuntimeClock`); `addRateLimited(_:)` adds it after the larger of its
///   exponential backoff and the overall token bucket (`WorkQueueRateLimit`);
///   `forget(_:)` resets the backoff after a success;
/// - `shutDown()` refuses new keys and wakes idle workers with `nil`;
///   `shutDownWithDrain()` also waits until every queued and in-flight key is
///   `done`.
///
/// It holds each key at most once in each of its structures, so memory is
/// O(distinct keys), never O(events). `add`, `done` and `forget` are
/// synchronous so informer event handlers can call them directly; a mutex
/// (not an actor) guards the state because every operation is a few hash
/// lookups and workers must not hop executors per key.
///
/// A worker loop:
/// ```swift
/// while let key = await queue.get() {
///     defer { queue.done(key) }
///     do { try await reconcile(key); queue.forget(key) }
///     catch { queue.addRateLimited(key) }
/// }
/// ```
public final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    /// The name metrics carry as their `name` dimension.
    public let name: String
    private let clock: any RuntimeClock
    private let metrics: WorkQueueMetrics
    private let locked: Mutex<Locked>
    /// Identifies suspended `get`/`shutDownWithDrain` callers for cancellation.
    private let nextWaiterID = Atomic<Int>(0)

    private struct Getter {
        let id: Int
        let continuation: UnsafeContinuation<Key?, Never>
    }

    private struct Drainer {
        let id: Int
        let continuation: UnsafeContinuation<Void, Never>
    }

    private struct ArmedTimer {
        let deadline: Double
        let generation: Int
        let task: Task<Void, Never>
    }

    private struct Locked {
        var state: WorkQueueState<Key>
        /// Workers suspended in `get()`. Non-empty only while nothing is ready.
        var getters = RingBuffer<Getter>()
        var drainers: [Drainer] = []
        var timer: ArmedTimer?
        var timerGeneration = 0
    }

    /// What a `get()` found under the lock.
    private enum Taken {
        case key(Key, waited: Double)
        /// Shut down (or cancelled) with nothing ready.
        case nothing
        /// Nothing ready yet: suspend.
        case wait
    }

    /// A key given to a suspended worker, resumed once the lock is released.
    private struct Handoff {
        let continuation: UnsafeContinuation<Key?, Never>
        let key: Key
        let waited: Double
    }

    /// - Parameters:
    ///   - name: the `name` dimension of the queue's metrics.
    ///   - clock: drives `addAfter`/`addRateLimited` timers and the latency
    ///     metrics; pass a `ManualClock` in tests.
    ///   - rateLimit: the retry limits for `addRateLimited`.
    ///   - shard: the metrics' `shard` dimension (a replica's member ID); none when empty.
    ///   - metricsFactory: where metrics go (default: the bootstrapped
    ///     `MetricsSystem.factory`).
    public init(
        name: String,
        clock: any RuntimeClock = SystemClock(),
        rateLimit: WorkQueueRateLimit = .controllerDefault,
        shard: String = "",
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.name = name
        self.clock = clock
        self.metrics = WorkQueueMetrics(name: name, shard: shard, factory: metricsFactory ?? MetricsSystem.factory)
        self.locked = Mutex(Locked(state: WorkQueueState(rateLimit: rateLimit)))
    }

    deinit {
        locked.withLock { $0.timer?.task.cancel() }
    }

    // MARK: Adding

    /// Marks `key` as needing processing. Ignored after shut-down.
    public func add(_ key: Key) {
        let now = clock.now()
        let (outcome, handoff) = locked.withLock { l -> (WorkQueueState<Key>.AddOutcome, Handoff?) in
            let outcome = l.state.add(key, now: now)
            var handoff: Handoff?
            if outcome == .queued { handoff = Self.handOffOne(&l, now: now) }
            if outcome == .queued || outcome == .markedDirty { metrics.depth.record(l.state.depth) }
            return (outcome, handoff)
        }
        if outcome == .queued || outcome == .markedDirty { metrics.adds.increment() }
        if let handoff { resume(handoff) }
    }

    /// Adds `key` once `seconds` have passed on the clock (at once if
    /// `seconds <= 0`). A key already waiting keeps the earlier of its two
    /// times. Ignored after shut-down.
    public func addAfter(_ key: Key, seconds: Double) {
        let now = clock.now()
        schedule(key, readyAt: now + seconds, now: now)
    }

    /// Adds `key` after its retry delay: the larger of its exponential
    /// backoff (one more failure counted) and the overall token bucket.
    public func addRateLimited(_ key: Key) {
        let now = clock.now()
        let delay = locked.withLock { $0.state.retryDelay(for: key, now: now) }
        schedule(key, readyAt: now + delay, now: now)
    }

    /// Forgets `key`'s failures, so its next `addRateLimited` starts again at
    /// the base delay. Call it after `key` was processed successfully.
    public func forget(_ key: Key) {
        locked.withLock { $0.state.forget(key) }
    }

    /// How many times `key` has been `addRateLimited` since it was last
    /// forgotten.
    public func numRequeues(_ key: Key) -> Int {
        locked.withLock { $0.state.numRequeues(key) }
    }

    // MARK: Working

    /// The next key to process, suspending while none is ready. The caller
    /// owns the key until it calls `done(_:)`; no other worker gets it
    /// meanwhile. Returns `nil` once the queue is shut down and has nothing
    /// ready, or if the calling task is cancelled while waiting.
    public func get() async -> Key? {
        let now = clock.now()
        let (fast, promoted): (Taken, [Handoff]) = locked.withLock { l in
            // Due keys go to workers already waiting first (they were idle
            // before this one came); the caller takes what is left.
            let promoted = Self.promoteDue(&l, now: now, metrics: metrics)
            if let (key, waited) = l.state.pop(now: now) {
                metrics.depth.record(l.state.depth)
                return (.key(key, waited: waited), promoted)
            }
            return (l.state.isShuttingDown ? .nothing : .wait, promoted)
        }
        for h in promoted { resume(h) }
        switch fast {
        case .key(let key, let waited):
            metrics.recordQueued(seconds: waited)
            return key
        case .nothing:
            return nil
        case .wait:
            return await waitForKey()
        }
    }

    /// Marks `key` as processed. If it was added meanwhile it is queued
    /// again; otherwise the queue stops tracking it (its rate-limit failures
    /// stay until `forget(_:)`).
    public func done(_ key: Key) {
        let now = clock.now()
        let (outcome, handoff, drainers) = locked.withLock {
            l -> (WorkQueueState<Key>.DoneOutcome, Handoff?, [Drainer]) in
            let outcome = l.state.done(key, now: now)
            var handoff: Handoff?
            if case .requeued = outcome { handoff = Self.handOffOne(&l, now: now) }
            var drainers: [Drainer] = []
            if l.state.isShuttingDown, l.state.isDrained, !l.drainers.isEmpty {
                drainers = l.drainers
                l.drainers = []
            }
            return (outcome, handoff, drainers)
        }
        switch outcome {
        case .finished(let worked), .requeued(let worked): metrics.recordWorked(seconds: worked)
        case .notProcessing: break
        }
        if let handoff { resume(handoff) }
        for drainer in drainers { drainer.continuation.resume() }
    }

    // MARK: Shutting down

    /// Refuses new keys, drops delayed ones, and wakes idle workers with
    /// `nil`. Keys already ready are still handed out; `get()` returns `nil`
    /// once they are gone. Releases any `shutDownWithDrain()` caller at once.
    public func shutDown() {
        let (getters, drainers, timer) = locked.withLock { l in
            l.state.shutDown()
            let getters = l.getters.removeAll()
            let drainers = l.drainers
            l.drainers = []
            let timer = l.timer
            l.timer = nil
            return (getters, drainers, timer)
        }
        timer?.task.cancel()
        for getter in getters { getter.continuation.resume(returning: nil) }
        for drainer in drainers { drainer.continuation.resume() }
    }

    /// Like `shutDown()`, but returns only once every ready key has been
    /// handed out and every key handed out is `done` (or `shutDown()` is
    /// called, or the calling task is cancelled). Workers must keep calling
    /// `get()` until it returns `nil`, and `done` for every key.
    public func shutDownWithDrain() async {
        let drained = locked.withLock { l in
            l.state.shutDown()
            return l.state.isDrained
        }
        let id: Int? = drained ? nil : nextWaiterID.add(1, ordering: .relaxed).newValue
        // Idle workers can go: nothing is ready (or they would not be idle).
        let (getters, timer) = locked.withLock { l in
            let timer = l.timer
            l.timer = nil
            return (l.getters.removeAll(), timer)
        }
        timer?.task.cancel()
        for getter in getters { getter.continuation.resume(returning: nil) }
        guard let id else { return }
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
                let resumeNow = locked.withLock { l in
                    if l.state.isDrained || Task.isCancelled { return true }
                    l.drainers.append(Drainer(id: id, continuation: c))
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let drainer: Drainer? = locked.withLock { l in
                guard let i = l.drainers.firstIndex(where: { $0.id == id }) else { return nil }
                return l.drainers.remove(at: i)
            }
            drainer?.continuation.resume()
        }
    }

    // MARK: Inspecting

    /// Whether `shutDown()` or `shutDownWithDrain()` was called.
    public var isShuttingDown: Bool { locked.withLock { $0.state.isShuttingDown } }

    /// Keys ready to be handed out (not counting delayed or in-flight ones).
    public var count: Int { locked.withLock { $0.state.ready.count } }

    /// Keys handed to workers and not yet `done`.
    public var processingCount: Int { locked.withLock { $0.state.processing.count } }

    /// Keys waiting for their `addAfter`/`addRateLimited` time.
    public var delayedCount: Int { locked.withLock { $0.state.delayed.count } }

    /// Workers suspended in `get()` (tests wait on this).
    var waitingWorkerCount: Int { locked.withLock { $0.getters.count } }

    /// Callers suspended in `shutDownWithDrain()` (tests wait on this).
    var drainWaiterCount: Int { locked.withLock { $0.drainers.count } }

    /// Refreshes `workqueue_unfinished_work_seconds` (seconds of work in
    /// flight, summed) and `workqueue_longest_running_processor_seconds`.
    /// Call it periodically (client-go does every 500 ms) or before scraping.
    public func updateUnfinishedWorkMetrics() {
        let now = clock.now()
        let (total, longest) = locked.withLock { $0.state.unfinishedWork(now: now) }
        metrics.unfinishedWork.record(total)
        metrics.longestRunning.record(longest)
    }

    // MARK: Internals

    private func waitForKey() async -> Key? {
        let id = nextWaiterID.add(1, ordering: .relaxed).newValue
        return await withTaskCancellationHandler {
            await withUnsafeContinuation { (c: UnsafeContinuation<Key?, Never>) in
                let now = clock.now()
                let (immediate, promoted): (Taken, [Handoff]) = locked.withLock { l in
                    let promoted = Self.promoteDue(&l, now: now, metrics: metrics)
                    if let (key, waited) = l.state.pop(now: now) {
                        metrics.depth.record(l.state.depth)
                        return (.key(key, waited: waited), promoted)
                    }
                    if l.state.isShuttingDown || Task.isCancelled { return (.nothing, promoted) }
                    l.getters.append(Getter(id: id, continuation: c))
                    return (.wait, promoted)
                }
                for h in promoted { resume(h) }
                switch immediate {
                case .key(let key, let waited):
                    metrics.recordQueued(seconds: waited)
                    c.resume(returning: key)
                case .nothing:
                    c.resume(returning: nil)
                case .wait:
                    break
                }
            }
        } onCancel: {
            let getter = locked.withLock { l in l.getters.removeFirst(where: { $0.id == id }) }
            getter?.continuation.resume(returning: nil)
        }
    }

    private func schedule(_ key: Key, readyAt: Double, now: Double) {
        let (result, handoffs, oldTimer) = locked.withLock {
            l -> ((delayed: Bool, added: WorkQueueState<Key>.AddOutcome)?, [Handoff], Task<Void, Never>?) in
            guard let result = l.state.addAfter(key, readyAt: readyAt, now: now) else { return (nil, [], nil) }
            var handoffs: [Handoff] = []
            if result.added == .queued, let h = Self.handOffOne(&l, now: now) { handoffs.append(h) }
            if result.added == .queued || result.added == .markedDirty { metrics.depth.record(l.state.depth) }
            let old = result.delayed ? armTimer(&l) : nil
            return (result, handoffs, old)
        }
        guard let result else { return }
        metrics.retries.increment()
        if result.added == .queued || result.added == .markedDirty { metrics.adds.increment() }
        oldTimer?.cancel()
        for h in handoffs { resume(h) }
    }

    /// Starts a timer for the earliest delayed key unless one already fires
    /// no later. Returns the replaced timer's task for the caller to cancel
    /// outside the lock.
    private func armTimer(_ l: inout Locked) -> Task<Void, Never>? {
        guard let next = l.state.delayed.nextReadyAt else { return nil }
        if let timer = l.timer, timer.deadline <= next { return nil }
        let old = l.timer?.task
        l.timerGeneration += 1
        let generation = l.timerGeneration
        let task = Task { [weak self, clock] in
            // A timer replaced before it started must not start sleeping.
            if Task.isCancelled { return }
            do { try await clock.sleep(until: next) } catch { return }
            self?.timerFired(generation: generation)
        }
        l.timer = ArmedTimer(deadline: next, generation: generation, task: task)
        return old
    }

    private func timerFired(generation: Int) {
        let now = clock.now()
        let (handoffs, old) = locked.withLock { l -> ([Handoff], Task<Void, Never>?) in
            if l.timer?.generation == generation { l.timer = nil }
            let handoffs = Self.promoteDue(&l, now: now, metrics: metrics)
            let old = l.state.isShuttingDown ? nil : armTimer(&l)
            return (handoffs, old)
        }
        old?.cancel()
        for h in handoffs { resume(h) }
    }

    /// Moves due delayed keys into the queue and hands as many as there are
    /// idle workers. Returns the hand-offs, which the caller must resume
    /// outside the lock: each holds a key already counted as processing and
    /// a worker already taken off the waiting list, so dropping one loses
    /// both (a key stuck "processing" forever and a worker that never wakes).
    private static func promoteDue(_ l: inout Locked, now: Double, metrics: WorkQueueMetrics) -> [Handoff] {
        guard let next = l.state.delayed.nextReadyAt, next <= now else { return [] }
        let (queued, added) = l.state.promoteDue(now: now)
        if added > 0 {
            metrics.adds.increment(by: added)
            metrics.depth.record(l.state.depth)
        }
        var handoffs: [Handoff] = []
        for _ in 0..<queued {
            guard let h = handOffOne(&l, now: now) else { break }
            handoffs.append(h)
        }
        return handoffs
    }

    /// If a worker is waiting, gives it the next ready key.
    private static func handOffOne(_ l: inout Locked, now: Double) -> Handoff? {
        guard !l.getters.isEmpty, let (key, waited) = l.state.pop(now: now) else { return nil }
        let getter = l.getters.popFirst()!
        return Handoff(continuation: getter.continuation, key: key, waited: waited)
    }

    private func resume(_ handoff: Handoff) {
        metrics.recordQueued(seconds: handoff.waited)
        handoff.continuation.resume(returning: handoff.key)
    }
}
