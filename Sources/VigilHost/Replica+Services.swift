import Kube
import Logging
import Synchronization
import ServiceLifecycle
import VigilRuntime

extension Replica {
    /// The replica's parts as services, in start order (a `ServiceGroup`
    /// stops them in reverse): the elector, the namespace informer, each
    /// controller's informer, each controller's workers, then the member.
    /// Put the HTTP server first so it outlives them all.
    public func services() -> [any Service] {
        // The leases and the shard map run on the coordination executor, so
        // a busy pool of reconciles cannot make them late.
        let onTime = coordinationExecutor
        var services: [any Service] = [
            LoopService(name: "leader-elector", executor: onTime) { [elector, coordinator] in
                await elector.run(whileLeading: { await coordinator.run() })
            },
            LoopService(name: "leadership-follower") { [self] in await followLeadership() },
            // Every replica judges member leases, so a new leader need not wait a
            // whole lease duration to see that the old one's member lease expired.
            LoopService(name: "member-observer", executor: onTime) { [coordinator] in await coordinator.observe() },
            // Watches wake the coordinator and the member at once; polling stays as the fallback.
            LoopService(name: "shard-map-watch", executor: onTime) { [self] in
                await nudge(ConfigMap.self, options: ListOptions(fieldSelector: "metadata.name=\(ShardMap.configMapName)")) { [member] in member.poke() }
            },
            LoopService(name: "member-lease-watch", executor: onTime) { [self] in
                await watchMemberLeases()
            },
            LoopService(name: "namespace-informer") { [namespaces] in try await namespaces.run() },
        ]
        let all = controllers.all
        for c in all {
            services.append(LoopService(name: "\(c.name)-informer") { try await c.runInformer() })
        }
        for c in caches.withLock({ $0 }) {
            services.append(LoopService(name: "\(c.name)-informer", body: c.run))
        }
        for loop in loops.withLock({ $0 }) {
            services.append(LoopService(name: loop.name, body: loop.body))
        }
        for c in all {
            services.append(ControllerService(controller: c))
        }
        services.append(MemberService(replica: self))
        return services
    }

    /// A `ServiceGroup` that runs `first` (the HTTP server) and then the
    /// replica's services, shuts down gracefully on SIGTERM and SIGINT, and
    /// cancels what is left if the graceful shutdown takes longer than the
    /// hand-off timeout plus 5 s (so a stuck part cannot keep the process
    /// alive until the kubelet's SIGKILL).
    public func serviceGroup(first: [any Service]) -> ServiceGroup {
        var configuration = ServiceGroupConfiguration(
            services: (first + services()).map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(Int64((self.configuration.handoffTimeout + 5) * 1000))
        return ServiceGroup(configuration: configuration)
    }

    /// Gracefully leaves the ring: waits (up to the hand-off timeout) until
    /// the leader published an epoch without this replica and it drained
    /// and acknowledged it, then releases the member lease.
    func leave() async {
        let started = clock.now()
        logger.notice("shutting down: handing over owned namespaces")
        let result = await member.leave(timeout: configuration.handoffTimeout)
        let took = clock.now() - started
        switch result {
        case .handedOff:
            logger.notice("handed over every namespace", metadata: ["seconds": "\(took)"])
        case .ownedNothing:
            logger.warning(
                "owned nothing when leaving (fenced: the member lease could not be renewed, or this replica had not joined); the others take over once its lease expires",
                metadata: ["seconds": "\(took)"])
        case .timedOut:
            logger.warning(
                "hand-off did not complete within \(configuration.handoffTimeout) s; released the member lease anyway",
                metadata: ["seconds": "\(took)"])
        }
    }

    /// Watches `T` in the replica's namespace and calls `poke` on every
    /// event, re-watching after the stream ends or fails (after one retry
    /// period), until cancelled. Only a latency optimisation: the loops it
    /// pokes also poll.
    func nudge<T: KubeResource>(_ type: T.Type, options: ListOptions, poke: @escaping @Sendable () -> Void) async {
        var options = options
        options.timeoutSeconds = 300
        while !Task.isCancelled {
            do {
                for try await _ in coordinationClient.watch(T.self, namespace: configuration.namespace, options: options) { poke() }
            } catch {
                if Task.isCancelled { return }
                logger.debug("watch of \(T.descriptor.plural) for shard changes ended: \(error)")
            }
            try? await clock.sleep(for: configuration.timing.retryPeriod)
        }
    }

    /// Pokes the coordinator when a member lease changes in a way that can
    /// change the map (a member joined, left, was released, marked leaving
    /// or dead, or acknowledged an epoch) — not on every renewal.
    func watchMemberLeases() async {
        let seen = Mutex<[String: String]>([:])
        var options = ListOptions(labelSelector: "\(MemberLeaseRecord.Key.ring)=\(configuration.ring)")
        options.timeoutSeconds = 300
        while !Task.isCancelled {
            do {
                for try await event in coordinationClient.watch(Lease.self, namespace: configuration.namespace, options: options) {
                    let changed: Bool = seen.withLock { s in
                        switch event {
                        case .added(let l), .modified(let l):
                            let a = l.metadata.annotations ?? [:]
                            if let member = l.spec?.holderIdentity, let address = a[MemberLeaseRecord.Key.address] {
                                addresses.withLock { $0[member] = address }
                            }
                            let signature = [l.spec?.holderIdentity ?? "", a["vigil.dev/ack-epoch"] ?? "", a["vigil.dev/leaving"] ?? "", a["vigil.dev/dead-in-epoch"] ?? ""]
                                .joined(separator: "|")
                            defer { s[l.metadata.name ?? ""] = signature }
                            return s[l.metadata.name ?? ""] != signature
                        case .deleted(let l):
                            s[l.metadata.name ?? ""] = nil
                            return true
                        default:
                            return false
                        }
                    }
                    if changed { coordinator.poke() }
                }
            } catch {
                if Task.isCancelled { return }
                logger.debug("watch of member leases ended: \(error)")
            }
            try? await clock.sleep(for: configuration.timing.retryPeriod)
        }
    }

    /// Re-derives the startable set every retry period (namespaces created
    /// since the last change are counted, and a view change missed by a
    /// full subscriber buffer is caught up).
    func refreshPeriodically() async {
        while !Task.isCancelled {
            refreshStartable()
            try? await clock.sleep(for: configuration.timing.retryPeriod)
        }
    }
}

/// A loop that runs until graceful shutdown (then it is cancelled) or until
/// it returns by itself. Cancellation is a normal end.
struct LoopService: Service, CustomStringConvertible {
    let name: String
    /// Where the loop prefers to run (nil: Swift's global executor).
    let executor: (any TaskExecutor)?
    let body: @Sendable () async throws -> Void

    init(name: String, executor: (any TaskExecutor)? = nil, body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.executor = executor
        self.body = body
    }

    var description: String { name }

    func run() async throws {
        defer { Logger(label: "vigil").debug("service \(name) stopped") }
        do {
            try await withTaskExecutorPreference(executor) {
                try await cancelWhenGracefulShutdown { try await body() }
            }
        } catch is CancellationError {
            return
        }
    }
}

/// A controller's workers; graceful shutdown stops them after the reconciles
/// in flight finish.
struct ControllerService: Service, CustomStringConvertible {
    let controller: any HostedController

    var description: String { "\(controller.name)-workers" }

    func run() async throws {
        let controller = controller
        defer { Logger(label: "vigil").debug("service \(controller.name)-workers stopped") }
        try await withGracefulShutdownHandler {
            do { try await controller.runWorkers() } catch is CancellationError {}
        } onGracefulShutdown: {
            Task { await controller.stop(drain: true) }
        }
    }
}

/// The member lease, the shard-map follower and the ownership follower;
/// graceful shutdown hands the namespaces over before the lease is released.
struct MemberService: Service, CustomStringConvertible {
    let replica: Replica

    var description: String { "shard-member" }

    func run() async throws {
        let replica = replica
        await withTaskGroup(of: Void.self) { group in
            group.addTask(executorPreference: replica.coordinationExecutor) { await replica.member.run() }
            group.addTask { await replica.followOwnership() }
            group.addTask { await replica.refreshPeriodically() }
            do {
                try await gracefulShutdown()
                await replica.leave()
            } catch {
                // Cancelled: a crash-like stop, nothing released.
            }
            group.cancelAll()
        }
    }
}
