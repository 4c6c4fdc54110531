import CoreMetrics
import Synchronization

/// Runs one reconciler over one kind: change events from an informer (or any
/// `ControllerEventSource`) put object keys on a de-duplicating, per-key
/// serial `WorkQueue`; `workers` concurrent workers take keys, check that the
/// key's namespace is owned, call the reconciler and act on its outcome.
///
/// - **Level-based.** Only keys are queued; the reconciler reads the present
///   state from the store. Many events for a key collapse into one reconcile.
/// - **Readiness gate.** No reconcile starts before the store has synced (its
///   first full list). A controller made after its informer synced queues
///   every key in the store when it starts, so the adds it missed are not lost.
/// - **Outcomes.** `.done` resets the key's backoff and waits for a change;
///   `.requeue(after:)` looks again after that many seconds on the clock; a
///   thrown error is the one error policy: counted, and the key retried with
///   per-key exponential backoff (`addRateLimited`: 5 ms, 10 ms, … by
///   default) until a reconcile succeeds (`forget`).
/// - **Ownership.** A predicate on the namespace (fed by sharding and leader
///   election) is checked before every reconcile, atomically with counting
///   the reconcile as in flight: a key whose namespace is not owned is
///   dropped (`forget` + `done`). To hand namespaces off, narrow the
///   predicate with `setOwnership(_:)`, then `await drain(where:)` for the
///   namespaces lost: when it returns, no reconcile of them is running and
///   none will start. When ownership grows, `enqueueOwned(namespaces:)` (or
///   `requeueAll()`) queues the keys the store already holds.
/// - **Graceful stop.** `stop(drain: true)` stops starting reconciles and
///   waits for the ones in flight; `stop(drain: false)` cancels them.
///
/// Metrics: see `ControllerMetrics` (`controller`/`shard` dimensions); the
/// queue's `workqueue_*` metrics carry the controller's name.
public final class Controller<Object: Sendable>: Sendable {
    /// Decides whether this replica works on a namespace ("" for
    /// cluster-scoped objects). Called under the controller's lock: keep it
    /// cheap and never call back into the controller from it.
    public typealias Ownership = @Sendable (_ namespace: String) -> Bool

    /// Counts since the controller was made (metrics carry the same numbers).
    public typealias Statistics = ControllerStatistics

    enum Phase: Sendable {
        /// `run()` not called yet.
        case idle
        /// `run()` waits for the store to sync.
        case waitingForSync
        /// Workers are taking keys.
        case working
        /// Workers have returned (or never started).
        case stopped
    }

    struct DrainWaiter {
        let matches: @Sendable (String) -> Bool
        let continuation: CheckedContinuation<Void, Never>
    }

    struct State {
        var ownership: Ownership?
        /// namespace → reconciles running now.
        var inFlight: [String: Int] = [:]
        /// The reconciles running now, by key (one per key: the queue is per-key serial).
        var running: [ObjectKey: Task<ReconcileOutcome, any Error>] = [:]
        var drainWaiters: [Int: DrainWaiter] = [:]
        var nextWaiterID = 0
        var phase = Phase.idle
        var stopping = false
        var pool: Task<Void, Never>?
        var statistics = Statistics()
        /// Whether the store had synced before the handlers were registered,
        /// so the workers must queue its keys themselves when they start.
        var queueStoreOnStart = false

        func anyInFlight(where matches: (String) -> Bool) -> Bool {
            inFlight.keys.contains(where: matches)
        }
    }

    /// What a worker may do with a key it took.
    enum Admission {
        case reconcile(Task<ReconcileOutcome, any Error>)
        case notOwned
        case stopping
    }

    /// The controller's name: its metrics' `controller` dimension and its
    /// queue's `name`.
    public let name: String
    /// The cache the reconciler reads (the event source's store).
    public let store: ObjectStore<Object>
    /// How many keys are reconciled concurrently (never the same key twice).
    public let workers: Int
    let reconciler: any Reconciler<Object>
    let queue: WorkQueue<ObjectKey>
    let clock: any RuntimeClock
    let metrics: ControllerMetrics
    private let state: Mutex<State>

    /// Makes a controller and registers its handlers on `source`. Make it
    /// before running the informer; one made after the informer synced
    /// queues the whole store when it starts instead.
    ///
    /// - Parameters:
    ///   - name: the `controller` dimension of the metrics and the queue's name.
    ///   - workers: concurrent reconciles, at least 1.
    ///   - shard: the `shard` dimension of the metrics (this replica's member ID).
    ///   - ownership: which namespaces to work on (`nil`: all); see `setOwnership(_:)`.
    ///   - clock: drives requeue and backoff timers and the duration metric.
    ///   - rateLimit: the error policy's backoff (`WorkQueueRateLimit`).
    ///   - metricsFactory: where metrics go (default: the bootstrapped system).
    public init(
        name: String, source: some ControllerEventSource<Object>, reconciler: some Reconciler<Object>, workers: Int = 1,
        shard: String = "", ownership: Ownership? = nil, clock: any RuntimeClock = SystemClock(),
        rateLimit: WorkQueueRateLimit = .controllerDefault, metricsFactory: (any MetricsFactory)? = nil
    ) {
        precondition(workers >= 1, "Controller(\(name)): workers = \(workers) is invalid; it must be an integer >= 1")
        let factory = metricsFactory ?? MetricsSystem.factory
        self.name = name
        self.store = source.store
        self.workers = workers
        self.reconciler = reconciler
        self.clock = clock
        self.queue = WorkQueue(name: name, clock: clock, rateLimit: rateLimit, shard: shard, metricsFactory: factory)
        self.metrics = ControllerMetrics(controller: name, shard: shard, factory: factory)
        var s = State()
        s.ownership = ownership
        self.state = Mutex(s)
        source.addHandler(
            InformerHandler { [weak self] object in
                guard let self else { return }
                self.enqueue(self.store.objectKey(of: object))
            })
        // Registered after the first list: its adds went to other handlers only.
        let synced = source.store.hasSynced
        state.withLock { $0.queueStoreOnStart = synced }
    }

    // MARK: Queueing

    /// Queues `key` if its namespace is owned (an event for it, or a change
    /// elsewhere that affects it).
    public func enqueue(_ key: ObjectKey) {
        guard owns(namespace: key.namespace) else { return }
        queue.add(key)
    }

    /// Queues `key` after `seconds` on the clock, if its namespace is owned.
    public func enqueue(_ key: ObjectKey, after seconds: Double) {
        guard owns(namespace: key.namespace) else { return }
        queue.addAfter(key, seconds: seconds)
    }

    /// Queues every key the store holds in an owned namespace (after a
    /// resync, or when ownership grew and the store keeps every namespace).
    public func requeueAll() {
        let owned = state.withLock { $0.ownership }
        for key in store.keys() {
            let key = ObjectKey(key)
            if owned?(key.namespace) ?? true { queue.add(key) }
        }
    }

    /// Queues the keys the store holds in `namespaces`, those owned now
    /// (call it after `setOwnership(_:)` with the namespaces gained).
    public func enqueueOwned(namespaces: some Sequence<String>) {
        let owned = state.withLock { $0.ownership }
        for namespace in namespaces where owned?(namespace) ?? true {
            for object in store.list(namespace: namespace) { queue.add(store.objectKey(of: object)) }
        }
    }

    // MARK: Ownership

    /// Replaces the ownership predicate. Once this returns, no reconcile of a
    /// namespace it rejects will start; those already running finish (wait
    /// for them with `drain(where:)`). Keys of namespaces gained are not
    /// queued by this: call `enqueueOwned(namespaces:)`.
    public func setOwnership(_ ownership: Ownership?) {
        state.withLock { $0.ownership = ownership }
    }

    /// Whether the current predicate owns `namespace`.
    public func owns(namespace: String) -> Bool {
        let owned = state.withLock { $0.ownership }
        return owned?(namespace) ?? true
    }

    /// Reconciles of `namespace` running now.
    public func inFlight(namespace: String) -> Int {
        state.withLock { $0.inFlight[namespace] ?? 0 }
    }

    /// Reconciles running now, all namespaces.
    public var inFlightCount: Int {
        state.withLock { $0.inFlight.values.reduce(0, +) }
    }

    /// Returns once no reconcile of a namespace matching `matches` is running
    /// (at once if none is), or when the calling task is cancelled. Narrow
    /// ownership first (`setOwnership(_:)`): then none can start afterwards.
    public func drain(where matches: @escaping @Sendable (_ namespace: String) -> Bool) async {
        let id: Int? = state.withLock { s in
            guard s.anyInFlight(where: matches) else { return nil }
            s.nextWaiterID += 1
            return s.nextWaiterID
        }
        guard let id else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s in
                    if !s.anyInFlight(where: matches) || Task.isCancelled { return true }
                    s.drainWaiters[id] = DrainWaiter(matches: matches, continuation: c)
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.drainWaiters.removeValue(forKey: id) }
            waiter?.continuation.resume()
        }
    }

    /// Cancels the reconciles running now in namespaces matching `matches`
    /// (a fenced replica must stop at once: it owns nothing). A cancelled
    /// reconcile is neither an error nor retried; narrow ownership first so
    /// none starts again. Returns how many were cancelled.
    @discardableResult
    public func cancelInFlight(where matches: (_ namespace: String) -> Bool) -> Int {
        let tasks = state.withLock { s in s.running.filter { matches($0.key.namespace) }.map(\.value) }
        for t in tasks { t.cancel() }
        return tasks.count
    }

    // MARK: Running

    /// Waits for the store to sync, then runs the
    /// workers until `stop(drain:)` or until the calling task is cancelled
    /// (which cancels the reconciles in flight, then throws
    /// `CancellationError`). Returns at once if `stop` came first. One run
    /// per controller.
    public func run() async throws {
        let pool: Task<Void, Never>? = state.withLock { s in
            if s.stopping {
                s.phase = .stopped
                return nil
            }
            precondition(s.phase == .idle, "Controller(\(name)).run() called twice: a controller runs once")
            s.phase = .waitingForSync
            let pool = Task { await self.runPool() }
            s.pool = pool
            return pool
        }
        guard let pool else { return }
        await withTaskCancellationHandler {
            await pool.value
        } onCancel: {
            state.withLock { $0.stopping = true }
            queue.shutDown()
            pool.cancel()
        }
        try Task.checkCancellation()
    }

    /// Stops the controller and returns the seconds (on its clock) it took.
    /// With `drain`, no reconcile starts any more (keys still queued are
    /// dropped: the store is the truth, a successor re-lists it) and the
    /// ones in flight finish; without, they are cancelled. Returns once the
    /// workers have returned. Safe to call more than once, or before `run()`.
    @discardableResult
    public func stop(drain: Bool = true) async -> Double {
        let start = clock.now()
        let (phase, pool) = state.withLock { s in
            s.stopping = true
            if s.phase == .idle { s.phase = .stopped }
            return (s.phase, s.pool)
        }
        if phase == .working && drain {
            await queue.shutDownWithDrain()
        } else {
            queue.shutDown()
            pool?.cancel()
        }
        await pool?.value
        return clock.now() - start
    }

    /// Whether the workers are taking keys (the store synced, not stopped).
    public var isRunning: Bool { state.withLock { $0.phase == .working && !$0.stopping } }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    // MARK: Workers

    private func runPool() async {
        defer { state.withLock { $0.phase = .stopped } }
        do { try await store.waitUntilSynced() } catch { return }
        let (started, queueStore) = state.withLock { s in
            if s.stopping { return (false, false) }
            s.phase = .working
            return (true, s.queueStoreOnStart)
        }
        guard started else { return }
        if queueStore { requeueAll() }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask { await self.work() }
            }
        }
    }

    private func work() async {
        while let key = await queue.get() {
            await process(key)
            queue.done(key)
        }
    }

    /// Reconciles one key the worker holds (the caller calls `done`).
    func process(_ key: ObjectKey) async {
        let context = ReconcileContext(store: store, failures: queue.numRequeues(key), controller: name)
        let start = clock.now()
        let reconciler = reconciler
        // The reconcile runs in its own task, made under the lock together
        // with the admission, so `cancelInFlight(where:)` always finds it.
        let admission: Admission = state.withLock { s in
            if s.stopping { return .stopping }
            if let owned = s.ownership, !owned(key.namespace) {
                s.statistics.dropped += 1
                return .notOwned
            }
            s.inFlight[key.namespace, default: 0] += 1
            let task = Task { try await reconciler.reconcile(key, context: context) }
            s.running[key] = task
            return .reconcile(task)
        }
        let task: Task<ReconcileOutcome, any Error>
        switch admission {
        case .stopping:
            return
        case .notOwned:
            queue.forget(key)
            metrics.dropped.increment()
            return
        case .reconcile(let t):
            task = t
        }

        let result = await withTaskCancellationHandler {
            await task.result
        } onCancel: {
            task.cancel()
        }
        metrics.recordDuration(seconds: clock.now() - start)
        let cancelled = task.isCancelled
        leaveInFlight(key, result: result, cancelled: cancelled)

        switch result {
        case .success(.done):
            metrics.done.increment()
            queue.forget(key)
        case .success(.requeue(let seconds)):
            metrics.requeue.increment()
            queue.forget(key)
            queue.addAfter(key, seconds: seconds)
        case .failure:
            // A reconcile cancelled by `stop(drain: false)` is not a failure.
            if cancelled { return }
            metrics.error.increment()
            metrics.errors.increment()
            queue.addRateLimited(key)
        }
    }

    /// Counts the reconcile of `key` as finished and wakes the drains it held up.
    private func leaveInFlight(_ key: ObjectKey, result: Result<ReconcileOutcome, any Error>, cancelled: Bool) {
        let released: [DrainWaiter] = state.withLock { s in
            s.running[key] = nil
            let left = (s.inFlight[key.namespace] ?? 1) - 1
            s.inFlight[key.namespace] = left > 0 ? left : nil
            switch result {
            case .success(.done): s.statistics.done += 1
            case .success(.requeue): s.statistics.requeued += 1
            case .failure(let error):
                if !cancelled {
                    s.statistics.errors += 1
                    s.statistics.lastError = "\(name) \(key): \(error)"
                }
            }
            guard left == 0, !s.drainWaiters.isEmpty else { return [] }
            var released: [DrainWaiter] = []
            for (id, waiter) in s.drainWaiters where !s.anyInFlight(where: waiter.matches) {
                released.append(waiter)
                s.drainWaiters[id] = nil
            }
            return released
        }
        for waiter in released { waiter.continuation.resume() }
    }
}
