import CoreMetrics
import Kube
import Synchronization

/// Keeps an `ObjectStore` equal to one collection of the cluster and tells
/// handlers what changed: it runs a `ReflectorMachine` against a
/// `ListWatcher` (paginated lists, watches with bookmarks, re-watch from the
/// last resourceVersion, re-list on `410 Gone`, backoff on errors).
///
/// A re-list is diffed against the store, so handlers see adds, updates
/// (resourceVersion changed) and deletes (objects that vanished while the
/// watch was down). `run()` runs until its task is cancelled.
public final class Informer<Object: Sendable>: Sendable {
    /// Counts since the informer was made (metrics carry the same numbers).
    public struct Statistics: Sendable, Hashable {
        /// Full lists completed (the store replaced), the first one included:
        /// after `setOwned`, wait for this to pass its old value to know the
        /// gained namespaces are in the store.
        public var listsCompleted = 0
        /// Full lists started after the first one (410 Gone, requested re-lists).
        public var relists = 0
        /// Watches opened other than right after a list.
        public var watchRestarts = 0
        /// Failed list or watch calls (each followed by a backoff).
        public var errors = 0
        /// Watch events received, bookmarks included.
        public var events = 0
        public var bookmarks = 0
        /// The resourceVersion the store reflects.
        public var resourceVersion = ""
        /// The last failure, as the API or the transport described it.
        public var lastError: String?
    }

    struct Shared {
        var handlers: [InformerHandler<Object>] = []
        var relistRequested = false
        var running = false
        var watchTask: Task<WatchOutcome, Never>?
        var statistics = Statistics()
    }

    struct WatchOutcome: Sendable {
        var machine: ReflectorMachine<Object>
        var next: [ReflectorMachine<Object>.Action]
        var interrupted: Bool
    }

    /// The cache this informer writes.
    public let store: ObjectStore<Object>
    let source: any ListWatcher<Object>
    let clock: any RuntimeClock
    let configuration: ReflectorConfiguration
    let random: ReflectorRandom?
    let metrics: InformerMetrics
    private let shared = Mutex(Shared())

    /// An informer over any source. `random` seeds watch timeouts and
    /// jitter (tests); `metricsFactory` defaults to the bootstrapped system.
    public init(
        source: some ListWatcher<Object>, store: ObjectStore<Object>, clock: any RuntimeClock = SystemClock(),
        configuration: ReflectorConfiguration = ReflectorConfiguration(), random: ReflectorRandom? = nil,
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.source = source
        self.store = store
        self.clock = clock
        self.configuration = configuration
        self.random = random
        metrics = InformerMetrics(resource: source.resourceName, factory: metricsFactory ?? MetricsSystem.factory)
    }

    /// An informer on a typed kind, cluster-wide or in one namespace.
    public convenience init(
        client: KubeClient, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
        owned: ObjectStore<Object>.OwnedFilter? = nil, clock: any RuntimeClock = SystemClock(),
        configuration: ReflectorConfiguration = ReflectorConfiguration(), metricsFactory: (any MetricsFactory)? = nil
    ) where Object: KubeResource {
        self.init(
            source: KubeListWatcher<Object>(client: client, descriptor: Object.descriptor, namespace: namespace,
                labelSelector: labelSelector, fieldSelector: fieldSelector),
            store: ObjectStore(owned: owned), clock: clock, configuration: configuration, metricsFactory: metricsFactory)
    }

    /// An informer on any resource (custom resources), as dynamic objects.
    public convenience init(
        client: KubeClient, descriptor: ResourceDescriptor, namespace: String? = nil, labelSelector: String? = nil,
        fieldSelector: String? = nil, owned: ObjectStore<Object>.OwnedFilter? = nil, clock: any RuntimeClock = SystemClock(),
        configuration: ReflectorConfiguration = ReflectorConfiguration(), metricsFactory: (any MetricsFactory)? = nil
    ) where Object == DynamicObject {
        self.init(
            source: KubeListWatcher<DynamicObject>(client: client, descriptor: descriptor, namespace: namespace,
                labelSelector: labelSelector, fieldSelector: fieldSelector),
            store: ObjectStore(owned: owned), clock: clock, configuration: configuration, metricsFactory: metricsFactory)
    }

    // MARK: Control

    /// Adds callbacks for the changes from now on (register before `run()`
    /// to see the initial adds).
    public func addHandler(_ handler: InformerHandler<Object>) {
        shared.withLock { $0.handlers.append(handler) }
    }

    /// Ends the current watch and lists again (for example after the set of
    /// owned namespaces grew). Changes are diffed against the store.
    public func requestRelist() {
        let task: Task<WatchOutcome, Never>? = shared.withLock { s in
            s.relistRequested = true
            return s.watchTask
        }
        task?.cancel()
    }

    /// Changes which namespaces are kept: drops the objects of namespaces no
    /// longer owned (no delete callbacks: the objects still exist) and
    /// re-lists to pick up those of namespaces gained (done when
    /// `statistics.listsCompleted` grows). Returns the keys dropped.
    @discardableResult
    public func setOwned(_ owned: ObjectStore<Object>.OwnedFilter?) -> [String] {
        let dropped = store.setOwned(owned)
        metrics.storeSize.record(store.count)
        requestRelist()
        return dropped
    }

    public var statistics: Statistics { shared.withLock { $0.statistics } }

    // MARK: Running

    /// Lists and watches until the task is cancelled (then throws
    /// `CancellationError`). One run at a time: the store has one writer.
    public func run() async throws {
        let alreadyRunning = shared.withLock { s in
            defer { s.running = true }
            return s.running
        }
        precondition(!alreadyRunning, "Informer(\(source.resourceName)).run() called while already running: a store has one writer")
        defer { shared.withLock { $0.running = false } }
        var machine = ReflectorMachine<Object>(configuration: configuration, random: random ?? ReflectorRandom())
        var queue = machine.step(.tick, now: clock.now())
        var listedOnce = false
        var watchesSinceList = 0
        while true {
            try Task.checkCancellation()
            if shared.withLock({ s in defer { s.relistRequested = false }; return s.relistRequested }) {
                queue = machine.step(.relistRequested, now: clock.now())
            }
            if queue.isEmpty { queue = machine.step(.tick, now: clock.now()) }
            guard !queue.isEmpty else {
                // Only reachable through a bug in the machine; start over rather than spin.
                queue = machine.step(.relistRequested, now: clock.now())
                continue
            }
            let action = queue.removeFirst()
            switch action {
            case .list(let limit, let token):
                if token == nil {
                    if listedOnce {
                        metrics.relists.increment()
                        update { $0.relists += 1 }
                    }
                    listedOnce = true
                }
                let event: ReflectorMachine<Object>.Event
                do {
                    let page = try await source.list(ListOptions(limit: limit, continueToken: token))
                    event = .listPage(items: page.items, resourceVersion: page.resourceVersion, continue: page.continueToken)
                } catch {
                    event = try classify(error)
                }
                queue += machine.step(event, now: clock.now())

            case .sleep(let until):
                try await clock.sleep(until: until)
                queue += machine.step(.tick, now: clock.now())

            case .watch(let rv, let timeout, let bookmarks):
                if watchesSinceList > 0 {
                    metrics.watchRestarts.increment()
                    update { $0.watchRestarts += 1 }
                }
                watchesSinceList += 1
                let options = ListOptions(resourceVersion: rv, timeoutSeconds: timeout, allowWatchBookmarks: bookmarks)
                let outcome = try await watch(options, machine: machine)
                machine = outcome.machine
                queue += outcome.next

            case .replaceAll(let items, let rv):
                watchesSinceList = 0
                deliver(store.replace(with: items))
                metrics.storeSize.record(store.count)
                update { s in
                    s.resourceVersion = rv
                    s.listsCompleted += 1
                }

            case .apply(let event):
                if let change = store.apply(event) {
                    deliver([change])
                    metrics.storeSize.record(store.count)
                }
            }
        }
    }

    /// Runs one watch in a child task that owns the machine meanwhile (so
    /// `requestRelist()` can end it by cancelling that task alone).
    private func watch(_ options: ListOptions, machine: ReflectorMachine<Object>) async throws -> WatchOutcome {
        let stream = source.watch(options)
        let task = Task { [self] () -> WatchOutcome in
            var m = machine
            do {
                for try await event in stream {
                    countEvent(event)
                    let rv: String?
                    switch event {
                    case .added(let o), .modified(let o), .deleted(let o): rv = store.metadataOf(o).resourceVersion
                    case .bookmark(let v, _): rv = v
                    }
                    for action in m.step(.watched(event, resourceVersion: rv), now: clock.now()) {
                        if case .apply(let e) = action, let change = store.apply(e) {
                            deliver([change])
                            metrics.storeSize.record(store.count)
                        }
                    }
                    if let rv = rv, !rv.isEmpty { update { $0.resourceVersion = rv } }
                }
                if Task.isCancelled { return WatchOutcome(machine: m, next: [], interrupted: true) }
                let next = m.step(.watchEnded, now: clock.now())
                return WatchOutcome(machine: m, next: next, interrupted: false)
            } catch {
                if Task.isCancelled { return WatchOutcome(machine: m, next: [], interrupted: true) }
                let event: ReflectorMachine<Object>.Event = (try? classify(error)) ?? .failed
                let next = m.step(event, now: clock.now())
                return WatchOutcome(machine: m, next: next, interrupted: false)
            }
        }
        let cancelNow = shared.withLock { s in
            s.watchTask = task
            return s.relistRequested
        }
        if cancelNow { task.cancel() }
        let outcome = await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
        shared.withLock { $0.watchTask = nil }
        try Task.checkCancellation()
        return outcome
    }

    /// `.gone` for 410, `.failed` for the rest; cancellation propagates.
    private func classify(_ error: any Error) throws -> ReflectorMachine<Object>.Event {
        if error is CancellationError || Task.isCancelled { throw CancellationError() }
        if let e = error as? KubeError, case .gone = e {
            update { $0.lastError = "\(source.resourceName): \(e)" }
            return .gone
        }
        metrics.errors.increment()
        update { s in
            s.errors += 1
            s.lastError = "\(source.resourceName): \(error)"
        }
        return .failed
    }

    private func countEvent(_ event: WatchEvent<Object>) {
        switch event {
        case .added: metrics.added.increment()
        case .modified: metrics.modified.increment()
        case .deleted: metrics.deleted.increment()
        case .bookmark: metrics.bookmarks.increment()
        }
        update { s in
            s.events += 1
            if case .bookmark = event { s.bookmarks += 1 }
        }
    }

    private func deliver(_ changes: [StoreChange<Object>]) {
        guard !changes.isEmpty else { return }
        let handlers = shared.withLock { $0.handlers }
        for change in changes {
            for h in handlers { h.deliver(change) }
        }
    }

    private func update(_ body: (inout Statistics) -> Void) {
        shared.withLock { body(&$0.statistics) }
    }
}
