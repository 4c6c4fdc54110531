import Kube
import Logging
import VigilHost

/// The controllers `vigil run` registers on its replica, one per resource
/// kind Vigil serves. Returns their names.
enum ControllerCatalog {
    static func register(on replica: Replica, client: KubeClient, configuration: VigilConfiguration, logger: Logger) throws -> [String] {
        []
    }
}
