import Foundation
import Kube
import Synchronization
import Testing
import ProcessFixtures

@testable import VigilRuntime

/// An informer on ConfigMaps against a kube-sim process whose watch history
/// holds only 50 events: it must stay equal to the cluster across dropped
/// streams (re-watch) and across `410 Gone` (re-list and diff), and its
/// handlers must have seen every object's final state.
@Suite(.serialized) struct InformerKubeSimTests {
    /// The last state the handlers reported per key: a resourceVersion, or nil after a delete.
    final class FinalStates: Sendable {
        let states = Mutex<[String: String?]>([:])
        let deliveries = Atomic(0)

        var handler: InformerHandler<ConfigMap> {
            InformerHandler(
                onAdd: { self.record($0, deleted: false) }, onUpdate: { _, new in self.record(new, deleted: false) },
                onDelete: { self.record($0, deleted: true) })
        }

        func record(_ o: ConfigMap, deleted: Bool) {
            let key = ObjectStore<ConfigMap>.key(namespace: o.metadata.namespace, name: o.metadata.name ?? "")
            states.withLock { $0[key] = .some(deleted ? nil : o.metadata.resourceVersion) }
            deliveries.add(1, ordering: .relaxed)
        }

        var live: [String: String] {
            states.withLock { s in s.compactMapValues { $0 } }
        }
    }

    static let fast = ReflectorConfiguration(initialBackoff: 0.05, maxBackoff: 0.4, shortWatchSeconds: 0.2)

    /// key → resourceVersion of a fresh list of every ConfigMap.
    static func fresh(_ client: KubeClient) async throws -> [String: String] {
        let all = try await client.listAll(ConfigMap.self)
        var out: [String: String] = [:]
        for o in all.items {
            out[ObjectStore<ConfigMap>.key(namespace: o.metadata.namespace, name: o.metadata.name ?? "")] = o.metadata.resourceVersion ?? ""
        }
        return out
    }

    static func snapshot(_ store: ObjectStore<ConfigMap>) -> [String: String] {
        var out: [String: String] = [:]
        for o in store.list() { out[store.key(of: o)] = o.metadata.resourceVersion ?? "" }
        return out
    }

    /// Waits (real time) until the store and what the handlers saw both
    /// equal a fresh list (handlers run just after the store is written).
    static func converge(_ informer: Informer<ConfigMap>, _ finals: FinalStates, _ client: KubeClient, seconds: Double = 8) async throws
        -> (store: [String: String], cluster: [String: String])
    {
        let cluster = try await fresh(client)
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int64(seconds * 1000))
        while clock.now < deadline {
            if snapshot(informer.store) == cluster && finals.live == cluster { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        return (snapshot(informer.store), cluster)
    }

    static func cm(_ ns: String, _ name: String, _ value: String) -> ConfigMap {
        ConfigMap(metadata: ObjectMeta(name: name, namespace: ns), data: ["v": value])
    }

    static func update(_ client: KubeClient, _ ns: String, _ name: String, _ value: String) async throws {
        _ = try await client.patch(.configMaps, namespace: ns, name: name, type: .merge, body: Array(#"{"data":{"v":"\#(value)"}}"#.utf8))
    }

    static func start(_ sim: KubeSimProcess) throws -> (KubeClient, Informer<ConfigMap>, FinalStates) {
        let client = try KubeClient(server: sim.url, options: KubeClient.Options(qps: 0))
        let informer = Informer<ConfigMap>(client: client, configuration: fast)
        let finals = FinalStates()
        informer.addHandler(finals.handler)
        return (client, informer, finals)
    }

    @Test func staysCorrectAcrossDroppedWatches() async throws {
        let sim = try await KubeSimProcess.start(arguments: ["--event-window", "50", "--bookmark-interval", "0.3"])
        defer { sim.stop() }
        let (client, informer, finals) = try Self.start(sim)
        _ = try await client.create(.namespaces, Namespace(metadata: ObjectMeta(name: "other")))
        for i in 0..<5 { _ = try await client.create(.configMaps, namespace: "default", Self.cm("default", "seed\(i)", "0")) }
        let run = Task { try await informer.run() }
        defer { run.cancel() }
        try await informer.store.waitUntilSynced()

        for round in 0..<6 {
            for i in 0..<4 {
                let ns = i % 2 == 0 ? "default" : "other"
                _ = try await client.create(.configMaps, namespace: ns, Self.cm(ns, "r\(round)-\(i)", "0"))
            }
            try await Self.update(client, "default", "r\(round)-0", "1")
            try await Self.update(client, "other", "r\(round)-1", "1")
            try await client.delete(.configMaps, namespace: "default", name: "r\(round)-2")
            if round > 0 { try await Self.update(client, "other", "r\(round - 1)-3", "2") }
            try await sim.setFaults(#"{"dropWatches":true}"#)
            try await Task.sleep(for: .milliseconds(round % 2 == 0 ? 5 : 120))
        }
        try await client.delete(.configMaps, namespace: "default", name: "seed0")

        let (store, cluster) = try await Self.converge(informer, finals, client)
        #expect(store == cluster)
        let expected: Int = 5 - 1 + 6 * 3
        #expect(cluster.count == expected)
        #expect(finals.live == cluster, "the handlers saw every final state")
        #expect(finals.states.withLock { $0["default/seed0"] } == .some(nil), "and the delete")
        let stats = informer.statistics
        // Each drop that found the watch open restarts it; a drop while it was re-opening closes nothing.
        let simStats = try JSONSerialization.jsonObject(with: Data(try await sim.stats().utf8)) as? [String: Any]
        let dropped = simStats?["droppedWatches"] as? Int ?? 0
        #expect(dropped >= 3, "the faults dropped \(dropped) watches")
        #expect(stats.watchRestarts >= dropped, "\(stats.watchRestarts) restarts for \(dropped) dropped watches")
        #expect(stats.relists == 0, "a dropped watch resumes from its resourceVersion: \(stats)")
        #expect(stats.bookmarks >= 1)
    }

    @Test func staysCorrectAcrossGone() async throws {
        let sim = try await KubeSimProcess.start(arguments: ["--event-window", "50"])
        defer { sim.stop() }
        let (client, informer, finals) = try Self.start(sim)
        for i in 0..<20 { _ = try await client.create(.configMaps, namespace: "default", Self.cm("default", "c\(i)", "0")) }
        let run = Task { try await informer.run() }
        defer { run.cancel() }
        try await informer.store.waitUntilSynced()
        #expect(informer.store.count == 20)

        for outage in 0..<2 {
            // The watch goes down and stays down (every re-watch fails) while
            // more than 50 changes happen: the resourceVersion it resumes from
            // is out of the window.
            try await sim.setFaults(#"{"rules":[{"status":500,"verbs":["watch"],"resources":["configmaps"]}],"dropWatches":true}"#)
            let alive = (outage * 8..<20).map { "c\($0)" } + (outage == 0 ? [] : (5..<25).map { "n0-\($0)" })
            for name in alive.prefix(20) { try await Self.update(client, "default", name, "\(outage + 1)") }
            for i in 0..<8 { try await client.delete(.configMaps, namespace: "default", name: "c\(outage * 8 + i)") }
            for i in 0..<25 { _ = try await client.create(.configMaps, namespace: "default", Self.cm("default", "n\(outage)-\(i)", "0")) }
            for i in 0..<5 { try await client.delete(.configMaps, namespace: "default", name: "n\(outage)-\(i)") }
            try await sim.setFaults(#"{"rules":[]}"#)

            let (store, cluster) = try await Self.converge(informer, finals, client)
            #expect(store == cluster, "outage \(outage)")
            #expect(finals.live == cluster, "outage \(outage): the handlers saw every final state")
        }
        let stats = informer.statistics
        #expect(stats.relists >= 2, "\(stats)")
        #expect(stats.lastError?.contains("410") == true)
        let finalStates = finals.states.withLock { $0 }
        for i in 0..<16 { #expect(finalStates["default/c\(i)"] == .some(nil), "c\(i) deleted while the watch was down") }
        for outage in 0..<2 {
            for i in 0..<5 { #expect(finalStates["default/n\(outage)-\(i)"] == nil, "created and deleted unseen: no callbacks") }
        }
    }

    @Test func dynamicInformerOnOneNamespaceWithASelector() async throws {
        let sim = try await KubeSimProcess.start(arguments: ["--event-window", "50"])
        defer { sim.stop() }
        let client = try KubeClient(server: sim.url, options: KubeClient.Options(qps: 0))
        _ = try await client.create(.namespaces, Namespace(metadata: ObjectMeta(name: "other")))
        for (ns, name, label) in [("default", "a", "yes"), ("default", "b", "no"), ("other", "c", "yes")] {
            _ = try await client.create(.configMaps, namespace: ns,
                ConfigMap(metadata: ObjectMeta(name: name, namespace: ns, labels: ["pick": label])))
        }
        let informer = Informer<DynamicObject>(client: client, descriptor: .configMaps, namespace: "default", labelSelector: "pick=yes",
            configuration: Self.fast)
        let added = Mutex<[String]>([])
        informer.addHandler(InformerHandler(onAdd: { o in added.withLock { $0.append(o.metadata.name ?? "") } }))
        let run = Task { try await informer.run() }
        defer { run.cancel() }
        try await informer.store.waitUntilSynced()
        #expect(informer.store.keys() == ["default/a"])
        _ = try await client.create(.configMaps, namespace: "default",
            ConfigMap(metadata: ObjectMeta(name: "d", namespace: "default", labels: ["pick": "yes"]), data: ["k": "v"]))
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while informer.store.count < 2 && clock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(Set(informer.store.keys()) == ["default/a", "default/d"])
        #expect(informer.store.get("default/d")?.other["data"] == .object(["k": .string("v")]))
        #expect(added.withLock { $0 } == ["a", "d"])
    }
}
