/// What a controller needs from an informer: the store it reads (and waits
/// to be synced) and change callbacks. `Informer` conforms; tests conform a
/// small fake that writes the store and calls the handlers themselves.
public protocol ControllerEventSource<Object>: Sendable {
    associatedtype Object: Sendable
    /// The cache the source keeps; its `hasSynced` is the controller's
    /// readiness gate.
    var store: ObjectStore<Object> { get }
    /// Registers callbacks for every change from now on.
    func addHandler(_ handler: InformerHandler<Object>)
}

extension Informer: ControllerEventSource {}
