import CoreMetrics
import Kube
import Logging
import Synchronization
import VigilJSON
import VigilRuntime

/// One Vigil process (docs/architecture.md, "The process"): a `LeaderElector`
/// whose leader runs the `ShardCoordinator`, a `ShardMember` that holds this
/// replica's member lease and follows the shard map, a namespace informer
/// (which namespaces exist, for the owned set and `/shards`), and the
/// registered controllers, each an informer feeding a `Controller` gated by
/// the member:
///
/// - a controller reconciles a key only while `member.mayStart(namespace)`
///   (checked atomically with counting the reconcile as in flight);
/// - on a new epoch the member's `drain` waits for every controller's
///   in-flight reconciles of the namespaces lost; the informers then keep
///   only the namespaces owned in the adopted epoch (re-listing for the
///   gained ones), and once gained namespaces become startable (the epoch is
///   committed) their keys are queued;
/// - when the member lease cannot be renewed (self-fencing) the reconciles in
///   flight are cancelled.
///
/// `services(...)` returns the parts as swift-service-lifecycle services in
/// start order; a `ServiceGroup` shuts them down in reverse, so a graceful
/// shutdown first hands this replica's namespaces over (`ShardMember.leave`),
/// then stops the controllers, the informers, the elector (which releases the
/// leader lease) and the HTTP server.
public final class Replica: Sendable {
    public let configuration: ReplicaConfiguration
    public let client: KubeClient
    /// The client of the leader lease, the member leases and the shard map:
    /// its own connection and no rate limit, so that renewals never queue
    /// behind the controllers' requests (client-go gives leader election its
    /// own client for the same reason). `client` unless one was passed.
    public let coordinationClient: KubeClient
    /// Where the leases and the shard map are worked on: a thread of their
    /// own beside Swift's pool, which the reconciles keep busy (nil: the
    /// pool, for tests that show why).
    public let coordinationExecutor: DedicatedTaskExecutor?
    public let elector: LeaderElector
    public let coordinator: ShardCoordinator
    public let member: ShardMember
    /// Every namespace in the cluster, unfiltered, as `NamespaceSummary` (name, UID, times, phase).
    public let namespaces: Informer<NamespaceSummary>
    let controllers: ControllerList
    let metrics: ShardMetrics
    let logger: Logger
    let clock: any RuntimeClock
    let follow = Mutex(Following())
    /// Loops registered with `addLoop` (the Prometheus poller), run as services.
    let loops = Mutex<[(name: String, body: @Sendable () async throws -> Void)]>([])
    /// Member → `vigil.dev/address`, from the member leases (kept by the member-lease watch).
    let addresses = Mutex<[String: String]>([:])
    /// Informers registered with `registerCache` (no controller of their own).
    let caches = Mutex<[HostedCache]>([])
    /// Called with each shard view whose epoch the informers were narrowed to.
    let ownershipFollowers = Mutex<[@Sendable (ShardView) -> Void]>([])

    /// What the ownership follower last saw.
    struct Following {
        /// (adopted epoch, active) the informers were last narrowed to.
        var storeEpoch: Int?
        var startable: Set<String> = []
    }

    /// The registered controllers (written before `run`, read by closures
    /// the member holds).
    final class ControllerList: Sendable {
        let items = Mutex<[any HostedController]>([])
        var all: [any HostedController] { items.withLock { $0 } }
    }

    /// Makes the parts; nothing runs until the services do. Pass a client
    /// whose options observe requests with `observeAPIRequests(_:shard:)` to
    /// get `vigil_api_requests_total`. `coordinationClient` (default
    /// `client`) carries the leases and the shard map; `vigil run` passes
    /// one without a qps limit (`coordinationOptions(from:)`). They run on a
    /// thread of their own unless `dedicatedCoordinationThread` is false.
    public init(
        configuration: ReplicaConfiguration, client: KubeClient, coordinationClient: KubeClient? = nil, dedicatedCoordinationThread: Bool = true,
        logger: Logger, clock: any RuntimeClock = SystemClock(), metricsFactory: (any MetricsFactory)? = nil
    ) {
        let factory = metricsFactory ?? MetricsSystem.factory
        let metrics = ShardMetrics(shard: configuration.identity.rawValue, factory: factory)
        let controllers = ControllerList()
        var logger = logger
        logger[metadataKey: "replica"] = .string(configuration.identity.rawValue)
        let log = logger
        self.configuration = configuration
        self.client = client
        let coordination = coordinationClient ?? client
        self.coordinationClient = coordination
        coordinationExecutor = dedicatedCoordinationThread ? DedicatedTaskExecutor(label: "vigil.coordination") : nil
        self.clock = clock
        self.metrics = metrics
        self.controllers = controllers
        self.logger = logger
        elector = LeaderElector(config: configuration.leaderElection, store: coordination, clock: clock)
        coordinator = ShardCoordinator(config: configuration.membership, leases: coordination, maps: coordination, clock: clock)
        namespaces = Informer<NamespaceSummary>(client: client, clock: clock, metricsFactory: factory)
        member = ShardMember(
            config: configuration.membership, client: coordination, clock: clock,
            drain: { keeping in
                let started = clock.now()
                await withTaskGroup(of: Void.self) { group in
                    for c in controllers.all {
                        group.addTask { await c.drain(where: { !keeping.owns($0) }) }
                    }
                }
                let took = clock.now() - started
                metrics.handoff.recordNanoseconds(Int64(max(0, took) * 1e9))
                log.info("drained the namespaces not owned in epoch \(keeping.epoch)", metadata: ["seconds": "\(took)"])
            },
            stopAll: { released in
                var cancelled = 0
                for c in controllers.all { cancelled += c.cancelInFlight(where: { _ in true }) }
                if released {
                    log.info("member lease released after the hand-off: owning nothing", metadata: ["cancelledReconciles": "\(cancelled)"])
                } else {
                    log.warning("member lease not renewed in time: fenced, owning nothing", metadata: ["cancelledReconciles": "\(cancelled)"])
                }
            })
    }

    /// The options of the coordination client made from the controllers'
    /// client's: the same user agent and observer, no qps limit (a
    /// replica's lease traffic is a few requests per retry period).
    public static func coordinationOptions(from options: KubeClient.Options) -> KubeClient.Options {
        var o = options
        o.qps = 0
        o.burst = 0
        return o
    }

    /// Sets `options.onResponse` to count requests in
    /// `vigil_api_requests_total{shard, verb, code}`.
    public static func observeAPIRequests(_ options: inout KubeClient.Options, shard: String, factory: (any MetricsFactory)? = nil) {
        let metrics = APIRequestMetrics(shard: shard, factory: factory ?? MetricsSystem.factory)
        options.onResponse = { verb, code in metrics.record(verb: verb, code: code) }
    }

    // MARK: Registering controllers

    /// Registers a controller over `informer`'s objects, gated by this
    /// replica's shard ownership. Register every controller before running
    /// the services. Returns the controller (for tests and status).
    @discardableResult
    public func register<Object: Sendable>(
        _ name: String, informer: Informer<Object>, reconciler: some Reconciler<Object>, workers: Int = 2,
        rateLimit: WorkQueueRateLimit = .controllerDefault, metricsFactory: (any MetricsFactory)? = nil
    ) -> Controller<Object> {
        let member = member
        let controller = Controller(
            name: name, source: informer, reconciler: reconciler, workers: workers, shard: configuration.identity.rawValue,
            ownership: { member.mayStart($0) }, clock: clock, rateLimit: rateLimit, metricsFactory: metricsFactory)
        // Until the first map is adopted the member owns nothing: keep nothing.
        informer.store.setOwned { _ in false }
        controllers.items.withLock { $0.append(HostedInformerController(informer: informer, controller: controller)) }
        return controller
    }

    /// Registers an informer that only keeps a cache for controllers to read
    /// (the MemoryScaler controller's pods): it runs as a service, keeps the
    /// objects of owned namespaces only, and gates readiness until synced.
    /// Register before running the services.
    public func registerCache<Object: Sendable>(_ name: String, informer: Informer<Object>) {
        informer.store.setOwned { _ in false }
        caches.withLock {
            $0.append(HostedCache(
                name: name, run: { try await informer.run() }, setOwned: { owned in _ = informer.setOwned(owned) },
                isSynced: { informer.store.hasSynced }))
        }
    }

    /// The HTTP address (`host:port`) a member published in its member lease.
    public func address(of member: String) -> String? {
        member == configuration.identity.rawValue ? configuration.address : addresses.withLock { $0[member] }
    }

    /// Runs `body` as one of the replica's services (after the informers,
    /// before the controllers' workers). Register before running the services.
    public func addLoop(name: String, body: @escaping @Sendable () async throws -> Void) {
        loops.withLock { $0.append((name, body)) }
    }

    /// Calls `follower` whenever the replica adopts a shard map epoch (the
    /// owned set or the member count may have changed), as the informers
    /// are narrowed. Register before running the services.
    public func followOwnership(_ follower: @escaping @Sendable (ShardView) -> Void) {
        ownershipFollowers.withLock { $0.append(follower) }
    }

    // MARK: Following ownership and leadership

    /// Applies every change of the member's view until the member stops.
    func followOwnership() async {
        for await view in member.ownershipChanges() {
            apply(view)
        }
    }

    func apply(_ view: ShardView) {
        let active = view.phase == .active
        let epoch = active ? (view.epoch ?? 0) : -1
        metrics.epoch.record(view.epoch ?? 0)
        metrics.committedEpoch.record(view.map?.committedEpoch ?? 0)
        metrics.fenced.record(active ? 0 : 1)
        let narrowed = follow.withLock { f in
            defer { f.storeEpoch = epoch }
            return f.storeEpoch != epoch
        }
        if narrowed {
            let snapshot = view
            for c in controllers.all { c.ownedChanged { snapshot.owns($0) } }
            for c in caches.withLock({ $0 }) { c.setOwned { snapshot.owns($0) } }
            for f in ownershipFollowers.withLock({ $0 }) { f(snapshot) }
            logger.info(
                "adopted shard map", metadata: [
                    "epoch": "\(view.epoch ?? 0)", "committedEpoch": "\(view.map?.committedEpoch ?? 0)",
                    "members": "\(view.map?.members.map(\.rawValue) ?? [])", "phase": "\(view.phase)",
                ])
        }
        refreshStartable()
    }

    /// Recomputes which namespaces may be worked on now and queues the keys
    /// of those that just became startable.
    func refreshStartable() {
        let names = namespaces.store.keys()
        var startable = Set<String>()
        var owned = 0
        for name in names {
            if member.mayStart(name) { startable.insert(name) }
            if member.owns(name) { owned += 1 }
        }
        let gained = follow.withLock { f in
            defer { f.startable = startable }
            return startable.subtracting(f.startable)
        }
        metrics.active.record(startable.count)
        metrics.owned.record(owned)
        if !gained.isEmpty {
            let list = Array(gained)
            for c in controllers.all { c.gained(list) }
        }
    }

    /// Tracks leadership for metrics and logs until cancelled.
    func followLeadership() async {
        for await change in elector.changes() {
            switch change {
            case .becameLeader:
                metrics.leader.record(1)
                logger.notice("became the leader: publishing the shard map")
            case .lostLeadership(let reason):
                metrics.leader.record(0)
                logger.notice("stopped leading: \(reason)")
            case .newLeader(let who):
                logger.info("leader is \(who)")
            }
        }
    }

    // MARK: Status

    /// Whether this replica takes part: member lease held, a shard map
    /// adopted, and every informer synced. Returns the reasons it does not.
    public func readiness() -> [String] {
        var reasons: [String] = []
        let view = member.view
        if !member.lease.isHeld() { reasons.append("member lease \(configuration.membership.leaseName) is not held") }
        if view.phase != .active { reasons.append("no shard map adopted yet (phase \(view.phase))") }
        if !namespaces.store.hasSynced { reasons.append("namespace informer has not synced") }
        for c in controllers.all where !c.isSynced { reasons.append("informer of controller \(c.name) has not synced") }
        for c in caches.withLock({ $0 }) where !c.isSynced() { reasons.append("informer \(c.name) has not synced") }
        return reasons
    }

    /// The shard map as this replica sees it and what it owns, for `/shards`.
    public func shardsJSON() -> JSON {
        let view = member.view
        let names = namespaces.store.keys().sorted()
        var owned: [JSON] = []
        var active: [JSON] = []
        for name in names where member.owns(name) {
            owned.append(.string(name))
            if member.mayStart(name) { active.append(.string(name)) }
        }
        var o = JSONObject()
        o["member"] = .string(configuration.identity.rawValue)
        o["address"] = .string(configuration.address)
        o["leader"] = elector.currentLeader.map(JSON.string) ?? .null
        o["isLeader"] = .bool(elector.isLeader)
        o["phase"] = .string("\(view.phase)")
        o["epoch"] = .int(Int64(view.epoch ?? 0))
        o["committedEpoch"] = .int(Int64(view.map?.committedEpoch ?? 0))
        o["ackedEpoch"] = view.ackedEpoch.map { JSON.int(Int64($0)) } ?? .null
        o["members"] = .array((view.map?.members ?? []).map { .string($0.rawValue) })
        o["ownedNamespaces"] = .array(owned)
        o["ownedCount"] = .int(Int64(owned.count))
        o["activeCount"] = .int(Int64(active.count))
        o["activeNamespaces"] = .array(active)
        o["namespaceCount"] = .int(Int64(names.count))
        var cs: [JSON] = []
        for c in controllers.all {
            let s = c.statistics
            cs.append(.obj([
                "name": .string(c.name), "synced": .bool(c.isSynced), "reconciles": .int(Int64(s.reconciles)), "errors": .int(Int64(s.errors)),
                "dropped": .int(Int64(s.dropped)), "lastError": s.lastError.map(JSON.string) ?? .null,
            ]))
        }
        o["controllers"] = .array(cs)
        return .object(o)
    }
}
