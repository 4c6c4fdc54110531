/// One change an `ObjectStore` write made, as event handlers see it.
public enum StoreChange<Object: Sendable>: Sendable {
    case added(Object)
    case updated(old: Object, new: Object)
    /// The object as the store last held it (or as the delete event carried
    /// it, when the store had not seen it).
    case deleted(Object)
}

extension StoreChange: Equatable where Object: Equatable {}
