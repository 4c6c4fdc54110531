/// The objects of one resource, by namespace and name, plus its event window.
struct ResourceTable {
    var objects: [String: [String: StoredObject]] = [:]
    var count = 0
    var window: EventWindow

    init(window: Int = 1) {
        self.window = EventWindow(capacity: window)
    }

    func get(_ ns: String, _ name: String) -> StoredObject? { objects[ns]?[name] }

    mutating func put(_ o: StoredObject) {
        let ns = o.namespace
        if objects[ns]?[o.name] == nil { count += 1 }
        objects[ns, default: [:]][o.name] = o
    }

    mutating func remove(_ ns: String, _ name: String) {
        if objects[ns]?.removeValue(forKey: name) != nil {
            count -= 1
            if objects[ns]?.isEmpty == true { objects[ns] = nil }
        }
    }

    func names(in ns: String) -> [String] { objects[ns].map { Array($0.keys) } ?? [] }

    /// Visits objects in `namespace/name` order, starting after `after`,
    /// until `body` returns false.
    func forEachSorted(namespace: String?, after: (String, String)?, _ body: (StoredObject) -> Bool) {
        let namespaces: [String]
        if let namespace { namespaces = [namespace] } else { namespaces = objects.keys.sorted() }
        for ns in namespaces {
            if let after, ns < after.0 { continue }
            guard let byName = objects[ns] else { continue }
            for name in byName.keys.sorted() {
                if let after, ns == after.0, name <= after.1 { continue }
                if !body(byName[name]!) { return }
            }
        }
    }
}
