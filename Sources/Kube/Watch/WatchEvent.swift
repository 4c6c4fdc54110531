/// One event of a watch stream, decoded.
public enum WatchEvent<Object: Sendable>: Sendable {
    case added(Object)
    case modified(Object)
    case deleted(Object)
    /// The server has sent everything up to this resourceVersion.
    /// `initialEventsEnd` marks the end of `sendInitialEvents`.
    case bookmark(resourceVersion: String, initialEventsEnd: Bool)
}

extension WatchEvent: Equatable where Object: Equatable {}
