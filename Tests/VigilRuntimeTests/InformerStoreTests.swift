import Kube
import Synchronization
import Testing

@testable import VigilRuntime

/// `ObjectStore`: keys, the namespace index, the owned filter, re-list diffs
/// and the readiness gate.
@Suite struct InformerStoreTests {
    static func cm(_ ns: String, _ name: String, rv: String) -> ConfigMap {
        var m = ObjectMeta(name: name, namespace: ns)
        m.resourceVersion = rv
        return ConfigMap(metadata: m, data: ["v": rv])
    }

    static func describe(_ c: StoreChange<ConfigMap>) -> String {
        switch c {
        case .added(let o): return "add \(o.metadata.namespace!)/\(o.metadata.name!)@\(o.metadata.resourceVersion!)"
        case .updated(let old, let new):
            return "update \(new.metadata.namespace!)/\(new.metadata.name!)@\(old.metadata.resourceVersion!)->\(new.metadata.resourceVersion!)"
        case .deleted(let o): return "delete \(o.metadata.namespace!)/\(o.metadata.name!)@\(o.metadata.resourceVersion!)"
        }
    }

    @Test func keysAndTheNamespaceIndex() {
        let store = ObjectStore<ConfigMap>()
        store.replace(with: [Self.cm("a", "x", rv: "1"), Self.cm("a", "y", rv: "2"), Self.cm("b", "x", rv: "3")])
        #expect(store.count == 3)
        #expect(store.get("a/x")?.metadata.resourceVersion == "1")
        #expect(store.get("b/x")?.metadata.resourceVersion == "3")
        #expect(store.get(namespace: "a", name: "y")?.metadata.resourceVersion == "2")
        #expect(store.get("c/x") == nil)
        #expect(Set(store.list(namespace: "a").map { $0.metadata.name! }) == ["x", "y"])
        #expect(store.list(namespace: "zzz").isEmpty)
        #expect(store.list().count == 3)
        #expect(Set(store.keys()) == ["a/x", "a/y", "b/x"])
        #expect(Set(store.namespaces()) == ["a", "b"])
        #expect(store.key(of: Self.cm("a", "x", rv: "1")) == "a/x")
        #expect(ObjectStore<ConfigMap>.key(namespace: nil, name: "cluster-wide") == "cluster-wide")

        store.apply(.deleted(Self.cm("b", "x", rv: "4")))
        #expect(Set(store.namespaces()) == ["a"], "an emptied namespace leaves the index")
        #expect(store.count == 2)
    }

    @Test func watchEventsBecomeChanges() {
        let store = ObjectStore<ConfigMap>()
        #expect(store.apply(.added(Self.cm("a", "x", rv: "1"))).map(Self.describe) == "add a/x@1")
        #expect(store.apply(.modified(Self.cm("a", "x", rv: "2"))).map(Self.describe) == "update a/x@1->2")
        #expect(store.apply(.modified(Self.cm("a", "x", rv: "2"))) == nil, "the same version twice is not a change")
        #expect(store.apply(.modified(Self.cm("a", "y", rv: "3"))).map(Self.describe) == "add a/y@3")
        #expect(store.apply(.deleted(Self.cm("a", "x", rv: "4"))).map(Self.describe) == "delete a/x@2",
            "a delete reports the last state the store held")
        #expect(store.apply(.bookmark(resourceVersion: "9", initialEventsEnd: false)) == nil)
        #expect(store.count == 1)
    }

    @Test func replaceDiffsAgainstThePreviousContent() {
        let store = ObjectStore<ConfigMap>()
        store.replace(with: [Self.cm("a", "same", rv: "1"), Self.cm("a", "changed", rv: "2"), Self.cm("a", "vanished", rv: "3")])
        let changes = store.replace(with: [Self.cm("a", "same", rv: "1"), Self.cm("a", "changed", rv: "7"), Self.cm("b", "new", rv: "8")])
        #expect(Set(changes.map(Self.describe)) == ["update a/changed@2->7", "add b/new@8", "delete a/vanished@3"])
        #expect(Set(store.keys()) == ["a/same", "a/changed", "b/new"])
        #expect(store.count == 3)
    }

    @Test func ownedFilterKeepsOnlyOwnedNamespaces() {
        let store = ObjectStore<ConfigMap>(owned: { $0.hasPrefix("mine-") })
        let changes = store.replace(with: [Self.cm("mine-1", "x", rv: "1"), Self.cm("theirs", "x", rv: "2"), Self.cm("mine-2", "y", rv: "3")])
        #expect(changes.count == 2)
        #expect(Set(store.keys()) == ["mine-1/x", "mine-2/y"])
        #expect(store.apply(.added(Self.cm("theirs", "z", rv: "4"))) == nil)
        #expect(store.apply(.deleted(Self.cm("theirs", "x", rv: "5"))) == nil)
        #expect(store.owns(namespace: "mine-9") && !store.owns(namespace: "theirs"))

        // Ownership moves: mine-1 is handed off.
        let dropped = store.setOwned { $0 == "mine-2" || $0 == "theirs" }
        #expect(dropped == ["mine-1/x"])
        #expect(Set(store.keys()) == ["mine-2/y"])
        #expect(store.apply(.added(Self.cm("theirs", "z", rv: "6"))).map(Self.describe) == "add theirs/z@6")

        // Re-filtering by any predicate.
        let gone = store.retain { $0.metadata.namespace != "theirs" }
        #expect(gone == ["theirs/z"])
        #expect(store.count == 1)
    }

    @Test func completeOnlyOnceAFullListWasStoredUnderTheCurrentFilter() {
        let store = ObjectStore<ConfigMap>(owned: { $0 == "a" })
        #expect(!store.isComplete, "nothing listed yet")
        store.replace(with: [Self.cm("a", "x", rv: "1"), Self.cm("b", "x", rv: "2")])
        #expect(store.isComplete && store.count == 1)
        // Gaining b: its objects are not here until the re-list is stored,
        // so "not in the store" must not be read as "does not exist".
        store.setOwned { _ in true }
        #expect(!store.isComplete)
        #expect(store.list(namespace: "b").isEmpty)
        store.apply(.added(Self.cm("b", "y", rv: "3")))
        #expect(!store.isComplete, "a watch event is not a list")
        #expect(store.listIfComplete(namespace: "b") == nil)
        store.replace(with: [Self.cm("a", "x", rv: "1"), Self.cm("b", "x", rv: "2"), Self.cm("b", "y", rv: "3")])
        #expect(store.isComplete && store.list(namespace: "b").count == 2)
        #expect(store.listIfComplete(namespace: "b")?.count == 2)
        #expect(store.listIfComplete(namespace: "empty")?.isEmpty == true, "kept and complete: none there means none exist")
        // Losing a namespace needs no list, but the filter changed all the same.
        store.setOwned { $0 == "b" }
        #expect(!store.isComplete)
        store.replace(with: [Self.cm("a", "x", rv: "1"), Self.cm("b", "x", rv: "2")])
        #expect(store.listIfComplete(namespace: "b")?.count == 1)
        #expect(store.listIfComplete(namespace: "a") == nil, "a namespace the store does not keep is never complete")
    }

    @Test func syncedGateOpensAtTheFirstFullList() async throws {
        let store = ObjectStore<ConfigMap>()
        #expect(!store.hasSynced)
        let passed = Atomic(false)
        let waiter = Task {
            try await store.waitUntilSynced()
            passed.store(true, ordering: .sequentiallyConsistent)
        }
        store.apply(.added(Self.cm("a", "x", rv: "1")))
        try await Task.sleep(for: .milliseconds(50))
        let early = passed.load(ordering: .sequentiallyConsistent)
        #expect(!early, "watch events alone do not sync the store")
        store.replace(with: [])
        try await waiter.value
        let late = passed.load(ordering: .sequentiallyConsistent)
        #expect(late)
        #expect(store.hasSynced)
        try await store.waitUntilSynced()  // returns at once from now on
    }

    @Test func cancellingAWaiterEndsItsWait() async {
        let store = ObjectStore<DynamicObject>()
        let waiter = Task { try await store.waitUntilSynced() }
        try? await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        let result = await waiter.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(!store.hasSynced)
    }
}
