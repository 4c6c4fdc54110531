import Kube
import Logging
import VigilControllers
import VigilHost
import VigilRuntime

/// The controllers `vigil run` registers on its replica, one per resource
/// kind Vigil serves. Returns their names.
enum ControllerCatalog {
    static func register(on replica: Replica, client: KubeClient, configuration c: VigilConfiguration, logger: Logger) throws -> [String] {
        let policies = Informer<DynamicObject>(client: client, descriptor: NamespacePolicyReconciler.descriptor)
        let reconciler = try NamespacePolicyReconciler(
            client: client, namespaces: replica.namespaces.store, replica: c.identity,
            allowCrossNamespace: c.namespacePolicy.allowCrossNamespace, pendingTimeout: c.timing.leaseDuration, logger: logger)
        replica.register("namespacepolicy", informer: policies, reconciler: reconciler, workers: c.controllers.workers)
        return ["namespacepolicy"]
    }
}
