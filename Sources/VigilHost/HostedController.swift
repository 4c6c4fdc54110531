import VigilRuntime

/// What a `Replica` needs from one registered controller, whatever its
/// object type: run its informer and workers, follow ownership, drain.
protocol HostedController: Sendable {
    var name: String { get }
    var isSynced: Bool { get }
    var statistics: ControllerStatistics { get }
    func runInformer() async throws
    func runWorkers() async throws
    func stop(drain: Bool) async
    /// The member adopted a new epoch: keep objects of `owned` namespaces.
    func ownedChanged(_ owned: @escaping @Sendable (String) -> Bool)
    /// These namespaces became startable: queue their keys.
    func gained(_ namespaces: [String])
    func drain(where matches: @escaping @Sendable (String) -> Bool) async
    func cancelInFlight(where matches: (String) -> Bool) -> Int
}

/// An informer and the controller that reconciles its objects.
struct HostedInformerController<Object: Sendable>: HostedController {
    let informer: Informer<Object>
    let controller: Controller<Object>

    var name: String { controller.name }
    var isSynced: Bool { informer.store.hasSynced }
    var statistics: ControllerStatistics { controller.statistics }

    func runInformer() async throws { try await informer.run() }
    func runWorkers() async throws { try await controller.run() }
    func stop(drain: Bool) async { await controller.stop(drain: drain) }
    func ownedChanged(_ owned: @escaping @Sendable (String) -> Bool) { informer.setOwned(owned) }
    func gained(_ namespaces: [String]) { controller.enqueueOwned(namespaces: namespaces) }
    func drain(where matches: @escaping @Sendable (String) -> Bool) async { await controller.drain(where: matches) }
    func cancelInFlight(where matches: (String) -> Bool) -> Int { controller.cancelInFlight(where: matches) }
}

/// An informer registered with `Replica.registerCache`: a cache without a controller.
struct HostedCache: Sendable {
    let name: String
    let run: @Sendable () async throws -> Void
    let setOwned: @Sendable (@escaping @Sendable (String) -> Bool) -> Void
    let isSynced: @Sendable () -> Bool
}
