/// Callbacks an informer calls after each store change, on the informer's
/// task, in order. Keep them cheap: typically they enqueue the object's key.
public struct InformerHandler<Object: Sendable>: Sendable {
    public var onAdd: (@Sendable (Object) -> Void)?
    public var onUpdate: (@Sendable (_ old: Object, _ new: Object) -> Void)?
    public var onDelete: (@Sendable (Object) -> Void)?

    public init(
        onAdd: (@Sendable (Object) -> Void)? = nil, onUpdate: (@Sendable (_ old: Object, _ new: Object) -> Void)? = nil,
        onDelete: (@Sendable (Object) -> Void)? = nil
    ) {
        self.onAdd = onAdd
        self.onUpdate = onUpdate
        self.onDelete = onDelete
    }

    /// One callback for every change, given the object's current (or last) state.
    public init(_ any: @escaping @Sendable (Object) -> Void) {
        self.init(onAdd: any, onUpdate: { _, new in any(new) }, onDelete: any)
    }

    func deliver(_ change: StoreChange<Object>) {
        switch change {
        case .added(let o): onAdd?(o)
        case .updated(let old, let new): onUpdate?(old, new)
        case .deleted(let o): onDelete?(o)
        }
    }
}
