/// The objects of one resource, by namespace and name, plus its event window.
struct ResourceTable {
    var objects: [String: [String: StoredObject]] = [:]
    var count = 0
    var window: EventWindow
    /// Namespaces in order, rebuilt only when one appears or empties.
    private var sortedNamespaces: [String]? = nil

    init(window: Int = 1) {
        self.window = EventWindow(capacity: window)
    }

    func get(_ ns: String, _ name: String) -> StoredObject? { objects[ns]?[name] }

    mutating func put(_ o: StoredObject) {
        let ns = o.namespace
        if objects[ns]?[o.name] == nil { count += 1 }
        if objects[ns] == nil { sortedNamespaces = nil }
        objects[ns, default: [:]][o.name] = o
    }

    mutating func remove(_ ns: String, _ name: String) {
        if objects[ns]?.removeValue(forKey: name) != nil {
            count -= 1
            if objects[ns]?.isEmpty == true {
                objects[ns] = nil
                sortedNamespaces = nil
            }
        }
    }

    func names(in ns: String) -> [String] { objects[ns].map { Array($0.keys) } ?? [] }

    /// Objects in a namespace, or in all.
    func count(in namespace: String?) -> Int {
        guard let namespace else { return count }
        return objects[namespace]?.count ?? 0
    }

    mutating func namespacesInOrder() -> [String] {
        if let s = sortedNamespaces { return s }
        let s = objects.keys.sorted()
        sortedNamespaces = s
        return s
    }

    /// Visits objects in `namespace/name` order, starting after `after`,
    /// until `body` returns false. Callers that may mutate take the sorted
    /// namespace list from `namespacesInOrder()` first.
    func forEachSorted(namespace: String?, after: (String, String)?, namespaces sorted: [String]? = nil, _ body: (StoredObject) -> Bool) {
        let namespaces: [String]
        if let namespace {
            namespaces = [namespace]
        } else {
            namespaces = sorted ?? sortedNamespaces ?? objects.keys.sorted()
        }
        var startIndex = 0
        if let after, namespace == nil {
            // Binary search for the first namespace at or after the continue point.
            var lo = 0, hi = namespaces.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if namespaces[mid] < after.0 { lo = mid + 1 } else { hi = mid }
            }
            startIndex = lo
        }
        for ns in namespaces[startIndex...] {
            if let after, ns < after.0 { continue }
            guard let byName = objects[ns] else { continue }
            for name in byName.keys.sorted() {
                if let after, ns == after.0, name <= after.1 { continue }
                if !body(byName[name]!) { return }
            }
        }
    }
}
