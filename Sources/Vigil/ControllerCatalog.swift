import Foundation
import Kube
import Logging
import Metrics
import Synchronization
import VigilControllers
import VigilHTTP
import VigilHost
import VigilJSON
import VigilPrometheus
import VigilRuntime

/// The controllers `vigil run` registers on its replica, one per resource
/// kind Vigil serves, with the parts they share: one action executor (the
/// action engine's I/O), one Prometheus poller, one HTTP client and one cap
/// on runs per minute. Returns their names.
enum ControllerCatalog {
    /// What `vigil run` gets back: the controllers' names and the Alertmanager receiver to route to.
    struct Registered {
        var names: [String]
        var alertmanager: AlertmanagerReceiver
    }

    static func register(on replica: Replica, client: KubeClient, configuration c: VigilConfiguration, logger: Logger) throws -> Registered {
        let http = try HTTPClient()
        let executor = ActionExecutor(client: client, http: http, replica: c.identity)
        let budget = ActionBudget(perMinute: c.actions.maxRunsPerMinute)

        // The replica's one pod informer (with MemoryScaler on): every pod of
        // the owned namespaces, slim (ScaledPod). NamespacePolicy's
        // podsSucceeded reads it (and LISTs live without it); a change wakes
        // the MemoryScalers of its namespace.
        let pods: Informer<ScaledPod>? = c.memoryScaler.enabled ? Informer<ScaledPod>(client: client) : nil
        if let pods { replica.registerCache("pods", informer: pods) }
        let policies = Informer<NamespacePolicyObject>(client: client)
        let reconciler = NamespacePolicyReconciler(
            client: client, namespaces: replica.namespaces.store, pods: pods?.store, replica: c.identity,
            allowCrossNamespace: c.namespacePolicy.allowCrossNamespace, pendingTimeout: c.timing.leaseDuration, executor: executor, logger: logger)
        replica.register("namespacepolicy", informer: policies, reconciler: reconciler, workers: c.controllers.workers)

        // The poller wakes the resources whose data changed; the controllers exist only after it.
        let wake = Mutex<(@Sendable (ObjectKey) -> Void)?>(nil)
        let wakeScaler = Mutex<(@Sendable (ObjectKey) -> Void)?>(nil)
        let poller = try PrometheusPoller(sources: c.prometheusSources) { ids in
            let (measure, scale) = (wake.withLock { $0 }, wakeScaler.withLock { $0 })
            for id in ids {
                if let key = CounterMeasureReconciler.key(subscriber: id) { measure?(key) }
                if let key = MemoryScalerReconciler.key(subscriber: id) { scale?(key) }
            }
        }
        let measures = Informer<CounterMeasureObject>(client: client)
        let ctm = CounterMeasureReconciler(
            client: client, poller: poller, executor: executor, budget: budget, replica: c.identity, sources: c.prometheusSourceNames,
            pendingTimeout: c.timing.leaseDuration, allowCrossNamespace: c.counterMeasure.allowCrossNamespace, logger: logger)
        let controller = replica.register("countermeasure", informer: measures, reconciler: ctm, workers: c.controllers.workers)
        wake.withLock { $0 = { controller.enqueue($0) } }

        let probes = HealthProbeRunner(http: http, maxConcurrent: c.healthCheck.maxConcurrentProbes)
        let wakeCheck = Mutex<(@Sendable (ObjectKey) -> Void)?>(nil)
        let checks = Informer<HealthCheckObject>(client: client)
        let hc = HealthCheckReconciler(
            client: client, poller: poller, executor: executor, probes: probes, budget: budget, replica: c.identity, sources: c.prometheusSourceNames,
            pendingTimeout: c.timing.leaseDuration, allowClusterLevel: c.healthCheck.allowClusterLevel, logger: logger,
            enqueue: { key in wakeCheck.withLock { $0 }?(key) })
        let checkController = replica.register("healthcheck", informer: checks, reconciler: hc, workers: c.controllers.workers)
        wakeCheck.withLock { $0 = { checkController.enqueue($0) } }

        var names = ["namespacepolicy", "countermeasure", "healthcheck"]
        var scalerObjects: ObjectStore<MemoryScalerObject>?
        if let pods {  // MemoryScaler is enabled
            let scalers = Informer<MemoryScalerObject>(client: client)
            scalerObjects = scalers.store
            let msc = MemoryScalerReconciler(
                client: client, poller: poller, pods: pods.store, executor: executor, budget: budget, replica: c.identity,
                sources: c.prometheusSourceNames, pendingTimeout: c.timing.leaseDuration, logger: logger)
            let scalerController = replica.register("memoryscaler", informer: scalers, reconciler: msc, workers: c.controllers.workers)
            let wakeSelecting: @Sendable (ScaledPod) -> Void = { pod in
                for s in scalers.store.list(namespace: pod.namespace) {
                    if case .success(let scaler) = s.decoded, !scaler.selects(labels: pod.labels, annotations: pod.annotations) { continue }
                    scalerController.enqueue(ObjectKey(namespace: pod.namespace, name: s.metadata.name ?? ""))
                }
            }
            pods.addHandler(InformerHandler(
                onAdd: wakeSelecting,
                onUpdate: { old, new in
                    guard !old.sameFacts(as: new) else { return }
                    wakeSelecting(new)
                    if old.labels != new.labels || old.annotations != new.annotations { wakeSelecting(old) }
                },
                onDelete: wakeSelecting))
            wakeScaler.withLock { $0 = { scalerController.enqueue($0) } }
            names.append("memoryscaler")
        }

        // The age of the oldest Pending ledger entry among the resources this
        // replica owns (vigil_ledger_pending_oldest_seconds, for the
        // VigilEffectPendingTooLong alert in deploy/monitoring).
        let pendingAge = Gauge(label: "vigil_ledger_pending_oldest_seconds", dimensions: [("shard", c.identity)])
        EffectLedgerStore<KubeClient>.registerMetrics()
        let scalerStore = scalerObjects
        replica.addLoop(name: "ledger-age") {
            while !Task.isCancelled {
                var statuses = policies.store.list().map(\.statusWithPendingEffect) + measures.store.list().map(\.statusWithPendingEffect)
                statuses += checks.store.list().map(\.statusWithPendingEffect) + (scalerStore?.list().map(\.statusWithPendingEffect) ?? [])
                pendingAge.record(EffectLedger.oldestPendingAge(statuses: statuses, now: RFC3339Time(secondsSinceEpoch: Date().timeIntervalSince1970)))
                try await Task.sleep(for: .seconds(15))
            }
        }
        replica.followOwnership { view in
            poller.setOwned { view.owns($0) }
            // A subscriber without a namespace (cross-namespace) belongs to a resource of an owned namespace too.
            poller.unregister { r in !view.owns(r.namespace ?? PollerSubscriber.parse(r.id)?.key.namespace ?? "") }
            budget.setReplicas(view.map?.members.count ?? 1)
        }
        replica.addLoop(name: "prometheus-poller") {
            await poller.run()
            // No source configured (or all stopped): a service that returns would end the process.
            while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
        }
        for s in c.prometheusSources {
            logger.info("polling Prometheus source \(s.name) at \(s.url) every \(s.interval) s")
        }
        let member = replica.member
        let me = c.identity
        let receiver = AlertmanagerReceiver(
            client: client, store: measures.store, tokenFile: c.alertmanager.tokenFile, maxBodyBytes: c.alertmanager.maxBodyBytes, identity: me,
            http: http,
            route: { ns in
                let view = member.view
                if view.mayStart(ns) { return .local }
                guard let map = view.map, map.isCommitted, let owner = map.owner(of: ns)?.rawValue else {
                    return .unavailable("no committed owner for it (a hand-off is in progress)")
                }
                if owner == me { return .unavailable("owned here but not startable yet (a hand-off is in progress)") }
                guard let address = replica.address(of: owner) else { return .unavailable("its owner \(owner) has published no address") }
                return .remote(member: owner, address: address)
            },
            enqueue: { controller.enqueue($0) }, logger: logger)
        if !c.alertmanager.tokenFile.isEmpty { logger.info("Alertmanager receiver on at POST /alertmanager/webhook") }
        return Registered(names: names, alertmanager: receiver)
    }
}
