/// One object as stored: its JSON, its serialized bytes (made once per
/// version and shared by every list and watch that sends it) and the
/// resourceVersion that wrote it.
public struct StoredObject: Sendable {
    public let object: JSON
    public let bytes: [UInt8]
    public let rv: Int64

    public init(object: JSON, rv: Int64) {
        self.object = object
        self.bytes = object.serialized()
        self.rv = rv
    }

    public var name: String { object[path: ["metadata", "name"]]?.stringValue ?? "" }
    public var namespace: String { object[path: ["metadata", "namespace"]]?.stringValue ?? "" }
}

/// The kinds of watch event (`watch.EventType`).
public enum WatchEventType: String, Sendable {
    case added = "ADDED"
    case modified = "MODIFIED"
    case deleted = "DELETED"
    case bookmark = "BOOKMARK"
    case error = "ERROR"
}

/// A change committed to the store.
public struct StoreEvent: Sendable {
    public let type: WatchEventType
    public let storageKey: String
    public let object: StoredObject
    /// The object before the change (MODIFIED and DELETED), so a watch with a
    /// selector can turn a change into ADDED or DELETED as the selector sees it.
    public let previous: JSON?
    public var rv: Int64 { object.rv }
}

/// What a watch stream carries to its HTTP writer.
public enum WatchMessage: Sendable {
    case event(WatchEventType, StoredObject)
    /// A BOOKMARK at this resourceVersion; `initialEventsEnd` marks the end of
    /// `sendInitialEvents`.
    case bookmark(Int64, initialEventsEnd: Bool)
    /// A terminal ERROR event (e.g. 410 Gone), after which the stream ends.
    case error(APIError)
}

/// A predicate over objects built from label and field selectors.
public struct ObjectFilter: Sendable {
    public var matches: @Sendable (JSON) -> Bool
    public var isEverything: Bool

    public init(_ matches: @escaping @Sendable (JSON) -> Bool) {
        self.matches = matches
        self.isEverything = false
    }

    public static let everything: ObjectFilter = {
        var f = ObjectFilter { _ in true }
        f.isEverything = true
        return f
    }()
}

/// A bounded history of recent events for one resource, from which watches
/// resume. Older resourceVersions get `410 Gone`.
struct EventWindow {
    private var ring: [StoreEvent?]
    private var head = 0
    private(set) var count = 0
    /// The newest resourceVersion that has been evicted; a watch must start
    /// at or after it.
    private(set) var lastEvictedRV: Int64 = 0

    init(capacity: Int) {
        ring = Array(repeating: nil, count: max(1, capacity))
    }

    mutating func append(_ e: StoreEvent) {
        let cap = ring.count
        if count == cap {
            if let old = ring[head] { lastEvictedRV = old.rv }
            ring[head] = e
            head = (head + 1) % cap
        } else {
            ring[(head + count) % cap] = e
            count += 1
        }
    }

    /// Events with rv > `after`, oldest first.
    func events(after: Int64) -> [StoreEvent] {
        var out: [StoreEvent] = []
        let cap = ring.count
        for i in 0..<count {
            if let e = ring[(head + i) % cap], e.rv > after { out.append(e) }
        }
        return out
    }
}
